import GRDB

extension TwinStore {
    /// Makes a new, empty file use `auto_vacuum = INCREMENTAL`, so that ``reclaimFreePages(maxPages:)`` can give
    /// the pages that retention frees back to the file system.
    ///
    /// SQLite accepts the mode only before the first table exists, and only through a `VACUUM` once the file has a
    /// header (GRDB has already switched it to WAL): instant on an empty file. A file created by an older twind
    /// keeps `auto_vacuum = NONE`; its freed pages are reused by later writes, so it stops growing but does not
    /// shrink. `twind db compact` converts it (a full `VACUUM`, with the daemon stopped).
    static func enableIncrementalVacuumIfEmpty(_ database: DatabaseQueue) throws {
        try database.writeWithoutTransaction { db in
            let objects = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_schema") ?? 0
            let mode = try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0
            guard objects == 0, mode != 2 else { return }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
    }

    /// Returns up to `maxPages` free pages to the file system (`PRAGMA incremental_vacuum`), in one short write;
    /// returns the number of pages released. Does nothing (returns 0) on a file without incremental auto-vacuum.
    @discardableResult
    public func reclaimFreePages(maxPages: Int = 2_048) throws -> Int {
        try withOpenDatabase("reclaim free pages") {
            try database.writeWithoutTransaction { db in
                guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 else { return 0 }
                let before = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
                guard before > 0 else { return 0 }
                try db.execute(sql: "PRAGMA incremental_vacuum(\(max(maxPages, 1)))")
                let after = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
                return before - after
            }
        }
    }

    /// Page counts of the file, from the writer's connection.
    public func storageStatistics() throws -> StorageStatistics {
        try withOpenDatabase("read the storage statistics") {
            try database.read(StorageStatistics.init(db:))
        }
    }

    /// Rewrites the whole file with `VACUUM`, switching it to `auto_vacuum = INCREMENTAL` if it is not; needs as
    /// much free disk space as the file and blocks every writer meanwhile (run it with the daemon stopped).
    public func compact() throws {
        try withOpenDatabase("compact the database") {
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                try db.execute(sql: "VACUUM")
            }
        }
    }
}

/// The size of a database in pages; `fileBytes` is what the main file takes (without the WAL).
public struct StorageStatistics: Sendable, Hashable {
    public var pageSize: Int
    public var pageCount: Int
    public var freelistCount: Int
    /// `none`, `full` or `incremental`.
    public var autoVacuum: String

    public var fileBytes: Int { pageSize * pageCount }

    init(db: Database) throws {
        pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
        pageCount = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        freelistCount = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        let mode = try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0
        autoVacuum = ["none", "full", "incremental"][min(max(mode, 0), 2)]
    }
}
