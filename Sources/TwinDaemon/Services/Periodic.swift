import ServiceLifecycle
import TwinStore

/// The loop of a periodic service: waits `interval`, then runs `body` on `queue` (off the cooperative pool), again
/// at once while it returns true (work left over), until cancelled or shut down gracefully. An error is handed to
/// `failed` and the loop goes on with the next interval.
func runPeriodically(every interval: Duration, on queue: BlockingQueue,
                     _ body: @escaping @Sendable () throws -> Bool, failed: (any Error) -> Void) async {
    while !Task.isCancelled {
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } catch {
            return
        }
        var again = true
        while again, !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                again = try await queue.run(body)
            } catch {
                failed(error)
                again = false
            }
        }
    }
}
