import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL (Debian's `postgresql` package) in a temporary directory on a free loopback port: `initdb`,
/// then `pg_ctl start`. PostgreSQL refuses to run as root, so as root the server runs as the package's `postgres`
/// user (through `runuser`). Loopback TCP asks for a password (scram-sha-256); the user is `twind`, the password
/// ``password``, the database ``database``.
public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    public let directory: String
    public let password = "fleet-secret"
    public let database = "fleet"
    public let user = "twind"
    public var url: String { "postgres://\(user)@127.0.0.1:\(port)/\(database)?sslmode=disable" }
    /// A file holding ``password``, for `forward.password_file`.
    public var passwordFile: String { directory + "/password" }
    var dataDirectory: String { directory + "/data" }
    var logPath: String { directory + "/postgres.log" }
    private let binaries: String
    /// Server options for TLS, when started with certificates.
    private var tlsOptions = ""

    private init(port: Int, directory: String, binaries: String) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
    }

    deinit {
        try? stop()
    }

    /// The directory of `initdb` and `pg_ctl` (the newest installed version).
    public static func binaryDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard let newest = versions.compactMap(Int.init).max(),
              FileManager.default.isExecutableFile(atPath: "\(root)/\(newest)/bin/initdb") else {
            throw BrokerError("PostgreSQL is not installed (no \(root)/*/bin/initdb): run scripts/setup")
        }
        return "\(root)/\(newest)/bin"
    }

    /// Creates the cluster and the `fleet` database, and starts the server; with `tls`, it also accepts TLS,
    /// presenting `tls.serverCertFile` (valid for 127.0.0.1, signed by `tls.caFile`).
    public static func start(tls: TestCertificates? = nil) throws -> PostgresServer {
        let binaries = try binaryDirectory()
        var template = Array((NSTemporaryDirectory() + "/twind-postgres-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw BrokerError("cannot create a temporary directory") }
        let directory = String(cString: made)
        let server = PostgresServer(port: freeLoopbackPort(), directory: directory, binaries: binaries)
        try server.password.write(toFile: server.passwordFile, atomically: true, encoding: .utf8)
        try "\(server.password)\n".write(toFile: directory + "/pwfile", atomically: true, encoding: .utf8)
        if let tls {
            // PostgreSQL wants its key readable by its own user only.
            try FileManager.default.copyItem(atPath: tls.serverCertFile, toPath: directory + "/server.crt")
            try FileManager.default.copyItem(atPath: tls.serverKeyFile, toPath: directory + "/server.key")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory + "/server.key")
            server.tlsOptions = " -c ssl=on -c ssl_cert_file=\(directory)/server.crt -c ssl_key_file=\(directory)/server.key"
        }
        if geteuid() == 0 { try server.tool("/bin/chown", ["-R", "postgres:postgres", directory], asServer: false) }
        try server.tool(binaries + "/initdb", [
            "-D", server.dataDirectory, "-U", server.user, "--pwfile", directory + "/pwfile",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C",
        ])
        try server.launch()
        try server.psql("CREATE DATABASE \(server.database)", database: "postgres")
        return server
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    public func launch() throws {
        try tool(binaries + "/pg_ctl", [
            "-D", dataDirectory, "-l", logPath, "-w", "-t", "30", "start", "-o",
            "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                + "-c full_page_writes=off" + tlsOptions,
        ])
    }

    /// `pg_ctl stop -m fast`: connections are cut, as in an outage.
    public func stop() throws {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") else { return }
        try tool(binaries + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
    }

    /// Runs SQL with psql over the Unix socket; returns its output, unaligned, tuples only (`a|b` per row).
    @discardableResult
    public func psql(_ sql: String, database: String? = nil) throws -> String {
        try tool("/usr/bin/psql", ["-X", "-v", "ON_ERROR_STOP=1", "-h", directory, "-p", "\(port)", "-U", user,
                                   "-d", database ?? self.database, "-At", "-c", sql])
    }

    /// The server's log, for failure messages.
    public func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "(no log)"
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Runs a PostgreSQL tool to its end, as the `postgres` user when root. Through posix_spawn and waitpid, not
    /// Foundation's `Process`: `pg_ctl start` leaves the server running with descriptors inherited from it, and
    /// `Process.waitUntilExit` then waits for the server too.
    @discardableResult
    private func tool(_ executable: String, _ arguments: [String], asServer: Bool = true) throws -> String {
        let asPostgres = asServer && geteuid() == 0
        let output = directory + "-tool-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = try ChildProcess.spawn(asPostgres ? "/usr/sbin/runuser" : executable,
                                             arguments: asPostgres ? ["-u", "postgres", "--", executable] + arguments
                                                 : arguments,
                                             outputPath: output)
        try waitUntil(timeout: .seconds(60)) { !process.isRunning }
        let status = ((process.exitStatus ?? -1) >> 8) & 0xFF
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw BrokerError("\((executable as NSString).lastPathComponent) \(arguments.prefix(3).joined(separator: " ")) "
                              + "failed (\(status)): \(text)\n\(logTail(lines: 10))")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
