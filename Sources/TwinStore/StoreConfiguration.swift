/// Tuning knobs of the writer side of ``TwinStore``.
public struct StoreConfiguration: Sendable, Hashable {
    /// Rows in `readings_recent` above which ``TwinStore/mergeRecentIfNeeded()`` merges them into `readings_main`.
    public var mergeThreshold: Int = 200_000
    /// The quarantine keeps at most this many messages; older ones are deleted as new ones arrive.
    public var quarantineMaxRows: Int = 100_000
    /// How long a statement waits for a lock held by another connection before failing.
    public var busyTimeoutMillis: Int = 5_000
    /// Every committed reading is also appended to `forward_queue`, for the forwarder (`forward:` with readings).
    public var queueForForwarding: Bool = false

    public init(mergeThreshold: Int = 200_000, quarantineMaxRows: Int = 100_000, busyTimeoutMillis: Int = 5_000,
                queueForForwarding: Bool = false) {
        self.mergeThreshold = mergeThreshold
        self.quarantineMaxRows = quarantineMaxRows
        self.busyTimeoutMillis = busyTimeoutMillis
        self.queueForForwarding = queueForForwarding
    }
}
