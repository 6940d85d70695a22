import GRDB

extension TwinStore {
    /// Finds the series with rows older than `policy` keeps at `now`, in every table; deletes nothing.
    ///
    /// One probe per series and table. Raw readings are pruned from `readings_main` only: readings not merged yet
    /// are dropped by the next merge if they are older than what was pruned of their series.
    public func planRetention(_ policy: RetentionPolicy, now: Int64) throws -> RetentionPass {
        try withOpenDatabase("plan retention") {
            try database.read { db in
                var overrideIndex: [Int64: Int] = [:]
                for (index, override) in policy.overrides.enumerated() {
                    let ids = try Int64.fetchAll(db, sql: "SELECT id FROM series WHERE asset GLOB ?",
                                                 arguments: [override.assetGlob])
                    for id in ids where overrideIndex[id] == nil { overrideIndex[id] = index }
                }
                let seriesIDs = try Int64.fetchAll(db, sql: "SELECT id FROM series ORDER BY id")
                var tasks: [RetentionPass.Task] = []
                for tier in RetentionTier.allCases {
                    let probe = try db.makeStatement(sql: StoreSQL.retentionBoundary(tier))
                    for id in seriesIDs {
                        let override = overrideIndex[id].map { policy.overrides[$0] }
                        guard let before = policy.age(tier, override: override).cutoff(now: now) else { continue }
                        if try Int64.fetchOne(probe, arguments: [id, before, 0]) != nil {
                            tasks.append(.init(tier: tier, seriesID: id, before: before))
                        }
                    }
                }
                return RetentionPass(tasks: tasks)
            }
        }
    }

    /// Deletes at most `maxRows` expired rows of `pass` in one short transaction; returns how many it deleted.
    ///
    /// Call it until `pass.isFinished`, pausing in between so that commits get the writer lock.
    @discardableResult
    public func pruneStep(_ pass: inout RetentionPass, maxRows: Int = 5_000) throws -> Int {
        guard !pass.isFinished else { return 0 }
        var work = pass
        let deleted = try withOpenDatabase("delete expired data") {
            var total = 0
            try database.inTransaction(.immediate) { db in
                var budget = max(maxRows, 1)
                while budget > 0, !work.isFinished {
                    let task = work.tasks[work.next]
                    if task.tier == .raw {
                        try db.cachedStatement(sql: StoreSQL.markRawPruned)
                            .execute(arguments: [task.seriesID, task.before])
                    }
                    let boundary = try Int64.fetchOne(
                        db.cachedStatement(sql: StoreSQL.retentionBoundary(task.tier)),
                        arguments: [task.seriesID, task.before, budget - 1])
                    if let boundary {
                        // At least `budget` rows left: take exactly that many, finish the series next time.
                        try db.cachedStatement(sql: StoreSQL.retentionDeleteThrough(task.tier))
                            .execute(arguments: [task.seriesID, boundary])
                    } else {
                        try db.cachedStatement(sql: StoreSQL.retentionDeleteBefore(task.tier))
                            .execute(arguments: [task.seriesID, task.before])
                        work.next += 1
                    }
                    let rows = db.changesCount
                    work.record(task.tier, rows: rows)
                    budget -= rows
                    total += rows
                    if boundary != nil { break }
                }
                return .commit
            }
            return total
        }
        work.recordTransaction()
        pass = work
        return deleted
    }

    /// A whole retention pass at once, in transactions of at most `maxRowsPerTransaction` rows, then reclaims the
    /// freed pages. The daemon's retention service runs the same steps with pauses in between.
    @discardableResult
    public func applyRetention(_ policy: RetentionPolicy, now: Int64, maxRowsPerTransaction: Int = 5_000) throws
        -> RetentionPass {
        var pass = try planRetention(policy, now: now)
        while !pass.isFinished {
            try pruneStep(&pass, maxRows: maxRowsPerTransaction)
        }
        while try reclaimFreePages() > 0 {}
        return pass
    }
}
