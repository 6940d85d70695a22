import Yams

extension TwinConfiguration {
    /// `http: { listen: "127.0.0.1:8088", token_file: /etc/twind/http-token, allow_remote_without_token: false }`
    mutating func readHTTP(_ node: Node?, _ r: inout ConfigReader) {
        guard let m = r.mapping(node, "http", allowed: ["listen", "token_file", "allow_remote_without_token"])
        else { return }
        guard let listen = r.string(m["listen"], "http.listen") else {
            if m["listen"] == nil { r.fail("http.listen", "missing; e.g. listen: \"127.0.0.1:8088\"", node) }
            return
        }
        guard let (host, port) = HTTPSettings.parseListen(listen) else {
            r.fail("http.listen", "expected HOST:PORT like 127.0.0.1:8088, got \"\(listen)\"", m["listen"])
            return
        }
        var settings = HTTPSettings(host: host, port: port)
        settings.tokenFile = r.string(m["token_file"], "http.token_file")
        settings.allowRemoteWithoutToken = r.bool(m["allow_remote_without_token"], "http.allow_remote_without_token",
                                                  default: false)
        if !settings.isLoopback && settings.tokenFile == nil && !settings.allowRemoteWithoutToken {
            r.fail("http.listen", "\(host) is not a loopback address: set http.token_file, or say "
                   + "allow_remote_without_token: true if anyone on the network may read and acknowledge", m["listen"])
        }
        http = settings
    }
}
