/// How long each kind of data is kept: raw readings, 1-minute and 1-hour rollups, with per-asset overrides.
public struct RetentionPolicy: Sendable, Hashable {
    /// An age in milliseconds, or forever.
    public enum Age: Sendable, Hashable {
        case forever
        case millis(Int64)

        public static func days(_ days: Int64) -> Age { .millis(days * 86_400_000) }

        /// The oldest time kept at `now`; nil for forever.
        func cutoff(now: Int64) -> Int64? {
            switch self {
            case .forever: nil
            case .millis(let age): now - age
            }
        }
    }

    /// Ages for the assets whose id matches `assetGlob` (an SQLite GLOB pattern: `*`, `?`, `[…]`,
    /// case-sensitive); an age left nil falls back to the policy's own.
    public struct AssetOverride: Sendable, Hashable {
        public var assetGlob: String
        public var raw: Age?
        public var rollup1m: Age?
        public var rollup1h: Age?

        public init(assetGlob: String, raw: Age? = nil, rollup1m: Age? = nil, rollup1h: Age? = nil) {
            self.assetGlob = assetGlob
            self.raw = raw
            self.rollup1m = rollup1m
            self.rollup1h = rollup1h
        }
    }

    public var raw: Age
    public var rollup1m: Age
    public var rollup1h: Age
    /// The first override whose glob matches an asset applies to it.
    public var overrides: [AssetOverride]

    /// The defaults: raw readings 30 days, 1-minute rollups a year, 1-hour rollups forever.
    public init(raw: Age = .days(30), rollup1m: Age = .days(365), rollup1h: Age = .forever,
                overrides: [AssetOverride] = []) {
        self.raw = raw
        self.rollup1m = rollup1m
        self.rollup1h = rollup1h
        self.overrides = overrides
    }

    func age(_ tier: RetentionTier, override: AssetOverride?) -> Age {
        switch tier {
        case .raw: override?.raw ?? raw
        case .rollup1m: override?.rollup1m ?? rollup1m
        case .rollup1h: override?.rollup1h ?? rollup1h
        }
    }
}

/// The three kinds of data retention deletes, each from its own table.
public enum RetentionTier: String, Sendable, Hashable, CaseIterable {
    case raw
    case rollup1m = "rollup_1m"
    case rollup1h = "rollup_1h"

    var table: String {
        switch self {
        case .raw: "readings_main"
        case .rollup1m: RollupWidth.minute.table
        case .rollup1h: RollupWidth.hour.table
        }
    }

    var timeColumn: String { self == .raw ? "ts" : "bucket" }
}
