import TwinMQTT

/// The line `systemctl status twind` shows, e.g.
/// `Connected to mqtt://10.0.0.5:1883; 1250 readings/s; 240 twins; 3 quarantined; 2 active alerts`.
struct ServiceStatus: Sendable, Equatable, CustomStringConvertible {
    /// The broker link, as the MQTT client's events last reported it.
    enum Connection: Sendable, Equatable {
        case connecting
        case connected
        case down(reason: String)
    }

    var broker: String
    var connection: Connection = .connecting
    var readingsPerSecond = 0
    var twins = 0
    var quarantined = 0
    /// Left out of the line while nil (no rule engine).
    var activeAlerts: Int?
    /// The forwarder's part (`forward: lag 0.3 s`), when `forward:` is on.
    var forward: String?

    /// Follows the connection events of the MQTT client.
    mutating func apply(_ event: MQTTConnectionEvent) {
        switch event {
        case .connecting:
            if connection == .connected { connection = .connecting }
        case .connected, .subscribed:
            connection = .connected
        case .disconnected(let reason):
            connection = .down(reason: reason)
        case .backingOff:
            break
        }
    }

    var description: String {
        var parts: [String]
        switch connection {
        case .connecting: parts = ["Connecting to \(broker)"]
        case .connected: parts = ["Connected to \(broker)"]
        case .down(let reason): parts = ["Broker \(broker) unreachable (\(reason)), retrying"]
        }
        parts += ["\(readingsPerSecond) readings/s", "\(twins) twins", "\(quarantined) quarantined"]
        if let activeAlerts { parts.append("\(activeAlerts) active alerts") }
        if let forward { parts.append(forward) }
        return parts.joined(separator: "; ")
    }
}
