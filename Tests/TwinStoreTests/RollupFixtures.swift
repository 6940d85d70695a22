import Foundation
import GRDB
import TwinCore

@testable import TwinStore

/// The aggregate of one bucket, from a view row, a reader row, or computed from raw readings.
struct Aggregate: Hashable, CustomStringConvertible {
    var asset: String
    var metric: String
    var bucket: Int64
    var count: Int64
    var min: Double
    var max: Double
    var sum: Double
    var firstTimestamp: Int64
    var first: Double
    var lastTimestamp: Int64
    var last: Double

    var description: String {
        "\(asset)/\(metric)@\(bucket) n=\(count) [\(min), \(max)] Σ\(sum) first \(first)@\(firstTimestamp) "
            + "last \(last)@\(lastTimestamp)"
    }

    /// From a row of `readings_1m` / `readings_1h` (asset, metric, ts, count, min, max, sum, avg, first_ts, first,
    /// last_ts, last).
    init(viewRow row: Row) {
        self.init(asset: row[0], metric: row[1], bucket: row[2], count: row[3], min: row[4], max: row[5],
                  sum: row[6], firstTimestamp: row[8], first: row[9], lastTimestamp: row[10], last: row[11])
    }

    init(asset: String, metric: String, _ row: HistoryRow) {
        self.init(asset: asset, metric: metric, bucket: row.timestamp, count: row.count, min: row.min, max: row.max,
                  sum: row.sum, firstTimestamp: row.firstTimestamp, first: row.first,
                  lastTimestamp: row.lastTimestamp, last: row.last)
    }

    init(asset: String, metric: String, bucket: Int64, count: Int64, min: Double, max: Double, sum: Double,
         firstTimestamp: Int64, first: Double, lastTimestamp: Int64, last: Double) {
        self.asset = asset
        self.metric = metric
        self.bucket = bucket
        self.count = count
        self.min = min
        self.max = max
        self.sum = sum
        self.firstTimestamp = firstTimestamp
        self.first = first
        self.lastTimestamp = lastTimestamp
        self.last = last
    }

    /// Buckets of `width` ms computed from raw readings, sorted by (asset, metric, bucket).
    static func compute(_ readings: [Reading], width: Int64) -> [Aggregate] {
        var result: [String: Aggregate] = [:]
        for r in readings {
            let bucket = r.timestamp - ((r.timestamp % width) + width) % width
            let key = "\(r.asset)\u{0}\(r.metric)\u{0}\(bucket)"
            if var a = result[key] {
                a.count += 1
                a.min = Swift.min(a.min, r.value)
                a.max = Swift.max(a.max, r.value)
                a.sum += r.value
                if r.timestamp < a.firstTimestamp { (a.firstTimestamp, a.first) = (r.timestamp, r.value) }
                if r.timestamp > a.lastTimestamp { (a.lastTimestamp, a.last) = (r.timestamp, r.value) }
                result[key] = a
            } else {
                result[key] = Aggregate(asset: r.asset, metric: r.metric, bucket: bucket, count: 1, min: r.value,
                                        max: r.value, sum: r.value, firstTimestamp: r.timestamp, first: r.value,
                                        lastTimestamp: r.timestamp, last: r.value)
            }
        }
        return result.values.sorted { ($0.asset, $0.metric, $0.bucket) < ($1.asset, $1.metric, $1.bucket) }
    }
}

extension TwinStore {
    /// Every row of a rollup view, sorted by (asset, metric, ts).
    func rollupView(_ view: String) throws -> [Aggregate] {
        try rows("SELECT * FROM \(view) ORDER BY asset, metric, ts").map(Aggregate.init(viewRow:))
    }
}

extension SplitMix64 {
    /// A number in [0, bound).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
