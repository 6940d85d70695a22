import Foundation
import Hummingbird
import TwinCore
import TwinStore

/// One line of `GET /v1/assets`.
struct AssetSummary: ResponseEncodable {
    let asset: String
    let status: String
    let lastSeen: Int64
    let lastSeenTime: String
    let metrics: Int
    let version: Int64
}

struct AssetList: ResponseEncodable {
    let assets: [AssetSummary]
}

/// `GET /v1/assets/{asset}`: the whole live twin.
struct TwinDocument: ResponseEncodable {
    let twin: Twin
}

/// A reading, or a rollup bucket (`value` is then the average, with min, max and count).
struct HistoryPoint: Encodable {
    let ts: Int64
    let value: Double
    var min: Double? = nil
    var max: Double? = nil
    var count: Int64? = nil
}

struct HistoryDocument: ResponseEncodable {
    let asset: String
    let metric: String
    let from: Int64?
    let to: Int64?
    let step: String
    let points: [HistoryPoint]
    /// True when `limit` cut the result short.
    let truncated: Bool
}

struct AlertList: ResponseEncodable {
    let alerts: [StoredAlert]
}

extension StoredAlert: ResponseEncodable {}

struct HealthDocument: ResponseEncodable {
    let status: String
    let brokerConnected: Bool
    let lastCommitAgeSeconds: Double?
    let commitFailures: Int
    let databaseWritable: Bool
}
