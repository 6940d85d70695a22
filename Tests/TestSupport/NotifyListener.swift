import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plays systemd's side of the notification protocol: a bound `AF_UNIX` datagram socket whose name goes into a
/// child's `NOTIFY_SOCKET`, and the messages received on it, in order.
public final class NotifyListener: Sendable {
    /// The value for `NOTIFY_SOCKET`: a path, or `@name` for the abstract namespace.
    public let name: String
    private let fd: Int32
    private let path: String?
    private let inbox: Inbox

    /// Binds a socket in a new temporary directory, or in the abstract namespace.
    public init(abstract: Bool = false) throws {
        let unique = "twind-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var pathBytes: [UInt8]
        if abstract {
            name = "@" + unique
            path = nil
            pathBytes = [0] + Array(unique.utf8)
        } else {
            var template = Array((NSTemporaryDirectory() + "/twind-notify-XXXXXX").utf8CString)
            guard let directory = mkdtemp(&template) else { throw BrokerError("cannot create a temporary directory") }
            let path = String(cString: directory) + "/notify.sock"
            (name, self.path) = (path, path)
            pathBytes = Array(path.utf8) + [0]
        }
        #if canImport(Glibc)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { throw BrokerError("socket(AF_UNIX, SOCK_DGRAM) failed") }
        inbox = Inbox(fd: fd)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: pathBytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count - (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = String(cString: strerror(errno))
            inbox.done.signal()   // no drainer was started; deinit (which closes fd) must not wait for one
            throw BrokerError("cannot bind the notify socket \(name): \(error)")
        }
        let inbox = inbox
        let drainer = Thread {
            while !inbox.stop.load(ordering: .relaxed) {
                inbox.drain()
                usleep(10_000)
            }
            inbox.done.signal()
        }
        drainer.start()
    }

    deinit {
        inbox.stop.store(true, ordering: .relaxed)
        inbox.done.wait()
        close(fd)
        if let path {
            unlink(path)
            rmdir((path as NSString).deletingLastPathComponent)
        }
    }

    /// Every message received so far (one datagram each), oldest first.
    public var messages: [String] {
        inbox.drain()
        return inbox.received.withLock { $0 }
    }
}

/// The received datagrams, drained every 10 ms by a thread of their own, as systemd reads its socket: the kernel
/// queues only `net.unix.max_dgram_qlen` (often 10) datagrams, so a test busy elsewhere for a few seconds would
/// otherwise make the daemon's sends fail with EAGAIN.
private final class Inbox: Sendable {
    let fd: Int32
    let received = Mutex<[String]>([])
    let stop = Atomic<Bool>(false)
    let done = DispatchSemaphore(value: 0)

    init(fd: Int32) {
        self.fd = fd
    }

    func drain() {
        received.withLock { messages in
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                guard count > 0 else { break }
                messages.append(String(decoding: buffer[..<count], as: UTF8.self))
            }
        }
    }
}
