import Foundation
import TwinMQTT
import TwinStore

/// The JSON that announces an alert change on MQTT (`twin/<asset>/alerts` by default).
struct AlertPublication: Encodable {
    let id: Int64
    let asset: String
    let rule: String
    let severity: String
    let state: String
    let event: String
    let raisedAt: Int64
    let clearedAt: Int64?
    let ackedAt: Int64?
    let value: Double?
    let message: String

    init(_ alert: StoredAlert, event: String) {
        id = alert.id
        asset = alert.asset
        rule = alert.rule
        severity = alert.severity.rawValue
        state = alert.state.rawValue
        self.event = event
        raisedAt = alert.raisedAt
        clearedAt = alert.clearedAt
        ackedAt = alert.ackedAt
        value = alert.value.flatMap { $0.isFinite ? $0 : nil }
        message = alert.message
    }

    /// One QoS 1 message per changed alert, on `topicTemplate` with `{asset}` filled in; none when it is empty.
    static func messages(for result: CommitResult, topicTemplate: String) -> [OutboundMessage] {
        guard !topicTemplate.isEmpty, !result.alerts.isEmpty else { return [] }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        return zip(result.alerts, result.alertEvents).compactMap { alert, event in
            guard let data = try? encoder.encode(AlertPublication(alert, event: event.kind.rawValue)) else { return nil }
            let topic = topicTemplate.replacingOccurrences(of: "{asset}", with: alert.asset)
            return OutboundMessage(topic: topic, payload: Array(data))
        }
    }
}
