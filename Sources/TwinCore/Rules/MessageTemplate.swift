/// A rule's message with `{placeholder}`s, split once into pieces (see `RuleSpec` for the placeholders).
struct MessageTemplate: Sendable {
    enum Field: String, Sendable, CaseIterable {
        case asset, rule, metric, severity, value, limit, ttl, z, usage, age
    }

    enum Piece: Sendable {
        case text(String)
        case field(Field)
    }

    /// What a transition knows when its message is written; nil fields render as empty text.
    struct Values {
        var value: Double?
        var limit: Double?
        var ttlSeconds: Double?
        var z: Double?
        var usage: Double?
        var ageMillis: Int64?
    }

    let pieces: [Piece]

    /// Splits `text`; a `{` without `}` or an unknown name is an error naming the placeholder.
    init(_ text: String) throws(ExpressionError) {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            let column = text.distance(from: text.startIndex, to: open) + 1
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw ExpressionError(column: column, problem: "unclosed '{' in message")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard let field = Field(rawValue: name) else {
                let known = Field.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
                throw ExpressionError(column: column,
                                      problem: "unknown placeholder '{\(name)}' in message (known: \(known))")
            }
            if !literal.isEmpty { pieces.append(.text(literal)) }
            literal = ""
            pieces.append(.field(field))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { pieces.append(.text(literal)) }
        self.pieces = pieces
    }

    func render(asset: String, rule: String, metric: String, severity: Severity, _ values: Values) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .field(let field):
                switch field {
                case .asset: out += asset
                case .rule: out += rule
                case .metric: out += metric
                case .severity: out += severity.rawValue
                case .value: out += values.value.map(Self.number) ?? ""
                case .limit: out += values.limit.map(Self.number) ?? ""
                case .ttl: out += values.ttlSeconds.map { Self.duration(seconds: $0) } ?? ""
                case .z: out += values.z.map(Self.number) ?? ""
                case .usage: out += values.usage.map(Self.number) ?? ""
                case .age: out += values.ageMillis.map { Self.duration(seconds: Double($0) / 1_000) } ?? ""
                }
            }
        }
        return out
    }

    /// At most 6 significant digits, no trailing zeros: 80.5, 0.0812346, 1500, -3.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == value.rounded(), Swift.abs(value) < 1e15 { return String(Int64(value)) }
        let magnitude = Int((Swift.abs(value)).log10Floor)
        let decimals = Swift.max(0, Swift.min(12, 5 - magnitude))
        var text = String(Double(truncating: value, decimals: decimals))
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// Two largest units: `2h 5m`, `45s`, `3d 4h`; under a second: `0s`.
    static func duration(seconds: Double) -> String {
        guard seconds.isFinite else { return "never" }
        var s = Int64(Swift.max(0, seconds).rounded())
        if s == 0 { return "0s" }
        let units: [(String, Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var parts: [String] = []
        for (suffix, size) in units where s >= size && parts.count < 2 {
            parts.append("\(s / size)\(suffix)")
            s %= size
        }
        return parts.joined(separator: " ")
    }
}

extension Double {
    fileprivate var log10Floor: Double {
        var x = self, n = 0.0
        while x >= 10 { x /= 10; n += 1 }
        while x < 1 && x > 0 { x *= 10; n -= 1 }
        return n
    }

    fileprivate init(truncating value: Double, decimals: Int) {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        self = (value * scale).rounded() / scale
    }
}
