import Foundation

/// What `twin_snapshots.state` holds: the twin and what its rules remember (hysteresis side, for-timers, EWMA,
/// trend windows, usage counters), so a restart resumes both.
///
/// Written in `CompactCoding`'s binary form (magic `TWB`, a version byte), about a third of the JSON's size and
/// several times cheaper to encode; `twind query twin` decodes it back to JSON. Snapshots written by older twinds
/// are JSON, the document or the twin alone, and still restore.
public struct SnapshotDocument: Codable, Sendable {
    public var twin: Twin
    public var rules: RuleState?

    public init(twin: Twin, rules: RuleState?) {
        self.twin = twin
        self.rules = rules
    }

    public func encoded() throws -> [UInt8] {
        try CompactCoding.encode(self)
    }

    /// The document in `bytes`: compact, or JSON as older twinds wrote it. Throws on anything else.
    public static func decode(_ bytes: [UInt8]) throws -> SnapshotDocument {
        if CompactCoding.isCompact(bytes) { return try CompactCoding.decode(SnapshotDocument.self, from: bytes) }
        let decoder = JSONDecoder()
        do {
            return try decoder.decode(SnapshotDocument.self, from: Data(bytes))
        } catch {
            // Snapshots written before rule state was kept hold the twin alone.
            guard let twin = try? decoder.decode(Twin.self, from: Data(bytes)) else { throw error }
            return SnapshotDocument(twin: twin, rules: nil)
        }
    }
}
