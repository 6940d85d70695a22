import Foundation

/// Certificates made with `openssl` for TLS tests, in a temporary directory: a CA, broker certificates signed by
/// it (valid for localhost and 127.0.0.1, expired, or for another host name), and a second, unrelated CA.
public struct TestCertificates: Sendable {
    public let directory: String
    /// The CA that signs every broker certificate here.
    public var caFile: String { directory + "/ca.crt" }
    /// A CA that signed nothing here.
    public var otherCAFile: String { directory + "/other-ca.crt" }
    /// The broker's private key, shared by all its certificates.
    public var serverKeyFile: String { directory + "/server.key" }
    /// Valid for 30 days, for `localhost` and `127.0.0.1`.
    public var serverCertFile: String { directory + "/server.crt" }
    /// For `localhost` and `127.0.0.1`, but its validity ended before it began.
    public var expiredCertFile: String { directory + "/expired.crt" }
    /// Valid, but only for `broker.invalid`.
    public var wrongHostCertFile: String { directory + "/wrong-host.crt" }

    /// Makes every file; throws with openssl's output if a step fails.
    public static func make() throws -> TestCertificates {
        var template = Array((NSTemporaryDirectory() + "/twind-certs-XXXXXX").utf8CString)
        guard let path = mkdtemp(&template) else { throw BrokerError("cannot create a temporary directory") }
        let certificates = TestCertificates(directory: String(cString: path))
        try certificates.generate()
        return certificates
    }

    /// mosquitto.conf lines for a TLS listener (after `listener`) presenting `certFile`.
    public func listenerConfig(certFile: String) -> String {
        ["cafile \(caFile)", "certfile \(certFile)", "keyfile \(serverKeyFile)", "tls_version tlsv1.2"]
            .joined(separator: "\n")
    }

    private func generate() throws {
        let d = directory
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(d)/ca.key", "-out", caFile,
                     "-days", "30", "-subj", "/CN=twind test CA"])
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(d)/other-ca.key",
                     "-out", otherCAFile, "-days", "30", "-subj", "/CN=twind unrelated CA"])
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", serverKeyFile, "-out", "\(d)/server.csr",
                     "-subj", "/CN=localhost"])
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: "\(d)/local.ext", atomically: true,
                                                                 encoding: .utf8)
        try "subjectAltName=DNS:broker.invalid\n".write(toFile: "\(d)/wrong.ext", atomically: true, encoding: .utf8)
        let sign = ["x509", "-req", "-in", "\(d)/server.csr", "-CA", caFile, "-CAkey", "\(d)/ca.key",
                    "-set_serial", "0x\(UInt32.random(in: 1...UInt32.max))"]
        try openssl(sign + ["-out", serverCertFile, "-days", "30", "-extfile", "\(d)/local.ext"])
        // -days -1: notAfter is a day before notBefore, so the certificate is already expired.
        try openssl(sign + ["-out", expiredCertFile, "-days", "-1", "-extfile", "\(d)/local.ext"])
        try openssl(sign + ["-out", wrongHostCertFile, "-days", "30", "-extfile", "\(d)/wrong.ext"])
        // mosquitto may drop to another user: make everything readable (test keys only).
        for file in try FileManager.default.contentsOfDirectory(atPath: d) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(d)/\(file)")
        }
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try runTool("/usr/bin/openssl", arguments)
        guard result.status == 0 else {
            throw BrokerError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(result.output)")
        }
    }
}

/// Runs a tool to completion; returns its exit status and its stdout and stderr together.
public func runTool(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws
    -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    // Output goes to a file, not a pipe: a daemon another test spawns at the same moment inherits the pipe's write
    // end, and reading to the end of the pipe would then wait for that daemon to exit.
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("twind-tool-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try? handle.close()
    return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
}
