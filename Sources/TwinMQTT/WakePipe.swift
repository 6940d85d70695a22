#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A self-pipe that lets `stop()` interrupt the loop thread's `poll(2)` from any thread.
///
/// If the pipe cannot be created the loop still stops, only later: its polls time out within a second.
final class WakePipe: Sendable {
    /// The end the loop thread polls; -1 when there is no pipe (poll ignores negative descriptors).
    let readFD: Int32
    private let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        let rc = pipe(&fds)
        if rc == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        (readFD, writeFD) = rc == 0 ? (fds[0], fds[1]) : (-1, -1)
    }

    deinit {
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
    }

    /// Makes the read end readable; never blocks.
    func wake() {
        guard writeFD >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Empties the pipe so the next poll waits again.
    func drain() {
        guard readFD >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, buffer.count) > 0 {}
    }

    /// Waits up to `millis` or until woken. Returns `true` if woken.
    @discardableResult
    func wait(millis: Int) -> Bool {
        var fds = [pollfd(fd: readFD, events: Int16(POLLIN), revents: 0)]
        let n = poll(&fds, 1, Int32(clamping: millis))
        return n > 0
    }
}

/// Exponential reconnect delays with jitter, from `min` doubling up to `max`.
struct Backoff {
    let min: Int
    let max: Int
    private var ceiling: Int

    init(minMillis: Int, maxMillis: Int) {
        min = minMillis
        max = Swift.max(minMillis, maxMillis)
        ceiling = minMillis
    }

    /// The next delay: uniformly between half the current ceiling (at least `min`) and the ceiling.
    mutating func next() -> Int {
        let upper = ceiling
        ceiling = Swift.min(max, ceiling * 2)
        return Int.random(in: Swift.max(min, upper / 2)...upper)
    }

    /// Back to `min` after a successful connection.
    mutating func reset() {
        ceiling = min
    }
}
