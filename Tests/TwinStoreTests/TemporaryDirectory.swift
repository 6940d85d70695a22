import Foundation
import GRDB
import TwinCore

@testable import TwinStore

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("twinstore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var databasePath: String { path + "/twin.db" }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body` with a store on a new database file, then closes it and removes the file.
func withStore<T>(
    _ configuration: StoreConfiguration = .init(),
    _ body: (TwinStore, TemporaryDirectory) throws -> T
) throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store = try TwinStore(path: directory.databasePath, configuration: configuration)
    defer { try? store.close() }
    return try body(store, directory)
}

extension TwinStore {
    /// Rows of `sql` on the writer's connection, for inspecting tables and views.
    func rows(_ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
        try database.read { try Row.fetchAll($0, sql: sql, arguments: arguments) }
    }

    func count(_ table: String) throws -> Int {
        try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? 0 }
    }

    /// The `readings` view as readings, in (asset, metric, ts) order.
    func allReadings() throws -> [Reading] {
        try rows("SELECT asset, metric, ts, value FROM readings ORDER BY asset, metric, ts").map {
            Reading(asset: $0[0], metric: $0[1], timestamp: $0[2], value: $0[3])
        }
    }
}

func reading(_ asset: String, _ metric: String, _ timestamp: Int64, _ value: Double) -> Reading {
    Reading(asset: asset, metric: metric, timestamp: timestamp, value: value)
}
