import Foundation
import TwinCore

/// What `twin_snapshots.state` holds: the twin and what its rules remember (hysteresis side, for-timers, EWMA,
/// trend windows, usage counters), so a restart resumes both.
struct SnapshotDocument: Codable {
    var twin: Twin
    var rules: RuleState?

    static func decode(_ bytes: [UInt8]) -> SnapshotDocument? {
        let decoder = JSONDecoder()
        if let document = try? decoder.decode(SnapshotDocument.self, from: Data(bytes)) { return document }
        // Snapshots written before rule state was kept hold the twin alone.
        return (try? decoder.decode(Twin.self, from: Data(bytes))).map { SnapshotDocument(twin: $0, rules: nil) }
    }
}
