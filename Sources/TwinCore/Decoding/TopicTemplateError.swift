/// A mistake in a topic template or in a route's asset or metric pattern.
public struct TopicTemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong, e.g. "unclosed '{'".
    public var problem: String
    /// The text that holds the mistake: the topic template, or a route's asset or metric pattern.
    public var text: String
    /// 1-based column of the mistake in `text`, counted in characters; nil when no single place is at fault.
    public var column: Int?

    public init(problem: String, text: String, column: Int?) {
        self.problem = problem
        self.text = text
        self.column = column
    }

    public var description: String {
        if let column {
            return "\(problem) at column \(column) in \"\(text)\""
        }
        return "\(problem) in \"\(text)\""
    }
}
