import ArgumentParser
import Foundation
import TwinMQTT

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish recorded messages (one per line: TOPIC, a tab, PAYLOAD) at QoS 1.",
        discussion: """
            Replays a capture or a prepared data set through the broker, the way devices would send it; returns \
            once the broker has acknowledged every message.

            Example:
              printf 'twin/pump-1/telemetry\\t{"temp":71.5}\\n' | twind publish --broker mqtt://127.0.0.1:1883 -
            """)

    @Option(name: .long, help: "The broker, e.g. mqtt://127.0.0.1:1883.")
    var broker: String
    @Argument(help: "The file of TOPIC<tab>PAYLOAD lines, or - for standard input.")
    var file: String
    @Option(name: .long, help: "Messages per second at most (0: as fast as the broker takes them).")
    var rate: Double = 0

    func validate() throws {
        guard file == "-" || FileManager.default.isReadableFile(atPath: file) else {
            throw ValidationError("cannot read \(file): give a file of TOPIC<tab>PAYLOAD lines, or - for stdin")
        }
        guard rate >= 0 else { throw ValidationError("--rate takes messages per second, e.g. --rate 1000 (0: no limit)") }
    }

    func run() throws {
        guard let input = file == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: file) else {
            printError("cannot read \(file)")
            throw ExitCode(66)
        }
        var configuration = try MQTTConfiguration(url: broker, clientID: "twind-publish-\(getpid())", subscriptions: [])
        configuration.cleanSession = true
        let publisher = try MQTTPublisher(configuration: configuration)
        try publisher.connect(timeout: .seconds(10))
        defer { publisher.disconnect() }
        let started = ContinuousClock.now
        var sent = 0, skipped = 0, lineNumber = 0
        var pending: [UInt8] = []
        func publishLine(_ line: ArraySlice<UInt8>) throws {
            lineNumber += 1
            guard !line.isEmpty else { return }
            guard let tab = line.firstIndex(of: 9) else {
                skipped += 1
                if skipped <= 5 { printError("line \(lineNumber): no tab between topic and payload; skipped") }
                return
            }
            let topic = String(decoding: line[line.startIndex..<tab], as: UTF8.self)
            try publisher.publish(topic: topic, payload: Array(line[(tab + 1)...]))
            sent += 1
            if rate > 0 {
                let due = started + .seconds(Double(sent) / rate)
                let now = ContinuousClock.now
                if due > now { Thread.sleep(forTimeInterval: (due - now) / .seconds(1)) }
            }
        }
        while true {
            let chunk = input.readData(ofLength: 1 << 16)
            if chunk.isEmpty { break }
            pending += chunk
            var start = 0
            while let newline = pending[start...].firstIndex(of: 10) {
                try publishLine(pending[start..<newline])
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try publishLine(pending[...]) }
        try publisher.waitForAllAcks(timeout: .seconds(60))
        let seconds = max((ContinuousClock.now - started) / .seconds(1), 1e-6)
        printError("published \(sent) messages in \(String(format: "%.2f", seconds)) s"
                   + (skipped > 0 ? ", skipped \(skipped) lines without a tab" : ""))
        if skipped > 0 { throw ExitCode(65) }
    }
}
