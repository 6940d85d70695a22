/// Everything wrong with a set of rules and derived metrics, all at once.
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        public enum Subject: Sendable, Equatable {
            /// The rule at this index of the list, and its name.
            case rule(index: Int, name: String)
            /// The derived metric of this name.
            case metric(String)
        }

        public var subject: Subject
        /// The key within the rule, as the config spells it (e.g. `threshold.clear_below`); empty for the whole.
        public var field: String
        public var message: String

        public init(_ subject: Subject, _ field: String, _ message: String) {
            self.subject = subject
            self.field = field
            self.message = message
        }

        /// `rules.hot-bearing.threshold.clear_below: …` or `metrics.delta_t: unexpected ')' at column 9`.
        public var description: String {
            let head: String
            switch subject {
            case .rule(_, let name): head = "rules.\(name.isEmpty ? "<unnamed>" : name)"
            case .metric(let name): head = "metrics.\(name)"
            }
            return "\(field.isEmpty ? head : "\(head).\(field)"): \(message)"
        }
    }

    public var issues: [Issue]

    public var description: String {
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        return "rules: \(count)\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
