/// What `twind db check` reports: the integrity check, the file's pages, and the size of every table and index.
public struct DatabaseReport: Sendable {
    public struct Object: Sendable, Hashable {
        /// The table or index.
        public var name: String
        /// `table` or `index`.
        public var kind: String
        /// Rows of a table (nil for an index).
        public var rows: Int?
        /// Pages it uses and their bytes (from the `dbstat` table); nil if SQLite was built without it.
        public var pages: Int?
        public var bytes: Int?
    }

    /// `["ok"]`, or the problems `PRAGMA integrity_check` found.
    public var integrity: [String]
    public var storage: StorageStatistics
    /// Tables and indexes, largest first.
    public var objects: [Object]
    /// False if SQLite lacks the `dbstat` virtual table, so that sizes are unknown per table.
    public var hasSizes: Bool

    public var isIntact: Bool { integrity == ["ok"] }
}
