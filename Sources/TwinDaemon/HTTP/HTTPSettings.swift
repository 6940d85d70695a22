/// The optional HTTP API: off unless `http.listen` is set.
public struct HTTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// File holding the bearer token that every request but `GET /healthz` must present.
    public var tokenFile: String?
    /// Listening on a non-loopback address without a token must be asked for explicitly.
    public var allowRemoteWithoutToken = false

    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Parses `HOST:PORT` (`[::1]:8088` for IPv6); nil when it is not of that form.
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            return nil
        }
        return (host, port)
    }
}
