import Logging
import ServiceLifecycle
import TwinStore

/// Deletes expired readings and rollups (`retention:`) in small transactions with pauses in between, then gives the
/// freed pages back to the file system; a pass a minute after start, then every `retention.interval`.
///
/// A commit waits at most for one transaction of `batch_rows` rows. Graceful shutdown stops a pass between two
/// transactions; the next start plans the pass anew.
struct RetentionService: Service {
    let store: TwinStore
    let settings: RetentionSettings
    let logger: Logger
    var initialDelayMillis: Int64
    var now: @Sendable () -> Int64
    private let queue = BlockingQueue(label: "retention")

    init(store: TwinStore, settings: RetentionSettings, logger: Logger, initialDelayMillis: Int64 = 60_000,
         now: @escaping @Sendable () -> Int64 = { unixMillis() }) {
        self.store = store
        self.settings = settings
        self.logger = logger
        self.initialDelayMillis = initialDelayMillis
        self.now = now
    }

    func run() async throws {
        var delay = initialDelayMillis
        while !Task.isCancelled {
            do {
                let wait = delay
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(wait)) }
            } catch {
                return
            }
            delay = settings.intervalMillis
            do {
                try await runPass()
            } catch is CancellationError {
                return
            } catch {
                logger.error("retention pass failed", metadata: ["store.error": "\(error)"])
            }
        }
    }

    /// One pass; throws `CancellationError` when stopped by a graceful shutdown between two transactions.
    func runPass() async throws {
        let start = ContinuousClock.now
        let (store, policy, rows, now) = (self.store, settings.policy, settings.maxRowsPerTransaction, now())
        var pass = try await queue.run { try store.planRetention(policy, now: now) }
        guard !pass.isFinished else {
            logger.debug("retention: nothing expired")
            return
        }
        while !pass.isFinished {
            let current = pass
            pass = try await queue.run {
                var step = current
                try store.pruneStep(&step, maxRows: rows)
                return step
            }
            try await pause()
        }
        var reclaimed = 0
        while true {
            let pages = try await queue.run { try store.reclaimFreePages() }
            guard pages > 0 else { break }
            reclaimed += pages
            try await pause()
        }
        logger.info("retention pass", metadata: [
            "retention.raw_deleted": "\(pass.deleted[.raw] ?? 0)",
            "retention.rollup_1m_deleted": "\(pass.deleted[.rollup1m] ?? 0)",
            "retention.rollup_1h_deleted": "\(pass.deleted[.rollup1h] ?? 0)",
            "retention.transactions": "\(pass.transactions)",
            "retention.pages_reclaimed": "\(reclaimed)",
            "retention.duration": "\(ContinuousClock.now - start)",
        ])
    }

    private func pause() async throws {
        if Task.isShuttingDownGracefully || Task.isCancelled { throw CancellationError() }
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(settings.pauseMillis)) }
    }
}
