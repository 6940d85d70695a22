import Logging
import TwinCore

/// Logs quarantined messages at most once per second per reason, saying how many were not logged in between.
struct QuarantineLog {
    private var lastLogged: [QuarantineReason: Int64] = [:]
    private var suppressed: [QuarantineReason: Int] = [:]
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    mutating func record(_ reason: QuarantineReason, topic: String, detail: String, now: Int64) {
        if let last = lastLogged[reason], now - last < 1_000 {
            suppressed[reason, default: 0] += 1
            return
        }
        let skipped = suppressed.removeValue(forKey: reason) ?? 0
        lastLogged[reason] = now
        logger.warning("message quarantined", metadata: [
            "quarantine.reason": "\(reason.rawValue)",
            "quarantine.detail": "\(detail)",
            "mqtt.topic": "\(topic)",
            "quarantine.unlogged_since_last": "\(skipped)",
        ])
    }
}
