import ArgumentParser
import Foundation
import TwinCore
import TwinMQTT
import TwinStore

struct MaintenanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance",
        abstract: "Record maintenance events (they reset usage counters such as run hours).",
        subcommands: [MaintenanceRecord.self])
}

struct MaintenanceRecord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a failure, repair, service or counter reset of an asset.",
        discussion: """
            With --broker the event goes to the running daemon over MQTT (twin/<asset>/maintenance): it is stored \
            and usage counters reset at once. With --db it is written straight into a database (for history, \
            e.g. past failures), and a running daemon's counters are not reset.

            Examples:
              twind maintenance record --broker mqtt://127.0.0.1:1883 \\
                  --asset pump-0004 --kind service --counter run-hours --note "new seal"
              twind maintenance record --db twind.sqlite --asset pump-0004 --kind failure --at 2026-11-01T08:00:00Z
            """)

    @Option(name: .long, help: "The asset id.")
    var asset: String
    @Option(name: .long, help: "failure, repair, service or reset.")
    var kind: String
    @Option(name: .long, help: "The usage counter to reset (a usage rule's counter, or its name).")
    var counter: String?
    @Option(name: .long, parsing: .unconditional, help: "When it happened (default: now).")
    var at: String?
    @Option(name: .long, help: "A free-text note.")
    var note: String?
    @Option(name: .long, help: "Send it to the daemon through this broker, e.g. mqtt://127.0.0.1:1883.")
    var broker: String?
    @Option(name: .long, help: "Or write it into this database file.")
    var db: String?

    func validate() throws {
        guard MaintenanceEvent.Kind(rawValue: kind) != nil else {
            throw ValidationError("--kind takes failure, repair, service or reset")
        }
        guard (broker == nil) != (db == nil) else {
            throw ValidationError("say where it goes: --broker mqtt://HOST:PORT (the running daemon) or --db FILE")
        }
        if let at, TimeExpression.parse(at, now: Int64(Date().timeIntervalSince1970 * 1_000)) == nil {
            throw ValidationError("--at '\(at)' is not a time: use \(TimeExpression.help)")
        }
    }

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let time = at.flatMap { TimeExpression.parse($0, now: now) } ?? now
        let event = MaintenanceEvent(asset: asset, kind: MaintenanceEvent.Kind(rawValue: kind) ?? .service,
                                     counter: counter, timestamp: time, note: note)
        if let db {
            let store = try TwinStore(path: db)
            defer { try? store.close() }
            let id = try store.recordMaintenance(event)
            print("maintenance event \(id) recorded in \(db)")
            return
        }
        var fields: [String: Any] = ["kind": kind, "ts": time]
        if let counter { fields["counter"] = counter }
        if let note { fields["note"] = note }
        let payload = try JSONSerialization.data(withJSONObject: fields, options: .sortedKeys)
        var configuration = try MQTTConfiguration(url: broker ?? "", clientID: "twind-maintenance-\(getpid())",
                                                  subscriptions: [])
        configuration.cleanSession = true
        let publisher = try MQTTPublisher(configuration: configuration)
        try publisher.connect(timeout: .seconds(10))
        defer { publisher.disconnect() }
        try publisher.publish(topic: "twin/\(asset)/maintenance", payload: Array(payload))
        try publisher.waitForAllAcks(timeout: .seconds(10))
        print("maintenance event sent to twin/\(asset)/maintenance (the broker acknowledged it)")
    }
}
