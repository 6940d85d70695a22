import ArgumentParser
import Foundation
import TwinCore
import TwinStore

/// `twind generate-readings` (hidden; `scripts/gen-readings` runs it): fills a database with synthetic readings
/// through the same `TwinStore` commits and merges as the daemon, for benchmarks.
struct GenerateReadingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-readings",
        abstract: "Fill a database with synthetic readings (benchmarks).",
        discussion: """
            Series gen-0000/value … each get one reading per --interval, ending at --end (default: now, to the
            second), in time order across series, committed in batches of --batch and merged like the daemon does.
            With --asset-prefix pump- --first-asset 1 --metrics temp,pressure,vibration,current the series are
            those of the standard stream (`twind simulate`), so a benchmark can stream into series with history.
            """,
        shouldDisplay: false)

    @Option(name: .long, help: "The database file to create or extend.")
    var db: String
    @Option(name: .long, help: "Readings to write in total.")
    var readings: Int = 10_000_000
    @Option(name: .long, help: "Number of series (assets gen-0000… with metric `value`).")
    var series: Int = 100
    @Option(name: .long, help: "Asset name before its 4-digit number.")
    var assetPrefix = "gen-"
    @Option(name: .long, help: "Number of the first asset.")
    var firstAsset = 0
    @Option(name: .long, help: "Metrics of each asset, comma-separated; --series counts asset-metric pairs.")
    var metrics = "value"
    @Option(name: .long, help: "Milliseconds between two readings of a series.")
    var intervalMillis: Int64 = 1_000
    @Option(name: .long, help: "Unix milliseconds of the last reading (default: now).")
    var end: Int64?
    @Option(name: .long, help: "Readings per commit.")
    var batch: Int = 50_000

    func validate() throws {
        if metrics.split(separator: ",").isEmpty {
            throw ValidationError("--metrics takes metric names separated by commas, e.g. temp,pressure")
        }
        if readings < 1 || series < 1 || batch < 1 || intervalMillis < 1 {
            throw ValidationError("--readings, --series, --batch and --interval-millis take numbers of 1 or more")
        }
    }

    func run() throws {
        let store = try TwinStore(path: db)
        defer { try? store.close() }
        let steps = (readings + series - 1) / series
        let last = end ?? (Int64(Date().timeIntervalSince1970) * 1_000)
        let first = last - Int64(steps - 1) * intervalMillis
        let names = metrics.split(separator: ",").map(String.init)
        let assets = (0..<series).map { index in
            (assetPrefix + String(firstAsset + index / names.count).leftPadded(4), names[index % names.count])
        }
        let clock = ContinuousClock()
        let start = clock.now
        var pending: [Reading] = []
        pending.reserveCapacity(batch)
        var written = 0
        var generator = SplitMix64(seed: 42)  // seeded: two runs produce the same file
        outer: for step in 0..<steps {
            let ts = first + Int64(step) * intervalMillis
            for (index, (asset, metric)) in assets.enumerated() {
                if written == readings { break outer }
                let phase = Double(step) / 3_600 + Double(index)
                let value = (50 + 20 * sin(phase) + generator.unit() * 2).rounded(toPlaces: 3)
                pending.append(Reading(asset: asset, metric: metric, timestamp: ts, value: value))
                written += 1
                if pending.count == batch {
                    try flush(&pending, store)
                }
            }
            if step % 10_000 == 0, step > 0 {
                printError("\(written) readings, \(clock.now - start)")
            }
        }
        try flush(&pending, store)
        try store.mergeRecent()
        try store.checkpoint()
        print("""
            wrote \(written) readings of \(series) series from \(first) to \(last) (every \(intervalMillis) ms) \
            into \(db) in \(clock.now - start)
            """)
    }

    private func flush(_ pending: inout [Reading], _ store: TwinStore) throws {
        guard !pending.isEmpty else { return }
        try store.commit(IngestBatch(readings: pending))
        pending.removeAll(keepingCapacity: true)
        try store.mergeRecentIfNeeded()
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
