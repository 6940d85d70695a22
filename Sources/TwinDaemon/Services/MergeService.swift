import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TwinStore

/// Runs a ``MergeWorker`` on its own thread: a merge cycle whenever `readings_recent` reaches the threshold, a
/// passive WAL checkpoint after each cycle and at least every `checkpointIntervalMillis`, so neither falls on the
/// ingest thread.
///
/// Graceful shutdown stops a cycle between two transactions (the file is consistent there) and closes the worker's
/// connection before `run()` returns.
struct MergeService: Service {
    let worker: MergeWorker
    let logger: Logger
    var pollMillis: UInt32 = 20
    /// Pause after each transaction, so the writer polling for the lock gets it before the next chunk does.
    var pauseMicros: UInt32 = 2_000
    var checkpointIntervalMillis: Int64 = 1_000
    /// The merge thread's nice value (Linux: per thread). The store's safety valve still merges on the writer when
    /// `readings_recent` grows far beyond the threshold, so a starved merge slows ingest instead of growing forever.
    static let niceness: Int32 = 10

    func run() async throws {
        let stop = StopFlag()
        defer {
            do {
                try worker.close()
            } catch {
                logger.error("could not close the merge connection", metadata: ["store.error": "\(error)"])
            }
        }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let thread = Thread { [self] in
                        lowerThreadPriority()
                        loop(until: stop)
                        continuation.resume()
                    }
                    thread.name = "twind-merge"
                    thread.start()
                }
            } onGracefulShutdown: {
                stop.request()
            }
        } onCancel: {
            stop.request()
        }
    }

    /// Merging can wait, ingest cannot: under a burst the merge takes the CPU that ingest and the broker leave.
    /// (On Linux the nice value is per thread, and `who = 0` is the calling thread.)
    private func lowerThreadPriority() {
        if setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness) != 0 {
            logger.debug("could not lower the merge thread's priority", metadata: ["errno": "\(errno)"])
        }
    }

    private func loop(until stop: StopFlag) {
        var lastCheckpoint = unixMillis()
        while !stop.isRequested {
            do {
                let report = try worker.mergeIfNeeded {
                    if stop.isRequested { throw CancellationError() }
                    usleep(pauseMicros)
                }
                if let report {
                    logger.debug("merged recent readings", metadata: [
                        "store.merge_rows": "\(report.rowsMoved)",
                        "store.merge_duplicates": "\(report.duplicatesIgnored)",
                        "store.merge_transactions": "\(report.transactions)",
                        "store.merge_longest": "\(report.longestTransaction)", "store.merge_duration": "\(report.duration)",
                    ])
                }
                if report != nil || unixMillis() - lastCheckpoint >= checkpointIntervalMillis {
                    try worker.checkpoint()
                    lastCheckpoint = unixMillis()
                }
                if report == nil { usleep(pollMillis * 1_000) }
            } catch is CancellationError {
                return
            } catch {
                logger.error("merge failed; retrying in a second", metadata: ["store.error": "\(error)"])
                for _ in 0..<50 where !stop.isRequested { usleep(20_000) }
            }
        }
    }
}

/// A stop request shared between the service and its thread.
private final class StopFlag: Sendable {
    private let requested = Atomic<Bool>(false)

    var isRequested: Bool { requested.load(ordering: .relaxed) }

    func request() { requested.store(true, ordering: .relaxed) }
}
