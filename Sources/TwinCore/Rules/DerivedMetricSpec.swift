/// A metric computed from others, e.g. `power_kw = voltage * current / 1000` (see `Expression` for the syntax).
///
/// Whenever one of its inputs gets a new reading, the rule engine evaluates it against the twin's latest values and
/// emits a reading of `name` at the same time, which is applied and stored like a measured one. No reading is
/// emitted while an input has no value or when the result is not finite (division by zero).
public struct DerivedMetricSpec: Sendable, Equatable, Codable {
    public var name: String
    public var expression: String

    public init(name: String, expression: String) {
        self.name = name
        self.expression = expression
    }
}
