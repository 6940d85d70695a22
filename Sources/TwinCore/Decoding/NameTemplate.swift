/// A route's asset or metric pattern: literal text and `{variable}` references to its topic template.
struct NameTemplate: Sendable {
    enum Part: Sendable {
        case literal([UInt8])
        case variable(Int)
    }

    let pattern: String
    let parts: [Part]

    /// `allowed` says which literal characters the composed name may contain; nil allows any.
    init(_ pattern: String, template: TopicTemplate, allowed: ((Character) -> Bool)? = nil) throws(TopicTemplateError) {
        func fail(_ problem: String, _ column: Int) -> TopicTemplateError {
            TopicTemplateError(problem: problem, text: pattern, column: column)
        }
        var parts: [Part] = []
        var literal: [UInt8] = []
        var index = pattern.startIndex
        var column = 1
        while index < pattern.endIndex {
            let character = pattern[index]
            switch character {
            case "{":
                guard let close = pattern[index...].firstIndex(of: "}") else { throw fail("unclosed '{'", column) }
                let name = pattern[pattern.index(after: index)..<close]
                if let problem = VariableName.problem(name) {
                    throw fail(problem.message, column + 1 + problem.offset)
                }
                guard let variable = template.variables.firstIndex(of: String(name)) else {
                    let known = template.variables.isEmpty ? "none" : template.variables.joined(separator: ", ")
                    let problem = "unknown variable '\(name)' (the template \"\(template.pattern)\" has: \(known))"
                    throw fail(problem, column)
                }
                if !literal.isEmpty {
                    parts.append(.literal(literal))
                    literal = []
                }
                parts.append(.variable(variable))
                column += pattern[index...close].count
                index = pattern.index(after: close)
                continue
            case "}":
                throw fail("unexpected '}'", column)
            default:
                if let allowed, !allowed(character) {
                    throw fail("character '\(character)' is not allowed here", column)
                }
                literal.append(contentsOf: character.utf8)
            }
            column += 1
            index = pattern.index(after: index)
        }
        if !literal.isEmpty {
            parts.append(.literal(literal))
        }
        self.pattern = pattern
        self.parts = parts
    }

    /// Appends the composed name to `buffer`, taking variable values from the matched topic.
    func compose(
        topic: UnsafeRawBufferPointer,
        captures: UnsafeMutableBufferPointer<Range<Int>>,
        into buffer: inout NameBuffer
    ) {
        for part in parts {
            switch part {
            case .literal(let bytes):
                bytes.withUnsafeBytes { buffer.append($0) }
            case .variable(let variable):
                buffer.append(UnsafeRawBufferPointer(rebasing: topic[captures[variable]]))
            }
        }
    }
}

/// The rule for `{name}`: an ASCII identifier.
enum VariableName {
    /// What is wrong with `name` and its character offset, nil if it is a valid name.
    static func problem(_ name: Substring) -> (message: String, offset: Int)? {
        guard !name.isEmpty else { return ("empty variable name", 0) }
        for (offset, character) in name.enumerated() {
            guard character.isASCII else { return ("invalid character '\(character)' in variable name", offset) }
            if character.isLetter || character == "_" || (offset > 0 && character.isNumber) { continue }
            if offset == 0 && character.isNumber { return ("a variable name cannot start with a digit", offset) }
            return ("invalid character '\(character)' in variable name", offset)
        }
        return nil
    }
}
