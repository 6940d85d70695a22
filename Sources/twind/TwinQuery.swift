import ArgumentParser
import Foundation
import TwinCore
import TwinStore

struct TwinQuery: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twin",
        abstract: "One twin as a JSON document: its last snapshot, latest values, properties and active alerts.",
        discussion: """
            `twin` is the state the daemon saved last (every ingest.snapshot_interval): rolling statistics,
            properties, status, version. `latest` comes from twin_latest and is as fresh as the last commit.

            Example:
              twind query twin pump-0001 --db twind.sqlite | jq .latest
            """)

    @Argument(help: "The asset id, e.g. pump-0001.")
    var asset: String
    @Option(name: .long, help: "The SQLite database file that `twind run` writes.")
    var db: String = "/var/lib/twind/twind.sqlite"

    func validate() throws {
        try requireDatabase(db)
    }

    func run() throws {
        guard let twin = try TwinStoreReader(path: db).twin(asset: asset) else {
            printError("No twin for asset '\(asset)' in \(db): `twind query assets` lists them.")
            throw ExitCode(1)
        }
        var out = BufferedOutput()
        out.write(Self.document(twin))
        out.flush()
    }

    /// The twin of a stored snapshot as JSON (keys sorted); `null` if there is none, or a string saying why it
    /// cannot be read (e.g. written by a newer twind).
    static func twinJSON(_ state: [UInt8]?) -> String {
        guard let state else { return "null" }
        do {
            let document = try SnapshotDocument.decode(state)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return String(decoding: try encoder.encode(document.twin), as: UTF8.self)
        } catch {
            return jsonString("unreadable snapshot: \(error)")
        }
    }

    /// The twin as JSON, one top-level member per line.
    static func document(_ twin: StoredTwin) -> String {
        var members: [(String, String)] = [("asset", jsonString(twin.asset))]
        members.append(("status", twin.status.map(jsonString) ?? "null"))
        members.append(("version", twin.version.map(String.init) ?? "null"))
        members.append(("snapshot_ts", twin.snapshotTimestamp.map(String.init) ?? "null"))
        members.append(("snapshot_time", twin.snapshotTimestamp.map { jsonString(RFC3339.string($0)) } ?? "null"))
        members.append(("latest", "{" + twin.latest.map { reading in
            jsonString(reading.metric) + ":{\"ts\":\(reading.timestamp),\"time\":"
                + jsonString(RFC3339.string(reading.timestamp)) + ",\"value\":\(Cell.number(reading.value).json)}"
        }.joined(separator: ",") + "}"))
        members.append(("properties", "{" + twin.properties.map {
            jsonString($0.key) + ":" + jsonString($0.value)
        }.joined(separator: ",") + "}"))
        members.append(("active_alerts", "[" + twin.activeAlerts.map { alert in
            "{\"id\":\(alert.id),\"rule\":\(jsonString(alert.rule)),\"severity\":\(jsonString(alert.severity.rawValue))"
                + ",\"state\":\(jsonString(alert.state.rawValue)),\"raised_at\":\(alert.raisedAt)"
                + ",\"value\":\(alert.value.map { Cell.number($0).json } ?? "null")"
                + ",\"message\":\(jsonString(alert.message))}"
        }.joined(separator: ",") + "]"))
        members.append(("twin", twinJSON(twin.state)))
        return "{\n" + members.map { "  \(jsonString($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}\n"
    }
}
