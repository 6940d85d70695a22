import Synchronization

/// Counts durations in milliseconds into fixed buckets (1 ms wide up to 100 ms, then 10 ms up to 1 s, then one
/// overflow bucket) and answers percentiles; thread-safe, fixed memory.
public final class LatencyHistogram: Sendable {
    private static let fineLimit = 100
    private static let coarseLimit = 1_000
    private static let bucketCount = fineLimit + (coarseLimit - fineLimit) / 10 + 1
    private let buckets = Mutex<[Int]>(Array(repeating: 0, count: LatencyHistogram.bucketCount))

    public init() {}

    /// Records `count` samples of `millis` at once (a batch's messages share most of their latency).
    public func record(millis: Int64, count: Int = 1) {
        let index = Self.bucket(max(0, millis))
        buckets.withLock { $0[index] += count }
    }

    public func record(_ samples: [Int64]) {
        buckets.withLock { buckets in
            for millis in samples { buckets[Self.bucket(max(0, millis))] += 1 }
        }
    }

    public var count: Int { buckets.withLock { $0.reduce(0, +) } }

    /// The upper edge in ms of the bucket holding the `p`-th percentile (0...100), or nil without samples;
    /// `Int.max` when it lies beyond 1 s.
    public func percentile(_ p: Double) -> Int? {
        let snapshot = buckets.withLock { $0 }
        let total = snapshot.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = max(1, Int((p / 100 * Double(total)).rounded(.up)))
        var seen = 0
        for (index, count) in snapshot.enumerated() {
            seen += count
            if seen >= rank { return Self.upperEdge(index) }
        }
        return Int.max
    }

    public func reset() {
        buckets.withLock { $0 = Array(repeating: 0, count: Self.bucketCount) }
    }

    private static func bucket(_ millis: Int64) -> Int {
        if millis < Int64(fineLimit) { return Int(millis) }
        if millis < Int64(coarseLimit) { return fineLimit + Int(millis - Int64(fineLimit)) / 10 }
        return bucketCount - 1
    }

    private static func upperEdge(_ index: Int) -> Int {
        if index < fineLimit { return index + 1 }
        if index < bucketCount - 1 { return fineLimit + (index - fineLimit + 1) * 10 }
        return Int.max
    }
}
