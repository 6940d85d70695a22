import Testing
import TwinCore
@testable import TwinDaemon

struct ImportMappingTests {
    static func record(_ line: String, _ delimiter: FieldDelimiter = .byte(UInt8(ascii: ","))) -> DelimitedRecord {
        var record = DelimitedRecord()
        _ = Array(line.utf8).withUnsafeBytes { record.split($0, delimiter: delimiter) }
        return record
    }

    static func map(_ mapper: inout CSVRowMapper, _ line: String,
                    _ delimiter: FieldDelimiter = .byte(UInt8(ascii: ","))) -> Result<[Reading], RowProblem> {
        var readings: [Reading] = []
        if let problem = mapper.map(record(line, delimiter), into: &readings) { return .failure(problem) }
        return .success(readings)
    }

    @Test func defaultsFindAssetTimeAndNumericColumns() throws {
        let columns = ["asset", "ts", "temp", "status", "rpm"]
        var mapper = try CSVRowMapper(mapping: ImportMapping(), columns: columns,
                                      firstRow: Self.record("p1,1764064800000,71.5,ok,"))
        #expect(mapper.metrics.map(\.name) == ["temp", "rpm"])
        #expect(mapper.ignored == ["status"])
        #expect(try Self.map(&mapper, "p1,1764064800000,71.5,ok,1480").get() == [
            Reading(asset: "p1", metric: "temp", timestamp: 1_764_064_800_000, value: 71.5),
            Reading(asset: "p1", metric: "rpm", timestamp: 1_764_064_800_000, value: 1_480),
        ])
        // Missing values are skipped, not errors.
        #expect(try Self.map(&mapper, "p1,1764064800,,x,NA").get().isEmpty)
    }

    @Test func badRowsSayWhy() throws {
        var mapper = try CSVRowMapper(mapping: ImportMapping(), columns: ["asset", "ts", "temp"], firstRow: nil)
        func reason(_ line: String) -> String? {
            if case .failure(let problem) = Self.map(&mapper, line) { return problem.reason }
            return nil
        }
        #expect(reason("p1,1764064800,abc") == "invalid_number")
        #expect(reason("p1,1764064800,inf") == "non_finite")
        #expect(reason("p1,1764064800") == "wrong_field_count")
        #expect(reason("p 1,1764064800,1") == "invalid_asset_id")
        #expect(reason(",1764064800,1") == "missing_asset")
        #expect(reason("p1,,1") == "missing_time")
        #expect(reason("p1,yesterday,1") == "invalid_timestamp")
        #expect(reason("p1,2026-01-01T00:00:00Z,1") == nil)
    }

    @Test func cmapssLayout() throws {
        var mapping = ImportMapping()
        mapping.assetColumn = "unit"
        mapping.assetPrefix = "engine-"
        mapping.assetDigits = 3
        mapping.timeColumn = "cycle"
        mapping.time = ImportTimeReader(unit: .s, origin: 1_767_225_600_000)
        mapping.metrics = try ColumnList.expand("s2..s4")
        let columns = try ColumnList.expand("unit,cycle,setting1..setting3,s1..21")
        #expect(columns.count == 26)
        var mapper = try CSVRowMapper(mapping: mapping, columns: columns, firstRow: nil)
        let line = "1 7 -0.0007 -0.0004 100.0 518.67 641.82 1589.70 1400.60 14.62 21.61 554.36 2388.06 9046.19 1.30 "
            + "47.47 521.66 2388.02 8138.62 8.4195 0.03 392 2388 100.00 39.06 23.4190  "
        let readings = try Self.map(&mapper, line, .whitespace).get()
        #expect(readings.map(\.asset) == ["engine-001", "engine-001", "engine-001"])
        #expect(readings.map(\.metric) == ["s2", "s3", "s4"])
        #expect(readings.map(\.value) == [641.82, 1589.70, 1400.60])
        #expect(readings.allSatisfy { $0.timestamp == 1_767_225_607_000 })
    }

    @Test func unknownColumnsListTheHeader() {
        var mapping = ImportMapping()
        mapping.assetColumn = "unit"
        #expect {
            try CSVRowMapper(mapping: mapping, columns: ["id", "time", "s1"], firstRow: nil)
        } throws: { "\($0)".contains("no column 'unit'; the columns are id, time, s1") }
        #expect {
            try CSVRowMapper(mapping: ImportMapping(), columns: ["a", "b"], firstRow: nil)
        } throws: { "\($0)".contains("--asset-column") }
    }

    @Test func timeUnits() {
        func millis(_ text: String, _ reader: ImportTimeReader) -> Int64? {
            try? Array(text.utf8).withUnsafeBytes { reader.millis(field: $0) }.get()
        }
        #expect(millis("1764064800", ImportTimeReader()) == 1_764_064_800_000)
        #expect(millis("1764064800123", ImportTimeReader()) == 1_764_064_800_123)
        #expect(millis("2025-11-25T11:00:00+01:00", ImportTimeReader()) == 1_764_064_800_000)
        #expect(millis("1764064800", ImportTimeReader(unit: .ms)) == 1_764_064_800)
        #expect(millis("1764064800.5", ImportTimeReader(unit: .s)) == 1_764_064_800_500)
        #expect(millis("1764064800000000", ImportTimeReader(unit: .us)) == 1_764_064_800_000)
        #expect(millis("1764064800000000000", ImportTimeReader(unit: .ns)) == 1_764_064_800_000)
        #expect(millis("12", ImportTimeReader(unit: .s, origin: 1_000_000)) == 1_012_000)
        #expect(millis("12", ImportTimeReader(unit: .rfc3339)) == nil)
        #expect(millis("2026-11-25T10:00:00Z", ImportTimeReader(unit: .s)) == nil)
        #expect(millis("2025-11-25 10:00:00", ImportTimeReader(assumeUTC: true)) == 1_764_064_800_000)
    }

    @Test func columnLists() throws {
        #expect(try ColumnList.expand("a, b ,s1..s3,x9..11") == ["a", "b", "s1", "s2", "s3", "x9", "x10", "x11"])
        #expect(throws: ImportError.self) { try ColumnList.expand("a,,b") }
        #expect(throws: ImportError.self) { try ColumnList.expand("s3..s1") }
        #expect(throws: ImportError.self) { try ColumnList.expand("a..b") }
    }

    @Test func jsonlLongAndWideRows() throws {
        var mapper = try JSONLRowMapper(mapping: ImportMapping())
        func map(_ line: String) -> Result<[Reading], RowProblem> {
            var readings: [Reading] = []
            let problem = Array(line.utf8).withUnsafeBytes { mapper.map($0, into: &readings) }
            return problem.map { .failure($0) } ?? .success(readings)
        }
        #expect(try map(#"{"asset":"p1","ts":1764064800000,"metric":"temp","value":71.5}"#).get()
            == [Reading(asset: "p1", metric: "temp", timestamp: 1_764_064_800_000, value: 71.5)])
        #expect(try map(#"{"asset":"p1","ts":"2026-11-25T10:00:00Z","temp":1,"rpm":2,"fw":"1.2"}"#).get().map(\.metric)
            == ["temp", "rpm"])
        #expect(try map(#"{"asset":7,"ts":1764064800,"temp":1}"#).get().first?.asset == "7")
        if case .failure(let problem) = map(#"{"ts":1764064800,"temp":1}"#) {
            #expect(problem.reason == "missing_asset")
        } else { Issue.record("no asset accepted") }
        if case .failure(let problem) = map(#"{"asset":"p1","temp":1}"#) {
            #expect(problem.reason == "missing_time")
        } else { Issue.record("no time accepted") }
        if case .failure(let problem) = map(#"{"asset":"p1","ts":1,"temp":"#) {
            #expect(problem.reason == "invalid_json")
        } else { Issue.record("broken JSON accepted") }

        var cycles = ImportMapping()
        cycles.timeColumn = "cycle"
        cycles.time = ImportTimeReader(unit: .s, origin: 0)
        var cycleMapper = try JSONLRowMapper(mapping: cycles)
        var readings: [Reading] = []
        _ = Array(#"{"asset":"e1","cycle":3,"s2":1}"#.utf8).withUnsafeBytes { cycleMapper.map($0, into: &readings) }
        #expect(readings == [Reading(asset: "e1", metric: "s2", timestamp: 3_000, value: 1)])
    }
}
