import Foundation
import TwinMQTT
import TwinStore

/// The JSON that announces an alert change on MQTT (`twin/<asset>/alerts` by default): the alert as stored, in
/// snake case, plus the `event` that changed it.
struct AlertPublication: Encodable {
    let alert: StoredAlert
    let event: String

    private enum Keys: String, CodingKey { case event }

    func encode(to encoder: any Encoder) throws {
        try alert.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(event, forKey: .event)
    }

    /// The QoS 1 message on `topicTemplate` with `{asset}` filled in; nil when the template is empty.
    static func message(_ alert: StoredAlert, event: String, topicTemplate: String) -> OutboundMessage? {
        guard !topicTemplate.isEmpty,
              let data = try? JSONEncoder.snakeCase.encode(AlertPublication(alert: alert, event: event))
        else { return nil }
        let topic = topicTemplate.replacingOccurrences(of: "{asset}", with: alert.asset)
        return OutboundMessage(topic: topic, payload: Array(data))
    }

    /// One message per alert a commit changed.
    static func messages(for result: CommitResult, topicTemplate: String) -> [OutboundMessage] {
        zip(result.alerts, result.alertEvents).compactMap { alert, event in
            message(alert, event: event.kind.rawValue, topicTemplate: topicTemplate)
        }
    }
}
