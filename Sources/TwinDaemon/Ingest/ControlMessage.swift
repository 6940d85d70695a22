import Foundation
import TwinCore
import TwinStore

/// Messages that steer twind rather than carry telemetry: `twin/<asset>/maintenance` records a maintenance event
/// (and resets usage counters), `twin/<asset>/alerts/ack` acknowledges an alert.
enum ControlMessage: Equatable {
    case maintenance(MaintenanceEvent)
    case acknowledge(alertID: Int64)

    static let subscriptions = ["twin/+/maintenance", "twin/+/alerts/ack"]

    /// nil when `topic` is no control topic; `.failure` when it is one but the payload is not understood.
    static func parse(topic: String, payload: [UInt8], receivedAt: Int64) -> Result<ControlMessage, ControlError>? {
        // Every message passes here: rule out telemetry by its last level before splitting anything.
        guard topic.hasSuffix("/maintenance") || topic.hasSuffix("/alerts/ack") else { return nil }
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard levels.count >= 3, levels[0] == "twin" else { return nil }
        let asset = String(levels[1])
        let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any]
        switch levels.dropFirst(2).joined(separator: "/") {
        case "maintenance":
            guard let object, let kindText = object["kind"] as? String,
                  let kind = MaintenanceEvent.Kind(rawValue: kindText) else {
                return .failure(ControlError("expected {\"kind\": \"failure|repair|service|reset\", "
                                             + "\"counter\": …, \"note\": …, \"ts\": …}"))
            }
            let ts = (object["ts"] as? NSNumber)?.int64Value ?? receivedAt
            return .success(.maintenance(MaintenanceEvent(asset: asset, kind: kind, counter: object["counter"] as? String,
                                                          timestamp: ts, note: object["note"] as? String)))
        case "alerts/ack":
            guard let id = (object?["id"] as? NSNumber)?.int64Value else {
                return .failure(ControlError("expected {\"id\": <alert id>}"))
            }
            return .success(.acknowledge(alertID: id))
        default:
            return nil
        }
    }
}

struct ControlError: Error, Equatable {
    let detail: String
    init(_ detail: String) { self.detail = detail }
}
