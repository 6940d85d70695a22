import GRDB

/// Folds readings into 1-minute and 1-hour cells in memory, then adds them to the rollup tables.
///
/// Any order of readings works; runs of one series in time order (a merge's order) touch the dictionary once per
/// bucket. The tables may receive a bucket in parts: their upsert combines the part with what they hold.
struct RollupAccumulator {
    private var lanes = RollupWidth.allCases.map(Lane.init(width:))
    /// Readings added since the last ``write(_:)``.
    private(set) var readings = 0

    mutating func add(seriesID: Int64, timestamp: Int64, value: Double) {
        readings += 1
        for index in lanes.indices {
            lanes[index].add(seriesID: seriesID, timestamp: timestamp, value: value)
        }
    }

    /// Cells held in memory; callers folding a large table write in parts to bound it.
    var cellCount: Int { lanes.reduce(0) { $0 + $1.cells.count } }

    /// Adds every cell to its rollup table, in key order, and empties the accumulator.
    mutating func write(_ db: Database) throws {
        for index in lanes.indices {
            try lanes[index].write(db)
        }
        readings = 0
    }
}

private struct Key: Hashable {
    var seriesID: Int64
    var bucket: Int64
}

/// The cells of one width.
private struct Lane {
    let width: RollupWidth
    var cells: [Key: RollupCell] = [:]
    var run: (key: Key, cell: RollupCell)?

    init(width: RollupWidth) {
        self.width = width
    }

    mutating func add(seriesID: Int64, timestamp: Int64, value: Double) {
        let key = Key(seriesID: seriesID, bucket: width.bucket(timestamp))
        if run?.key == key {
            run!.cell.add(timestamp: timestamp, value: value)
        } else {
            settle()
            run = (key, RollupCell(timestamp: timestamp, value: value))
        }
    }

    mutating func write(_ db: Database) throws {
        settle()
        guard !cells.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: StoreSQL.upsertRollup(width))
        for key in cells.keys.sorted(by: { ($0.seriesID, $0.bucket) < ($1.seriesID, $1.bucket) }) {
            let cell = cells[key]!
            upsert.setUncheckedArguments([
                key.seriesID, key.bucket, cell.count, cell.min, cell.max, cell.sum, cell.firstTimestamp, cell.first,
                cell.lastTimestamp, cell.last,
            ])
            try upsert.execute()
        }
        cells.removeAll()
    }

    /// Moves the current run into `cells`.
    private mutating func settle() {
        guard let run else { return }
        self.run = nil
        if let index = cells.index(forKey: run.key) {
            cells.values[index].combine(run.cell)
        } else {
            cells[run.key] = run.cell
        }
    }
}
