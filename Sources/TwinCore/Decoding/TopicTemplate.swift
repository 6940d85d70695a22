/// An MQTT topic pattern with named single-level variables, such as `plant/{site}/{line}/{asset}/{metric}`.
///
/// A variable fills a whole topic level and matches any one level, like MQTT's `+`. A final `#` level
/// matches the parent level and any number of levels below it, as in an MQTT subscription.
public struct TopicTemplate: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal([UInt8])
        case variable(Int)
        case rest
    }

    public let pattern: String
    /// Variable names in the order they appear.
    public let variables: [String]
    /// The MQTT subscription that receives every topic this template can match.
    public let subscriptionFilter: String
    let segments: [Segment]

    public init(_ pattern: String) throws(TopicTemplateError) {
        func fail(_ problem: String, _ column: Int?) -> TopicTemplateError {
            TopicTemplateError(problem: problem, text: pattern, column: column)
        }
        guard !pattern.isEmpty else { throw fail("empty topic template", nil) }

        var variables: [String] = []
        var segments: [Segment] = []
        var filterLevels: [String] = []
        var column = 1
        let levels = pattern.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            defer { column += level.count + 1 }
            if level == "#" {
                guard index == levels.count - 1 else { throw fail("'#' must be the last level", column) }
                segments.append(.rest)
                filterLevels.append("#")
            } else if level.first == "{" {
                let name = try Self.variableName(in: level, column: column, pattern: pattern)
                if variables.contains(name) { throw fail("variable '\(name)' appears twice", column) }
                segments.append(.variable(variables.count))
                variables.append(name)
                filterLevels.append("+")
            } else {
                for (offset, character) in level.enumerated() {
                    switch character {
                    case "{", "}":
                        throw fail("a variable must fill a whole level; unexpected '\(character)'", column + offset)
                    case "+", "#":
                        throw fail("'\(character)' is an MQTT wildcard; use a {name} variable", column + offset)
                    case "\u{0}":
                        throw fail("NUL character", column + offset)
                    case _ where character.utf8.contains(UInt8(ascii: "/")):
                        throw fail("'/' combined with a following mark", column + offset)
                    default:
                        continue
                    }
                }
                segments.append(.literal(Array(level.utf8)))
                filterLevels.append(String(level))
            }
        }
        self.pattern = pattern
        self.variables = variables
        self.segments = segments
        self.subscriptionFilter = filterLevels.joined(separator: "/")
    }

    /// Parses `{name}` filling a whole level that starts at `column`.
    private static func variableName(
        in level: Substring,
        column: Int,
        pattern: String
    ) throws(TopicTemplateError) -> String {
        guard let close = level.firstIndex(of: "}") else {
            throw TopicTemplateError(problem: "unclosed '{'", text: pattern, column: column)
        }
        let name = level[level.index(after: level.startIndex)..<close]
        if let problem = VariableName.problem(name) {
            throw TopicTemplateError(problem: problem.message, text: pattern, column: column + 1 + problem.offset)
        }
        let afterClose = level.index(after: close)
        guard afterClose == level.endIndex else {
            let offset = level.distance(from: level.startIndex, to: afterClose)
            throw TopicTemplateError(
                problem: "a variable must fill a whole level; unexpected text after '}'",
                text: pattern,
                column: column + offset
            )
        }
        return String(name)
    }

    /// The values of the variables if `topic` matches, nil otherwise.
    public func match(_ topic: String) -> [String: Substring]? {
        var topic = topic
        var ranges = Array(repeating: 0..<0, count: variables.count)
        let matched = topic.withUTF8 { buffer in
            ranges.withUnsafeMutableBufferPointer { captures in
                match(utf8: UnsafeRawBufferPointer(buffer), captures: captures)
            }
        }
        guard matched else { return nil }
        var result: [String: Substring] = [:]
        let utf8 = topic.utf8
        for (name, range) in zip(variables, ranges) {
            let lower = utf8.index(utf8.startIndex, offsetBy: range.lowerBound)
            let upper = utf8.index(utf8.startIndex, offsetBy: range.upperBound)
            result[name] = topic[lower..<upper]
        }
        return result
    }

    /// Matches a topic's UTF-8 bytes, writing each variable's byte range to `captures[variableIndex]`.
    func match(utf8 topic: UnsafeRawBufferPointer, captures: UnsafeMutableBufferPointer<Range<Int>>) -> Bool {
        let slash = UInt8(ascii: "/")
        let n = topic.count
        var position = 0
        for index in segments.indices {
            let segment = segments[index]
            if index > 0 {
                if case .rest = segment, position == n { return true }
                guard position < n, topic[position] == slash else { return false }
                position += 1
            }
            switch segment {
            case .rest:
                return true
            case .literal(let literal):
                let end = position + literal.count
                guard end <= n, end == n || topic[end] == slash else { return false }
                for k in literal.indices where topic[position + k] != literal[k] {
                    return false
                }
                position = end
            case .variable(let variable):
                var end = position
                while end < n, topic[end] != slash {
                    end += 1
                }
                captures[variable] = position..<end
                position = end
            }
        }
        return position == n
    }
}
