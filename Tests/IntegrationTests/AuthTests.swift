import Foundation
import Testing
import TestSupport
import TwinMQTT

/// The daemon against a mosquitto that requires a user name and password (a `mosquitto_passwd` file).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AuthTests {
    static let user = "twind-device-gw"
    /// Distinctive, so a grep of the output cannot match anything else.
    static let password = "Pw-\(UUID().uuidString.prefix(8))-never-logged"

    /// A broker with anonymous access off and one user, `user`/`password`.
    static func broker() throws -> MosquittoBroker {
        var template = Array((NSTemporaryDirectory() + "/twind-auth-XXXXXX").utf8CString)
        guard let directory = mkdtemp(&template) else { throw TestFailure("cannot create a temporary directory") }
        let passwordFile = String(cString: directory) + "/passwd"
        let result = try runTool("/usr/bin/mosquitto_passwd", ["-b", "-c", passwordFile, user, password])
        guard result.status == 0 else { throw TestFailure("mosquitto_passwd failed: \(result.output)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: passwordFile)
        return try MosquittoBroker.start(extraConfig: "allow_anonymous false\npassword_file \(passwordFile)")
    }

    static func publisher(_ broker: MosquittoBroker) throws -> MQTTPublisher {
        var configuration = try MQTTConfiguration(url: broker.url, clientID: "auth-pub-\(UUID().uuidString.prefix(8))",
                                                  subscriptions: [])
        configuration.cleanSession = true
        configuration.username = user
        configuration.password = password
        let publisher = try MQTTPublisher(configuration: configuration)
        try publisher.connect(timeout: .seconds(10))
        return publisher
    }

    @Test func readsThePasswordFromAFileAndNeverPrintsIt() async throws {
        let broker = try Self.broker()
        let daemon = try DaemonProcess(broker: broker, extraYAML: "")
        let passwordFile = daemon.directory.appendingPathComponent("mqtt-password").path
        try (Self.password + "\n").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try addCredentials(daemon, "username: \(Self.user)\n  password_file: \(passwordFile)")
        try daemon.start()
        defer { daemon.kill() }
        let publisher = try Self.publisher(broker)
        defer { publisher.disconnect() }
        try await Harness.waitUntilIngesting(daemon, publisher)
        #expect(try await daemon.stop() == 0)

        let check = try runTool(DaemonProcess.executable, ["check-config", daemon.configPath])
        #expect(check.status == 0, "\(check.output)")
        let output = daemon.log + check.output
        #expect(output.contains("connected"))
        #expect(!output.contains(Self.password))
    }

    @Test func readsThePasswordFromTheSystemdCredentialsDirectory() async throws {
        let broker = try Self.broker()
        let daemon = try DaemonProcess(broker: broker)
        try addCredentials(daemon, "username: \(Self.user)")
        let process = try Self.spawn(daemon, credential: Self.password)
        defer { process.signal(SIGKILL) }
        let publisher = try Self.publisher(broker)
        defer { publisher.disconnect() }
        try await Harness.waitUntilIngesting(daemon, publisher)
        try await process.stop(SIGTERM, timeout: .seconds(20))
        #expect(((process.exitStatus ?? -1) >> 8) & 0xFF == 0)
        #expect(!daemon.log.contains(Self.password))
    }

    /// The unit's `SetCredential=mqtt-password:\n` default (no /etc/twind/mqtt-password): no password at all.
    @Test func aLoneNewlineCredentialMeansNoPassword() async throws {
        let broker = try MosquittoBroker.start()
        let daemon = try DaemonProcess(broker: broker)
        let process = try Self.spawn(daemon, credential: "\n")
        defer { process.signal(SIGKILL) }
        let publisher = try Harness.publisher(broker)
        defer { publisher.disconnect() }
        try await Harness.waitUntilIngesting(daemon, publisher)
        try await process.stop(SIGTERM, timeout: .seconds(20))
    }

    @Test func aWrongPasswordIsReportedAndRetriedWithoutACrash() async throws {
        let broker = try Self.broker()
        let daemon = try DaemonProcess(broker: broker)
        let wrong = "Wrong-\(UUID().uuidString.prefix(8))"
        let passwordFile = daemon.directory.appendingPathComponent("mqtt-password").path
        try wrong.write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try addCredentials(daemon, "username: \(Self.user)\n  password_file: \(passwordFile)")
        try daemon.start()
        defer { daemon.kill() }
        try await waitUntil(timeout: .seconds(30)) {
            daemon.log.components(separatedBy: "backing off before reconnecting").count > 3
        }
        let log = daemon.log
        #expect(log.contains("the broker refused the connection"))
        #expect(log.contains("not authorised") || log.contains("Not authorized"), "\(log.suffix(2_000))")
        #expect(!log.contains(wrong))
        #expect(daemon.isRunning)
        #expect(try await daemon.stop() == 0)
    }

    /// Adds lines under `mqtt:` of the daemon's config (indented two spaces).
    private func addCredentials(_ daemon: DaemonProcess, _ lines: String) throws {
        let yaml = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        try yaml.replacingOccurrences(of: "mqtt:\n", with: "mqtt:\n  \(lines)\n")
            .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
    }

    /// Starts the daemon as systemd would with `LoadCredential=mqtt-password`: the file in `$CREDENTIALS_DIRECTORY`.
    static func spawn(_ daemon: DaemonProcess, credential: String) throws -> ChildProcess {
        let credentials = daemon.directory.appendingPathComponent("credentials")
        try FileManager.default.createDirectory(at: credentials, withIntermediateDirectories: true)
        try credential.write(toFile: credentials.appendingPathComponent("mqtt-password").path, atomically: true,
                             encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["CREDENTIALS_DIRECTORY"] = credentials.path
        return try ChildProcess.spawn(DaemonProcess.executable, arguments: ["run", "--config", daemon.configPath],
                                      outputPath: daemon.logPath, environment: environment)
    }
}
