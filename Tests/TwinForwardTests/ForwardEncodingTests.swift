import NIOCore
import Testing
import TwinStore

@testable import TwinForward

/// What the forwarder sends PostgreSQL, built without one: COPY text and 1-minute rollup cells.
struct ForwardEncodingTests {
    func batch(_ rows: [(series: Int64, ts: Int64, value: Double)]) -> ForwardReadings {
        var batch = ForwardReadings()
        for row in rows {
            batch.seriesIDs.append(row.series)
            batch.assets.append("a")
            batch.metrics.append("m")
            batch.timestamps.append(row.ts)
            batch.values.append(row.value)
        }
        return batch
    }

    @Test func copyTextReadsBackToTheSameDoubles() throws {
        let values: [Double] = [0, -0.0, 1, -1.5, 0.1, 1e-300, 5e-324, .greatestFiniteMagnitude, 123456789.123456789,
                                -2.2250738585072014e-308, 1e22, .infinity, -.infinity]
        let rows = values.enumerated().map { (series: Int64($0.offset) - 3, ts: Int64($0.offset) * -1_000_000_007,
                                               value: $0.element) }
        let buffer = Forwarder.copyText(series: rows.map(\.series), batch: batch(rows))
        let text = String(buffer: buffer)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == rows.count + 1 && lines.last == "")
        for (line, row) in zip(lines, rows) {
            let fields = line.split(separator: "\t").map(String.init)
            #expect(fields.count == 3)
            #expect(Int64(fields[0]) == row.series && Int64(fields[1]) == row.ts)
            // PostgreSQL's float8 input: decimal, or Infinity / -Infinity spelled out.
            let parsed = fields[2] == "Infinity" ? Double.infinity : fields[2] == "-Infinity" ? -Double.infinity
                : Double(fields[2])
            #expect(parsed?.bitPattern == row.value.bitPattern, "\(fields[2]) for \(row.value)")
            #expect(!fields[2].contains("inf") && !fields[2].contains("nan"))
        }
        #expect(text.hasPrefix("-3\t0\t0.0\n-2\t-1000000007\t-0.0\n"))
        let extremes = Forwarder.copyText(series: [.min, .max], batch: batch([(0, .min, 1), (0, .max, 2)]))
        #expect(String(buffer: extremes)
                == "-9223372036854775808\t-9223372036854775808\t1.0\n9223372036854775807\t9223372036854775807\t2.0\n")
    }

    @Test func rollupCellsFoldEachSeriesMinute() {
        // Two series, readings across two minutes and before 1970, in commit (not time) order.
        let cells = RollupCells(series: [7, 7, 8, 7, 7, 8], batch: batch([
            (1, 60_000, 3), (1, 119_999, -1), (2, 60_500, 10), (1, 59_999, 4), (1, 61_000, 5), (2, -1, 2),
        ]))
        var found: [String: String] = [:]
        for index in 0..<cells.count {
            found["\(cells.series[index])@\(cells.buckets[index])"] =
                "\(cells.counts[index]) \(cells.mins[index]) \(cells.maxes[index]) \(cells.sums[index])"
        }
        #expect(found == [
            "7@60000": "3 -1.0 5.0 7.0",
            "8@60000": "1 10.0 10.0 10.0",
            "7@0": "1 4.0 4.0 4.0",
            "8@-60000": "1 2.0 2.0 2.0",
        ])
        #expect(RollupCells.bucket(-60_000) == -60_000 && RollupCells.bucket(-60_001) == -120_000)
    }
}
