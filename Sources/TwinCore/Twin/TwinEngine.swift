/// One twin per asset, updated from readings; a value type with no I/O, so the same readings in the same
/// order always give the same state.
public struct TwinEngine: Sendable, Equatable {
    /// What applying one reading did.
    ///
    /// A single enum rather than an array of events: `apply` runs for every reading and must not allocate.
    public enum Outcome: Sendable, Equatable {
        /// The reading became the metric's latest value.
        case updated
        /// The reading is older than the metric's latest: kept in history, counted, but "latest" stays.
        case outOfOrder
        /// Same metric, same timestamp, same value as the latest: a redelivery; nothing changed.
        case duplicate
    }

    public private(set) var twins: [String: Twin] = [:]
    /// Weight of the newest reading in the EWMA statistics.
    public var alpha: Double

    public init(alpha: Double = 0.1) {
        self.alpha = alpha
    }

    public subscript(asset: String) -> Twin? { twins[asset] }

    @discardableResult
    public mutating func apply(_ reading: Reading) -> Outcome {
        let alpha = self.alpha
        return withTwin(reading.asset, at: reading.timestamp) { twin in
            guard var state = twin.metrics[reading.metric] else {
                twin.metrics[reading.metric] = MetricState(value: reading.value, timestamp: reading.timestamp)
                twin.touch(reading.timestamp)
                return .updated
            }
            if state.timestamp == reading.timestamp && state.value == reading.value {
                return .duplicate
            }
            let inOrder = state.fold(reading.value, at: reading.timestamp, alpha: alpha)
            twin.metrics[reading.metric] = state
            twin.touch(reading.timestamp)
            return inOrder ? .updated : .outOfOrder
        }
    }

    /// Sets a string property; returns false when it already had that value.
    @discardableResult
    public mutating func apply(_ update: PropertyUpdate) -> Bool {
        withTwin(update.asset, at: update.timestamp) { twin in
            guard twin.properties[update.key] != update.value else { return false }
            twin.properties[update.key] = update.value
            twin.touch(update.timestamp)
            return true
        }
    }

    /// Puts back a twin saved earlier (from a snapshot), replacing any twin of that asset.
    public mutating func restore(_ twin: Twin) {
        twins[twin.asset] = twin
    }

    /// Marks a twin's status; returns false when the asset is unknown or the status is unchanged.
    @discardableResult
    public mutating func setStatus(_ status: Twin.Status, of asset: String) -> Bool {
        guard let current = twins[asset]?.status, current != status else { return false }
        twins[asset]?.status = status
        twins[asset]?.version += 1
        return true
    }

    @inline(__always)
    private mutating func withTwin<R>(_ asset: String, at time: Int64, _ body: (inout Twin) -> R) -> R {
        body(&twins[asset, default: Twin(asset: asset, at: time)])
    }
}

extension Twin {
    @inline(__always)
    mutating func touch(_ time: Int64) {
        version &+= 1
        if time < firstSeen { firstSeen = time }
        if time > lastSeen { lastSeen = time }
    }
}
