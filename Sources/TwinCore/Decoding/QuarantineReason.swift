/// Why a message could not become readings. The raw value is what the `quarantine` table stores.
public enum QuarantineReason: String, Sendable, Hashable, CaseIterable, Codable {
    case invalidUTF8 = "invalid_utf8"
    case invalidJSON = "invalid_json"
    case invalidPayload = "invalid_payload"
    case noNumericField = "no_numeric_field"
    case nonFinite = "non_finite"
    case futureTimestamp = "future_timestamp"
    case tooOld = "too_old"
    case invalidTimestamp = "invalid_timestamp"
    case invalidAssetID = "invalid_asset_id"
    case oversize = "oversize"
    case noRoute = "no_route"
}
