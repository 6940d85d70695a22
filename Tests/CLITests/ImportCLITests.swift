import Foundation
import Testing
import TestSupport
import TwinCore
import TwinStore

/// `twind import` end to end: the executable imports a file into a fresh database, twice.
@Suite(.timeLimit(.minutes(5)))
struct ImportCLITests {
    @Test func importingTwiceAddsNothingAndQuarantinesTheBadRowOnce() async throws {
        let directory = try Twind.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/twind.sqlite"
        let csv = directory + "/rig.csv"
        try """
            unit;time;s2;s3;note
            1;2025-11-25T10:00:00Z;641.82;1589.70;ok
            1;2025-11-25T10:00:01Z;642.15;"1591,82";ok
            2;2025-11-25T10:00:00Z;;1587.99;"two
            lines"
            2;2025-11-25T10:00:01Z;642.35;NA;ok

            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let arguments = ["import", "--db", database, csv, "--asset-column", "unit", "--asset-prefix", "engine-",
                         "--asset-digits", "3", "--time-column", "time", "--metrics", "s2,s3"]

        let first = try await Twind.run(arguments)
        #expect(first.status == 0)
        #expect(first.output.contains("line 3: s3 is '1591,82', not a number (invalid_number)"))
        #expect(first.output.contains("imported rig.csv: 4 rows, 4 readings inserted, 0 duplicates ignored, "
                                      + "1 row rejected (quarantined), 2 assets"))

        let second = try await Twind.run(arguments)
        #expect(second.status == 0)
        #expect(second.output.contains("4 rows, 0 readings inserted, 4 duplicates ignored, 1 row rejected "
                                       + "(quarantined; 1 already by an earlier import)"))

        let history = try await Twind.run(
            ["query", "history", "--db", database, "--asset", "engine-002", "--metric", "s3", "--format", "csv"])
        #expect(history.output.split(separator: "\n").dropFirst() == ["2025-11-25T10:00:00.000Z,1764064800000,1587.99"])
        let reader = try TwinStoreReader(path: database)
        #expect(try reader.counts().readings == 4)
        let quarantined = try reader.quarantine(limit: 10)
        #expect(quarantined.count == 1)
        #expect(quarantined.first?.topic == "import:rig.csv:3")
        #expect(quarantined.first?.reason == "invalid_number")
        #expect(quarantined.first.map { String(decoding: $0.payload, as: UTF8.self) }
            == #"1;2025-11-25T10:00:01Z;642.15;"1591,82";ok"#)

        let strict = try await Twind.run(arguments + ["--strict"])
        #expect(strict.status == 1)
        #expect(strict.output.contains("line 3: s3 is '1591,82', not a number (invalid_number). --strict stops"))

        let wrongColumn = try await Twind.run(
            ["import", "--db", database, csv, "--asset-column", "engine"])
        #expect(wrongColumn.status != 0)
        #expect(wrongColumn.output.contains("no column 'engine'; the columns are unit, time, s2, s3, note"))
    }

    @Test func cmapssStyleFileWithCyclesAndFailureAtEnd() async throws {
        let directory = try Twind.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/twind.sqlite"
        let file = directory + "/train.txt"
        try """
            1 1 -0.0007 -0.0004 100.0 518.67 641.82  
            1 2 0.0019 -0.0003 100.0 518.67 642.15  
            2 1 -0.0043 0.0003 100.0 518.67 642.35  

            """.write(toFile: file, atomically: true, encoding: .utf8)
        let arguments = ["import", "--db", database, file, "--no-header",
                         "--columns", "unit,cycle,setting1..setting3,s1..s2", "--asset-column", "unit",
                         "--asset-prefix", "engine-", "--asset-digits", "3", "--time-column", "cycle",
                         "--time-unit", "s", "--start-time", "2026-01-01T00:00:00Z", "--failure-at-end"]
        let first = try await Twind.run(arguments)
        #expect(first.status == 0)
        #expect(first.output.contains("3 rows, 15 readings inserted"))
        #expect(first.output.contains("2 failure events recorded"))
        #expect(try await Twind.run(arguments).output.contains("15 duplicates ignored"))
        let reader = try TwinStoreReader(path: database)
        #expect(try reader.latest(asset: "engine-001").first { $0.metric == "s2" }
            == Reading(asset: "engine-001", metric: "s2", timestamp: 1_767_225_602_000, value: 642.15))
        let failures = try reader.maintenance(asset: nil, limit: nil)
        #expect(failures.map(\.asset).sorted() == ["engine-001", "engine-002"])
        #expect(failures.first { $0.asset == "engine-001" }?.timestamp == 1_767_225_602_000)
    }
}
