import Foundation
import Testing
import TestSupport

/// twind under a pretend systemd: a `NOTIFY_SOCKET` the test listens on, `WATCHDOG_USEC`, `JOURNAL_STREAM`.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct SystemdNotifyTests {
    /// The release build (scripts/test builds it), else the debug one beside the tests; `TWIND_REQUIRE_RELEASE=1`
    /// makes a missing release build an error.
    static var releaseExecutable: String? {
        let debugDirectory = URL(fileURLWithPath: DaemonProcess.executable).deletingLastPathComponent()
        let candidates: [String?] = [ProcessInfo.processInfo.environment["TWIND_RELEASE_BINARY"],
                          debugDirectory.deletingLastPathComponent().appendingPathComponent("release/twind").path]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func executable() throws -> String {
        if let release = releaseExecutable { return release }
        if ProcessInfo.processInfo.environment["TWIND_REQUIRE_RELEASE"] == "1" {
            throw TestFailure("no release twind beside \(DaemonProcess.executable): run `swift build -c release`")
        }
        print("SystemdNotifyTests: no release build found; using the debug twind")
        return DaemonProcess.executable
    }

    /// Done when: READY, STATUS, WATCHDOG, RELOADING (then READY) and STOPPING in order across a start, a SIGHUP
    /// and a SIGTERM that lands mid-ingest; after a restart every message published is stored.
    @Test func notifiesSystemdAcrossStartReloadAndStopAndLosesNothing() async throws {
        let executable = try Self.executable()
        let broker = try MosquittoBroker.start()
        let daemon = try DaemonProcess(broker: broker)
        let listener = try NotifyListener()
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = listener.name
        environment["WATCHDOG_USEC"] = "4000000"
        let process = try ChildProcess.spawn(executable, arguments: ["run", "--config", daemon.configPath],
                                             outputPath: daemon.logPath, environment: environment)
        defer { process.signal(SIGKILL) }
        func waitFor(_ what: String, after index: Int = 0) async throws -> Int {
            var found: Int?
            do {
                try await waitUntil(timeout: .seconds(60)) {
                    found = listener.messages.indices.first { $0 >= index && listener.messages[$0].contains(what) }
                    return found != nil
                }
            } catch {
                throw TestFailure("no \(what) after message \(index); got \(listener.messages)\n--- log ---\n"
                                  + daemon.log.split(separator: "\n").suffix(30).joined(separator: "\n"))
            }
            return found!
        }

        let ready = try await waitFor("READY=1")
        #expect(listener.messages[ready].contains("STATUS=Connected to mqtt://127.0.0.1:\(broker.port)"))
        let publisher = try Harness.publisher(broker)
        defer { publisher.disconnect() }
        try await Harness.waitUntilIngesting(daemon, publisher)
        let status = try await waitFor("STATUS=Connected to", after: ready + 1)
        #expect(listener.messages[status].contains("readings/s"), "\(listener.messages[status])")
        let watchdog = try await waitFor("WATCHDOG=1", after: status)

        process.signal(SIGHUP)
        let reloading = try await waitFor("RELOADING=1", after: watchdog)
        #expect(listener.messages[reloading].contains("MONOTONIC_USEC="))
        _ = try await waitFor("READY=1", after: reloading + 1)
        #expect(daemon.log.contains("SIGHUP: config re-read and valid"))

        // Publish at about 2,000 messages/s for ten seconds while the daemon ingests (slower than any daemon build
        // ingests, so it cannot finish early on a busy machine); stop it as soon as part of the burst is stored, so
        // the SIGTERM lands mid-ingest and the rest waits in the broker for the restart.
        let total = 20_000
        let base = Harness.now() - 60_000
        let burst = Task { try await onThread {
            let burstPublisher = try Harness.publisher(broker)
            defer { burstPublisher.disconnect() }
            for i in 0..<total {
                if i % 20 == 0 { usleep(10_000) }
                try burstPublisher.publish(topic: "twin/sd-\(i % 10)/telemetry",
                                           payload: Array("{\"ts\":\(base + Int64(i)),\"n\":\(i)}".utf8))
            }
            try burstPublisher.waitForAllAcks(timeout: .seconds(60))
        } }
        try await waitUntil(timeout: .seconds(60)) { Harness.readingsExcludingProbes(daemon) > 0 }
        process.signal(SIGTERM)
        let stopping = try await waitFor("STOPPING=1", after: reloading)
        try await waitUntil(timeout: .seconds(30)) { !process.isRunning }
        #expect(((process.exitStatus ?? -1) >> 8) & 0xFF == 0)
        let storedAtStop = Harness.readingsExcludingProbes(daemon)
        try await burst.value
        #expect(storedAtStop > 0 && storedAtStop < total, "the stop did not land mid-ingest: \(storedAtStop)")
        #expect(ready < status && status < watchdog && watchdog < reloading && reloading < stopping)
        #expect(!listener.messages[..<stopping].contains { $0.contains("STOPPING=1") })

        let restarted = try ChildProcess.spawn(executable, arguments: ["run", "--config", daemon.configPath],
                                               outputPath: daemon.logPath)
        defer { restarted.signal(SIGKILL) }
        try await waitUntil(timeout: .seconds(120)) { Harness.readingsExcludingProbes(daemon) >= total }
        try await restarted.stop(SIGTERM, timeout: .seconds(30))
        #expect(Harness.readingsExcludingProbes(daemon) == total)
        print("SystemdNotifyTests: \(executable); stopped with \(storedAtStop) of \(total) stored; "
              + "\(listener.messages.count) notifications")
    }

    /// `@name` in `NOTIFY_SOCKET` is the abstract namespace; `WATCHDOG_PID` naming another process disables pings.
    @Test func abstractSocketNameAndWatchdogPidOfAnotherProcess() async throws {
        let broker = try MosquittoBroker.start()
        let daemon = try DaemonProcess(broker: broker)
        let listener = try NotifyListener(abstract: true)
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = listener.name
        environment["WATCHDOG_USEC"] = "400000"
        environment["WATCHDOG_PID"] = "1"
        let process = try ChildProcess.spawn(DaemonProcess.executable, arguments: ["run", "--config", daemon.configPath],
                                             outputPath: daemon.logPath, environment: environment)
        defer { process.signal(SIGKILL) }
        try await waitUntil(timeout: .seconds(30)) { listener.messages.contains { $0.contains("READY=1") } }
        try await waitUntil(timeout: .seconds(10)) { listener.messages.filter { $0.contains("STATUS=") }.count >= 3 }
        #expect(!listener.messages.contains { $0.contains("WATCHDOG=1") })
        try await process.stop(SIGTERM, timeout: .seconds(20))
        #expect(listener.messages.last?.contains("STOPPING=1") == true)
    }

    /// Under journald (`JOURNAL_STREAM` names stderr) every line starts with `<N>` and has no timestamp.
    @Test func journalStreamLinesCarryTheSyslogPriority() async throws {
        let broker = try MosquittoBroker.start()
        let daemon = try DaemonProcess(broker: broker)
        FileManager.default.createFile(atPath: daemon.logPath, contents: nil)
        var info = stat()
        #expect(stat(daemon.logPath, &info) == 0)
        var environment = ProcessInfo.processInfo.environment
        environment["JOURNAL_STREAM"] = "\(info.st_dev):\(info.st_ino)"
        let process = try ChildProcess.spawn(DaemonProcess.executable, arguments: ["run", "--config", daemon.configPath],
                                             outputPath: daemon.logPath, environment: environment)
        defer { process.signal(SIGKILL) }
        // Ingesting a probe means it is subscribed, and so has logged that.
        let publisher = try Harness.publisher(broker)
        defer { publisher.disconnect() }
        try await Harness.waitUntilIngesting(daemon, publisher)
        try await process.stop(SIGTERM, timeout: .seconds(20))
        let lines = daemon.log.split(separator: "\n")
        #expect(lines.count > 3)
        for line in lines {
            #expect(line.wholeMatch(of: /<[2-7]>(trace|debug|info|notice|warning|error|critical) twind: .*/) != nil,
                    "\(line)")
        }
        #expect(lines.contains { $0.hasPrefix("<6>info twind:") && $0.hasSuffix("] subscribed") })
    }
}
