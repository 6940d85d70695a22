import Foundation
import TestSupport

/// A `twind run` child process with its own config and database, logging to a file.
final class DaemonProcess: @unchecked Sendable {
    let directory: URL
    let configPath: String
    let databasePath: String
    let logPath: String
    private var process: ChildProcess?

    /// The `twind` executable built beside the test bundle (scripts/test builds both).
    static var executable: String { Twind.executable }

    init(broker: MosquittoBroker, clientID: String = "twind-test-\(UInt32.random(in: 0...UInt32.max))",
         extraYAML: String = "", topics: String? = nil, mergeThreshold: Int? = nil,
         databaseDirectory: URL? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("twind-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        configPath = directory.appendingPathComponent("twind.yaml").path
        databasePath = (databaseDirectory ?? directory).appendingPathComponent("twind.sqlite").path
        logPath = directory.appendingPathComponent("twind.log").path
        var yaml = """
            mqtt:
              broker: \(broker.url)
              client_id: \(clientID)
              reconnect:
                min_delay: 50ms
                max_delay: 500ms
            database:
              path: \(databasePath)
            \(mergeThreshold.map { "  merge_threshold: \($0)" } ?? "")
            ingest:
              snapshot_interval: 500ms
              status_interval: 1s
            log:
              level: debug

            """
        if let topics { yaml += topics + "\n" }
        yaml += extraYAML
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    func start() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw TestFailure("no twind executable at \(Self.executable): build with `swift build --build-tests` first")
        }
        process = try ChildProcess.spawn(Self.executable, arguments: ["run", "--config", configPath],
                                         outputPath: logPath)
    }

    /// SIGTERM and wait for the exit; returns the exit code.
    @discardableResult
    func stop(timeout: Duration = .seconds(20)) async throws -> Int32 {
        guard let process else { return 0 }
        let status = try await process.stop(SIGTERM, timeout: timeout)
        self.process = nil
        return (status >> 8) & 0xFF
    }

    /// SIGKILL: no chance to commit, ack or close anything.
    func kill9() async throws {
        guard let process else { return }
        try await process.stop(SIGKILL, timeout: .seconds(10))
        self.process = nil
    }

    func signal(_ signal: Int32) {
        process?.signal(signal)
    }

    /// For `defer`: SIGKILL without waiting (the child is reaped when this object goes away).
    func kill() {
        process?.signal(SIGKILL)
    }

    var isRunning: Bool { process?.isRunning ?? false }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
