import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A PostgreSQL connection whose every query fails as soon as the connection closes, or after `timeout`.
///
/// In postgres-nio 1.33.2 a query in flight when the server drops the connection (seen here with
/// `pg_ctl stop -m fast`) may never complete, although the channel's `closeFuture` fires; a forwarder waiting on it
/// would neither reconnect nor let the daemon stop. So each query runs in a task of its own, raced against the
/// close, the timeout and the caller's cancellation; the first to finish wins. A query left behind by a close is
/// abandoned with its dead connection.
struct CentralConnection: Sendable {
    let connection: PostgresConnection
    let logger: Logger
    let timeout: Duration

    /// Runs a statement, discarding any rows.
    func execute(_ query: PostgresQuery) async throws {
        let (connection, logger) = (connection, logger)
        try await guarded { try await connection.query(query, logger: logger) ; return () }
    }

    /// The first column of the first row as an Int (nil for no row or NULL).
    func int(_ query: PostgresQuery) async throws -> Int? {
        let (connection, logger) = (connection, logger)
        return try await guarded {
            var value: Int?
            for try await row in try await connection.query(query, logger: logger).decode(Int?.self) {
                value = row
                break
            }
            return value
        }
    }

    /// `COPY table (columns) FROM STDIN` in PostgreSQL's text format: `rows` holds the lines, tab-separated,
    /// each ending in a newline.
    func copy(into table: String, columns: [String], rows: ByteBuffer) async throws {
        let (connection, logger) = (connection, logger)
        try await guarded {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                try await writer.write(rows)
            }
        }
    }

    /// Every row as a pair of Int64s.
    func pairs(_ query: PostgresQuery) async throws -> [(Int64, Int64)] {
        let (connection, logger) = (connection, logger)
        return try await guarded {
            var rows: [(Int64, Int64)] = []
            for try await row in try await connection.query(query, logger: logger).decode((Int64, Int64).self) {
                rows.append(row)
            }
            return rows
        }
    }

    /// Starts closing without waiting (after a failure the close itself may never complete). The connection is
    /// kept alive until it has closed: postgres-nio asserts that a connection is closed before it goes away.
    func close() {
        let connection = connection
        let future: EventLoopFuture<Void> = connection.close()
        future.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Closes, waiting for the close at most `timeout` (on a graceful stop).
    func closeAndWait() async {
        close()
        let closed = connection.closeFuture
        _ = try? await guarded { try await closed.get() }
    }

    private func guarded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let once = Once<T>()
        let (closeFuture, timeout) = (connection.closeFuture, timeout)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                once.set(continuation)
                let work = Task { once.finish(await Result { try await body() }) }
                let timer = Task {
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled {
                        once.finish(.failure(ForwardError.setup("no answer from PostgreSQL within \(timeout)")))
                    }
                }
                closeFuture.whenComplete { _ in
                    once.finish(.failure(ForwardError.setup("the connection to PostgreSQL closed")))
                    work.cancel()
                }
                Task {
                    _ = await work.result
                    timer.cancel()
                }
            }
        } onCancel: {
            once.finish(.failure(CancellationError()))
        }
    }
}

/// A continuation resumed by whichever finishes first; later results are dropped. A result that comes before the
/// continuation is set (a cancellation) is kept and delivered when it is.
private final class Once<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard !state.done else { return nil }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = result
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
