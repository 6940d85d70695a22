import Synchronization
import TwinStore

/// A few read-only connections to the database, each with a queue of its own: HTTP requests read through them in
/// turn instead of opening a connection per request, and their SQLite work runs off Swift's cooperative pool.
final class ReaderPool: Sendable {
    private let slots: [(reader: TwinStoreReader, queue: BlockingQueue)]
    private let next = Atomic<Int>(0)

    init(path: String, size: Int = 2) throws {
        slots = try (0..<max(1, size)).map { i in
            (try TwinStoreReader(path: path), BlockingQueue(label: "http-reader-\(i)"))
        }
    }

    /// Runs `body` on the next connection, on that connection's queue (one request at a time per connection).
    func read<T: Sendable>(_ body: @escaping @Sendable (TwinStoreReader) throws -> T) async throws -> T {
        let slot = slots[next.wrappingAdd(1, ordering: .relaxed).oldValue % slots.count]
        return try await slot.queue.run { try body(slot.reader) }
    }
}
