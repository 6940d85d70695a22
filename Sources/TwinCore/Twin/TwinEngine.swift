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
        /// Same metric and timestamp as the latest (the store keeps the first reading of a series at a time): a
        /// redelivery or a resend; nothing changed.
        case duplicate
    }

    public private(set) var twins: [String: Twin] = [:]
    /// Weight of the newest reading in the EWMA statistics.
    public var alpha: Double
    /// The twin the last reading went to: consecutive readings mostly share an asset (a message carries several
    /// metrics; a replay goes asset by asset), and comparing a name is much cheaper than hashing it. Reset wherever a
    /// twin may be added or removed (an index into a dictionary holds while no key is added or removed, and a
    /// copy-on-write copy keeps it).
    private var lastTwin: (asset: String, index: Dictionary<String, Twin>.Index)?

    public static func == (lhs: TwinEngine, rhs: TwinEngine) -> Bool {
        lhs.alpha == rhs.alpha && lhs.twins == rhs.twins
    }

    public init(alpha: Double = 0.1) {
        self.alpha = alpha
    }

    public subscript(asset: String) -> Twin? { twins[asset] }

    @discardableResult
    public mutating func apply(_ reading: Reading) -> Outcome {
        apply(reading, twinIndex: nil).outcome
    }

    /// `apply`, also giving the twin's position in `twins`, so the caller reads it back without hashing the asset
    /// again. One hash of the asset and one of the metric per reading: this runs for every reading.
    /// `twinIndex` is where a caller already found this asset (valid until a twin is added).
    @inline(__always)
    mutating func apply(_ reading: Reading, twinIndex: Dictionary<String, Twin>.Index?)
        -> (outcome: Outcome, twin: Dictionary<String, Twin>.Index) {
        let index: Dictionary<String, Twin>.Index
        if let twinIndex {
            index = twinIndex
        } else if let last = lastTwin, last.asset == reading.asset {
            index = last.index
        } else {
            if let found = twins.index(forKey: reading.asset) {
                index = found
            } else {
                twins[reading.asset] = Twin(asset: reading.asset, at: reading.timestamp)
                index = twins.index(forKey: reading.asset)!
            }
            lastTwin = (reading.asset, index)
        }
        let alpha = self.alpha
        // In place through the index: `values[index]` does not hash the asset again.
        let outcome: Outcome = Self.fold(reading, into: &twins.values[index], alpha: alpha)
        return (outcome, index)
    }

    @inline(__always)
    private static func fold(_ reading: Reading, into twin: inout Twin, alpha: Double) -> Outcome {
        guard let m = twin.metrics.index(forKey: reading.metric) else {
            twin.metrics[reading.metric] = MetricState(value: reading.value, timestamp: reading.timestamp)
            twin.touch(reading.timestamp)
            return .updated
        }
        // The store keeps one reading per series and time (the first): another at the latest's time is a
        // redelivery or a resend, whatever its value, and changes nothing here either.
        if twin.metrics.values[m].timestamp == reading.timestamp {
            return .duplicate
        }
        let inOrder = twin.metrics.values[m].fold(reading.value, at: reading.timestamp, alpha: alpha)
        twin.touch(reading.timestamp)
        return inOrder ? .updated : .outOfOrder
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
        lastTwin = nil
        twins[twin.asset] = twin
    }

    /// Forgets a twin (undoing a batch that created it).
    mutating func removeTwin(_ asset: String) {
        lastTwin = nil
        twins[asset] = nil
    }

    mutating func lastTwinReset() {
        lastTwin = nil
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
        lastTwin = nil
        return body(&twins[asset, default: Twin(asset: asset, at: time)])
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
