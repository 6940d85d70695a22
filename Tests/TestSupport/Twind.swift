import Foundation

/// The `twind` executable built beside the test bundle (scripts/test builds both), and running it as a command.
public enum Twind {
    public static var executable: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundleDirectory.appendingPathComponent("twind").path]
        // The test bundle may sit deeper (e.g. .../debug/twindPackageTests.xctest/...).
        candidates.append(bundleDirectory.deletingLastPathComponent().appendingPathComponent("twind").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Runs `twind ARGUMENTS` to its end (at most a minute); its exit status and what it printed (both streams).
    public static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let log = try temporaryDirectory() + "/out"
        let process = try ChildProcess.spawn(executable, arguments: arguments, outputPath: log)
        try await waitUntil(timeout: .seconds(60)) { !process.isRunning }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: log).deletingLastPathComponent().path)
        return (((process.exitStatus ?? -1) >> 8) & 0xFF, output)
    }

    public static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("twind-q-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
