import GRDB
import TwinCore

extension TwinStoreReader {
    /// Every reading of `asset` (all metrics) between `from` and `to`, oldest first, streamed.
    public func readings(asset: String, from: Int64?, to: Int64?, _ body: (Reading) throws -> Void) throws {
        try replayHistory(assetGlob: nil, assets: [asset], from: from, to: to) { readings in
            for reading in readings { try body(reading) }
        }
    }

    /// The history of every asset matching `assetGlob`, one asset at a time (sorted by asset), each as its readings
    /// in time order (metric order within one instant): what a replay feeds through the rules.
    ///
    /// One pass over the small time-ordered recent table, then an index range scan of the series-ordered table per
    /// series: the `readings` view would scan the recent table once per asset.
    public func replayHistory(assetGlob: String, from: Int64?, to: Int64?,
                              _ body: ([Reading]) throws -> Void) throws {
        try replayHistory(assetGlob: assetGlob, assets: nil, from: from, to: to, body)
    }

    private func replayHistory(assetGlob: String?, assets: [String]?, from: Int64?, to: Int64?,
                               _ body: ([Reading]) throws -> Void) throws {
        let low = from ?? .min, high = to ?? .max
        var bodyError: (any Error)?
        try read("read the history for a replay") { db in
            var series: [Int64: (asset: String, metric: String)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, asset, metric FROM series")
            let pattern = assetGlob.map(AssetGlob.init)
            let wanted = assets.map(Set.init)
            while let row = try rows.next() {
                let asset: String = row[1]
                if let pattern, !pattern.matches(asset) { continue }
                if let wanted, !wanted.contains(asset) { continue }
                series[row[0]] = (asset, row[2])
            }
            var recent: [Int64: [(Int64, Double)]] = [:]
            let recentRows = try Row.fetchCursor(db, sql: """
                SELECT series_id, ts, value FROM readings_recent WHERE ts BETWEEN ? AND ?
                """, arguments: [low, high])
            while let row = try recentRows.next() {
                let id: Int64 = row[0]
                if series[id] != nil { recent[id, default: []].append((row[1], row[2])) }
            }
            let byAsset = Dictionary(grouping: series.keys) { series[$0]!.asset }
            let main = try db.makeStatement(sql: """
                SELECT ts, value FROM readings_main WHERE series_id = ? AND ts BETWEEN ? AND ? ORDER BY ts
                """)
            for asset in byAsset.keys.sorted() {
                var readings: [Reading] = []
                for id in byAsset[asset]! {
                    try Self.append(asset, series[id]!.metric, try Row.fetchCursor(main, arguments: [id, low, high]),
                                    recent[id] ?? [], to: &readings)
                }
                readings.sort { ($0.timestamp, $0.metric) < ($1.timestamp, $1.metric) }
                do {
                    try body(readings)
                } catch {
                    bodyError = error
                    return
                }
            }
        }
        if let bodyError { throw bodyError }
    }

    /// The readings stored after a point per series: for each asset of `after`, the readings of each of its series
    /// newer than that series' time there (every reading of a series not named), in time order (metric order within
    /// one instant). What a restart replays on top of the twins' snapshots.
    public func readings(after: [String: [String: Int64]], _ body: (String, [Reading]) throws -> Void) throws {
        guard !after.isEmpty else { return }
        var bodyError: (any Error)?
        try read("read the readings after the snapshots") { db in
            var series: [Int64: (asset: String, metric: String, after: Int64)] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT id, asset, metric FROM series")
            while let row = try rows.next() {
                let asset: String = row[1]
                guard let cutoffs = after[asset] else { continue }
                let metric: String = row[2]
                series[row[0]] = (asset, metric, cutoffs[metric] ?? .min)
            }
            let lowest = series.values.map(\.after).min() ?? .max
            var recent: [Int64: [(Int64, Double)]] = [:]
            let recentRows = try Row.fetchCursor(db, sql: "SELECT series_id, ts, value FROM readings_recent WHERE ts > ?",
                                                 arguments: [lowest])
            while let row = try recentRows.next() {
                let id: Int64 = row[0], ts: Int64 = row[1]
                if let s = series[id], ts > s.after { recent[id, default: []].append((ts, row[2])) }
            }
            let byAsset = Dictionary(grouping: series.keys) { series[$0]!.asset }
            let main = try db.makeStatement(sql: """
                SELECT ts, value FROM readings_main WHERE series_id = ? AND ts > ? ORDER BY ts
                """)
            for asset in byAsset.keys.sorted() {
                var readings: [Reading] = []
                for id in byAsset[asset]! {
                    let (_, metric, cutoff) = series[id]!
                    try Self.append(asset, metric, try Row.fetchCursor(main, arguments: [id, cutoff]), recent[id] ?? [],
                                    to: &readings)
                }
                guard !readings.isEmpty else { continue }
                readings.sort { ($0.timestamp, $0.metric) < ($1.timestamp, $1.metric) }
                do {
                    try body(asset, readings)
                } catch {
                    bodyError = error
                    return
                }
            }
        }
        if let bodyError { throw bodyError }
    }

    /// One series' readings: the merged rows of `cursor` (`ts, value`), then the recent ones not merged yet (a
    /// recent row whose twin was already merged is a redelivery: the merged one counts).
    private static func append(_ asset: String, _ metric: String, _ cursor: RowCursor, _ recent: [(Int64, Double)],
                               to readings: inout [Reading]) throws {
        var stored = Set<Int64>()
        while let row = try cursor.next() {
            let ts: Int64 = row[0]
            stored.insert(ts)
            readings.append(Reading(asset: asset, metric: metric, timestamp: ts, value: row[1]))
        }
        for (ts, value) in recent where !stored.contains(ts) {
            readings.append(Reading(asset: asset, metric: metric, timestamp: ts, value: value))
        }
    }
}
