#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The client end of systemd's notification protocol: one datagram per message to the `AF_UNIX` socket named by
/// `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace), as `sd_notify(3)` does.
///
/// Sending never blocks (`MSG_DONTWAIT`): a message systemd has no room for is dropped, like a missed heartbeat.
final class NotifySocket: Sendable {
    private let fd: Int32
    /// The `sockaddr_un` bytes, and how many of them `sendto` is given (abstract names are not NUL-terminated).
    private let address: [UInt8]
    /// `NOTIFY_SOCKET` as given, for messages.
    let name: String

    /// Opens a datagram socket for `name`; nil if the name is not usable or no socket can be made.
    init?(name: String) {
        var path = Array(name.utf8)
        guard let first = path.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        let isAbstract = first == UInt8(ascii: "@")
        if isAbstract { path[0] = 0 }
        var socketAddress = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        // A path needs room for its terminating NUL; an abstract name is exactly its bytes.
        guard path.count < capacity || (isAbstract && path.count <= capacity) else { return nil }
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: path) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (isAbstract ? 0 : 1)
        let bytes = withUnsafeBytes(of: &socketAddress) { Array($0.prefix(length)) }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        self.fd = fd
        self.address = bytes
        self.name = name
    }

    #if canImport(Glibc)
    private static let flags = Int32(MSG_NOSIGNAL | MSG_DONTWAIT)
    #else
    private static let flags = MSG_DONTWAIT
    #endif

    deinit {
        close(fd)
    }

    /// Sends `message` (newline-separated `KEY=VALUE` assignments) as one datagram; returns the `errno` on failure.
    @discardableResult
    func send(_ message: String) -> Int32? {
        let payload = Array(message.utf8)
        let sent = address.withUnsafeBytes { addressBytes in
            payload.withUnsafeBytes { payloadBytes in
                sendto(fd, payloadBytes.baseAddress, payloadBytes.count, Self.flags,
                       addressBytes.baseAddress!.assumingMemoryBound(to: sockaddr.self),
                       socklen_t(addressBytes.count))
            }
        }
        return sent == payload.count ? nil : errno
    }
}
