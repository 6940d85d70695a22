/// An online detector of values and changes the series has never shown: the `novelty` method of the anomaly rule.
///
/// Two features per reading, the value and an EWMA of the size of its changes (weight `alpha`), are each cut into
/// bins whose width is set after `warmup` readings (the range seen so far over `bins - 1`). A reading lands in a
/// bin; a bin never visited before is novel, and its magnitude is the distance, in bins, to the nearest visited one
/// (at most 64). Bins are remembered for good, so a level the series has shown once is normal from then on: the
/// detector learns the series' shape and fires on what is new, not on what is merely far from the mean. Once more
/// than `maxBins` bins of a feature have been visited, its bins double in width (neighbours merge), so a warm-up
/// that saw only a sliver of the series' range does not leave it alerting on every ordinary value.
///
/// Two gates keep it from crying wolf. A novelty counts only when the reading got there by a step (its change at
/// least `step` times the average change so far), not by a slow drift across a bin edge. And the smallest novelties
/// (one bin out) draw on a token bucket: `burst` of them in a row at most, then one per `refill` readings; a series
/// that keeps finding new ground one bin at a time is learning its range, not failing. Larger novelties never wait
/// for a token (they do spend one).
///
/// Cost per update: about 15 floating-point operations and two bit tests; a novel bin (rare) scans at most 2 × 63
/// neighbours, and a coarsening (rarer still) 32 words. Memory: two 2,048-bit sets and a few numbers, about 600 bytes a series. Deterministic: the same
/// readings give the same magnitudes, and the state round-trips through the twin snapshot.
public struct NoveltyDetector: Sendable, Equatable, Codable {
    /// Bins either side of the warm-up range's start that are told apart; values beyond share the outermost bin.
    static let halfRange = 1_024
    /// The largest magnitude reported.
    static let cap = 64

    /// One feature's bins: where they start, how wide they are, which were visited.
    struct Bins: Sendable, Equatable, Codable {
        var low = Double.infinity
        var high = -Double.infinity
        var width = 0.0
        var visited = [UInt64](repeating: 0, count: 2 * NoveltyDetector.halfRange / 64)
        var visitedCount = 0

        mutating func warm(_ x: Double) {
            if x < low { low = x }
            if x > high { high = x }
        }

        mutating func fix(bins: Int) {
            let range = high - low
            width = range > 0 ? range / Double(bins - 1) : Swift.max(abs(high) * 0.1, 1e-9)
        }

        @inline(__always)
        private func isVisited(_ q: Int) -> Bool {
            let bit = q + NoveltyDetector.halfRange
            return visited[bit >> 6] & (1 << UInt64(bit & 63)) != 0
        }

        /// Marks `x`'s bin visited; 0 when it was already, otherwise its distance to the nearest visited bin (in
        /// the doubled bins if this visit made them coarser). `maxBins` 0: never coarser.
        mutating func novelty(_ x: Double, maxBins: Int = 0) -> Int {
            let half = Double(NoveltyDetector.halfRange)
            var position = ((x - low) / width).rounded(.down)
            if !(position >= -half) { position = -half }  // also NaN, which cannot reach here
            if position > half - 1 { position = half - 1 }
            let q = Int(position)
            if isVisited(q) { return 0 }
            let bit = q + NoveltyDetector.halfRange
            visited[bit >> 6] |= 1 << UInt64(bit & 63)
            visitedCount += 1
            var distance = NoveltyDetector.cap
            for k in 1..<NoveltyDetector.cap {
                if (q - k >= -NoveltyDetector.halfRange && isVisited(q - k))
                    || (q + k < NoveltyDetector.halfRange && isVisited(q + k)) {
                    distance = k
                    break
                }
            }
            if maxBins > 0, visitedCount > maxBins {
                coarsen()
                return distance / 2
            }
            return distance
        }

        /// Doubles the bin width, keeping the origin: bin q becomes bin ⌊q/2⌋, exactly the bin its values now fall in.
        mutating func coarsen() {
            width *= 2
            var merged = [UInt64](repeating: 0, count: visited.count)
            var count = 0
            for word in visited.indices where visited[word] != 0 {
                for offset in 0..<64 where visited[word] & (1 << UInt64(offset)) != 0 {
                    // Bit i = q + halfRange; ⌊q/2⌋ + halfRange = (i >> 1) + halfRange / 2.
                    let j = ((word << 6 | offset) >> 1) + NoveltyDetector.halfRange / 2
                    if merged[j >> 6] & (1 << UInt64(j & 63)) == 0 {
                        merged[j >> 6] |= 1 << UInt64(j & 63)
                        count += 1
                    }
                }
            }
            visited = merged
            visitedCount = count
        }
    }

    /// Readings taken in.
    private(set) var seen = 0
    private var previous = 0.0
    /// EWMA of |change|.
    private var change = 0.0
    private var values = Bins()
    private var changes = Bins()
    /// The reading count and magnitude of the last raise.
    private var lastRaise: Int?
    private var lastMagnitude = 0
    /// The token bucket, as readings until it is full again: 0 is full (`burst` tokens), each raise adds `refill`
    /// (up to `burst × refill`), each reading takes one off. A token is there while it is at most
    /// `(burst - 1) × refill`.
    private var debt = 0

    public init() {}

    /// Takes one finite reading; returns its novelty magnitude, 0 while warming up or learning and for a reading
    /// like those seen before (or one that did not get there by a step).
    public mutating func update(_ x: Double, _ rule: Anomaly) -> Int {
        seen += 1
        if seen == 1 { previous = x }
        let step = abs(x - previous)
        // Judged against the average change before this reading.
        let stepped = step >= rule.step * change
        change += rule.alpha * (step - change)
        previous = x
        if debt > 0 { debt -= 1 }
        if seen <= rule.warmup {
            values.warm(x)
            changes.warm(change)
            if seen == rule.warmup {
                values.fix(bins: rule.bins)
                changes.fix(bins: rule.bins)
            }
            return 0
        }
        // Both features are looked at, so both remember their bins, stepped or not.
        let magnitude = Swift.max(values.novelty(x, maxBins: rule.maxBins), changes.novelty(change, maxBins: rule.maxBins))
        return seen < rule.learn || !stepped ? 0 : magnitude
    }

    /// Whether a reading of this magnitude may raise: once `rest` readings have passed since the last raise, or
    /// sooner when it is `escalation` times (and at least 2 bins) further out than the last raise; a novelty of one
    /// bin only while the token bucket holds a token.
    public func admits(_ magnitude: Int, _ rule: Anomaly) -> Bool {
        guard magnitude > 0 else { return false }
        if magnitude < 2, rule.burst > 0, debt > (rule.burst - 1) * rule.refill { return false }
        guard let lastRaise else { return true }
        if seen - lastRaise >= rule.rest { return true }
        return magnitude >= 2 && Double(magnitude) >= rule.escalation * Double(lastMagnitude)
    }

    public mutating func raised(_ magnitude: Int, _ rule: Anomaly) {
        lastRaise = seen
        lastMagnitude = magnitude
        if rule.burst > 0 { debt = Swift.min(rule.burst * rule.refill, debt + rule.refill) }
    }
}

extension NoveltyDetector {
    private enum CodingKeys: String, CodingKey {
        case seen, previous, change, values, changes, lastRaise, lastMagnitude, debt
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seen, forKey: .seen)
        try container.encode(previous, forKey: .previous)
        try container.encode(change, forKey: .change)
        try container.encode(values, forKey: .values)
        try container.encode(changes, forKey: .changes)
        try container.encodeIfPresent(lastRaise, forKey: .lastRaise)
        try container.encode(lastMagnitude, forKey: .lastMagnitude)
        try container.encode(debt, forKey: .debt)
    }

    /// Snapshots of twinds before the token bucket have no `debt`: a full bucket.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seen = try container.decode(Int.self, forKey: .seen)
        previous = try container.decode(Double.self, forKey: .previous)
        change = try container.decode(Double.self, forKey: .change)
        values = try container.decode(Bins.self, forKey: .values)
        changes = try container.decode(Bins.self, forKey: .changes)
        lastRaise = try container.decodeIfPresent(Int.self, forKey: .lastRaise)
        lastMagnitude = try container.decode(Int.self, forKey: .lastMagnitude)
        debt = try container.decodeIfPresent(Int.self, forKey: .debt) ?? 0
    }
}

extension NoveltyDetector.Bins {
    private enum CodingKeys: String, CodingKey { case low, high, width, visited, visitedCount }

    /// The visited set as 256 bytes of base64 text (a JSON array of 32 64-bit numbers would be 2-3 times larger in
    /// every snapshot).
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(low, forKey: .low)
        try container.encode(high, forKey: .high)
        try container.encode(width, forKey: .width)
        try container.encode(visitedCount, forKey: .visitedCount)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(visited.count * 8)
        for word in visited { for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) } }
        try container.encode(Base64.encode(bytes), forKey: .visited)
    }

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        low = try container.decode(Double.self, forKey: .low)
        high = try container.decode(Double.self, forKey: .high)
        width = try container.decode(Double.self, forKey: .width)
        visitedCount = try container.decode(Int.self, forKey: .visitedCount)
        let text = try container.decode(String.self, forKey: .visited)
        guard let bytes = Base64.decode(text), bytes.count == visited.count * 8 else {
            throw DecodingError.dataCorruptedError(forKey: .visited, in: container,
                                                   debugDescription: "expected \(visited.count * 8) bytes of base64")
        }
        for i in visited.indices {
            var word: UInt64 = 0
            for b in 0..<8 { word |= UInt64(bytes[i * 8 + b]) << UInt64(b * 8) }
            visited[i] = word
        }
    }
}

/// Standard base64 (RFC 4648, with padding), for compact bytes in JSON without Foundation.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let chunk = (UInt32(bytes[i]) << 16) | (n > 1 ? UInt32(bytes[i + 1]) << 8 : 0) | (n > 2 ? UInt32(bytes[i + 2]) : 0)
            for k in 0..<4 {
                out.append(k <= n ? alphabet[Int((chunk >> UInt32(18 - 6 * k)) & 63)] : UInt8(ascii: "="))
            }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for c in text.utf8 where c != UInt8(ascii: "=") {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            values.append(UInt8(v))
        }
        var out: [UInt8] = []
        var i = 0
        while i + 1 < values.count {
            let n = min(4, values.count - i)
            var chunk: UInt32 = 0
            for k in 0..<4 { chunk |= UInt32(k < n ? values[i + k] : 0) << UInt32(18 - 6 * k) }
            out.append(UInt8(truncatingIfNeeded: chunk >> 16))
            if n > 2 { out.append(UInt8(truncatingIfNeeded: chunk >> 8)) }
            if n > 3 { out.append(UInt8(truncatingIfNeeded: chunk)) }
            i += 4
        }
        return out
    }
}
