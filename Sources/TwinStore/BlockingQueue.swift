import Dispatch

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
}
