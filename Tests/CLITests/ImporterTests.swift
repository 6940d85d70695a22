import Foundation
import Testing
import TestSupport
import TwinCore
import TwinDaemon
import TwinStore

/// The ``Importer`` on a real store, for the cases the CLI test does not reach.
@Suite(.timeLimit(.minutes(5)))
struct ImporterTests {
    static func run(_ text: String, _ options: ImportOptions, database: String) throws -> ImportSummary {
        let file = database + "-\(UUID().uuidString).in"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let descriptor = open(file, O_RDONLY)
        defer { close(descriptor) }
        let store = try TwinStore(path: database)
        defer { try? store.close() }
        return try Importer(store: store, options: options).run(LineReader(descriptor: descriptor, chunkBytes: 16))
    }

    @Test func aStrayQuoteSwallowsAtMostAHundredLinesAndABOMIsSkipped() throws {
        let directory = try Twind.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var text = "\u{FEFF}asset,ts,temp\np1,1764064800,\"1\n"
        for second in 1...150 { text += "p1,\(1_764_064_800 + second),\(second)\n" }
        var options = ImportOptions()
        options.source = "stray.csv"
        let summary = try Self.run(text, options, database: directory + "/twind.sqlite")
        #expect(summary.rejected == 1)
        #expect(summary.rows == 51)   // lines 2-102 as one bad row, then 50 good ones
        #expect(summary.inserted == 50)
        let quarantined = try TwinStoreReader(path: directory + "/twind.sqlite").quarantine(limit: 10)
        #expect(quarantined.map(\.reason) == ["unterminated_quote"])
        #expect(quarantined.first?.topic == "import:stray.csv:2")
    }

    @Test func jsonlWithAFixedAssetAndMetricFilter() throws {
        let directory = try Twind.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = ImportOptions()
        options.format = .jsonl
        options.mapping.asset = "pump-9"
        options.mapping.metrics = ["temp"]
        let summary = try Self.run("""
            {"ts": 1764064800000, "temp": 70, "rpm": 1}
            {"ts": "2025-11-25T10:00:01Z", "temp": 71}

            not json
            """, options, database: directory + "/twind.sqlite")
        #expect(summary.rows == 3)
        #expect(summary.inserted == 2)
        #expect(summary.rejected == 1)
        #expect(try TwinStoreReader(path: directory + "/twind.sqlite").latest(asset: "pump-9")
            == [Reading(asset: "pump-9", metric: "temp", timestamp: 1_764_064_801_000, value: 71)])
    }
}
