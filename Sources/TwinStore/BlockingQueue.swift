import Dispatch
import Synchronization

/// A serial queue of its own for a service's blocking work (SQLite, waits on the ingest lock), so it never occupies
/// one of the few threads of Swift's cooperative pool: on 2 cores, two such waits there would starve every other
/// task, the watchdog's among them.
public struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: "twind.\(label)", qos: .utility)
    }

    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Enqueues `body` at once, in order with everything enqueued after it, and returns its result to await later:
    /// work that overlaps with other work (the forwarder reads the next batch while PostgreSQL takes this one).
    public func submit<T: Sendable>(_ body: @escaping @Sendable () throws -> T) -> Pending<T> {
        let pending = Pending<T>()
        queue.async { pending.resolve(Result { try body() }) }
        return pending
    }

    /// The result of ``submit(_:)``, awaited once or more.
    public final class Pending<T: Sendable>: Sendable {
        private let state = Mutex<(result: Result<T, any Error>?, waiters: [CheckedContinuation<T, any Error>])>(
            (nil, []))

        fileprivate init() {}

        fileprivate func resolve(_ result: Result<T, any Error>) {
            let waiters = state.withLock { state in
                state.result = result
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(with: result) }
        }

        public var value: T {
            get async throws {
                try await withCheckedThrowingContinuation { continuation in
                    let ready = state.withLock { state -> Result<T, any Error>? in
                        if let result = state.result { return result }
                        state.waiters.append(continuation)
                        return nil
                    }
                    if let ready { continuation.resume(with: ready) }
                }
            }
        }
    }
}
