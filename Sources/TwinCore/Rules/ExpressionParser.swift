/// Recursive-descent parser from expression text to postfix code (see `Expression` for the syntax).
struct ExpressionParser {
    private enum Token: Equatable {
        case number(Double)
        case name(String)
        case symbol(Character)
        case end
    }

    private let characters: [Character]
    private var position = 0
    private var token: Token = .end
    /// 1-based column where `token` starts.
    private var column = 1
    private var inputs: [String] = []
    private var code: [Expression.Op] = []

    init(_ source: String) {
        characters = Array(source)
    }

    mutating func parse() throws(ExpressionError) -> (inputs: [String], code: [Expression.Op]) {
        try advance()
        if token == .end { throw ExpressionError(column: column, problem: "empty expression") }
        try sum()
        guard token == .end else { throw unexpected() }
        return (inputs, code)
    }

    // sum := product (('+' | '-') product)*
    private mutating func sum() throws(ExpressionError) {
        try product()
        while case .symbol(let s) = token, s == "+" || s == "-" {
            try advance()
            try product()
            code.append(s == "+" ? .add : .subtract)
        }
    }

    // product := unary (('*' | '/') unary)*
    private mutating func product() throws(ExpressionError) {
        try unary()
        while case .symbol(let s) = token, s == "*" || s == "/" {
            try advance()
            try unary()
            code.append(s == "*" ? .multiply : .divide)
        }
    }

    // unary := ('-' | '+') unary | primary
    private mutating func unary() throws(ExpressionError) {
        if case .symbol(let s) = token, s == "-" || s == "+" {
            try advance()
            try unary()
            if s == "-" { code.append(.negate) }
            return
        }
        try primary()
    }

    // primary := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'
    private mutating func primary() throws(ExpressionError) {
        switch token {
        case .number(let value):
            code.append(.constant(value))
            try advance()
        case .name(let name):
            let nameColumn = column
            try advance()
            if token == .symbol("(") {
                try call(name, at: nameColumn)
            } else {
                let index = inputs.firstIndex(of: name) ?? { inputs.append(name); return inputs.count - 1 }()
                code.append(.load(index))
            }
        case .symbol("("):
            try advance()
            try sum()
            guard token == .symbol(")") else { throw expected("')'") }
            try advance()
        case .end:
            throw expected("a number, a metric name or '('")
        default:
            throw unexpected()
        }
    }

    private mutating func call(_ function: String, at nameColumn: Int) throws(ExpressionError) {
        let arity: ClosedRange<Int>
        switch function {
        case "abs", "sqrt": arity = 1...1
        case "min", "max": arity = 2...64
        default:
            throw ExpressionError(column: nameColumn,
                                  problem: "unknown function '\(function)' (known: abs, sqrt, min, max)")
        }
        try advance()  // "("
        var count = 0
        while true {
            try sum()
            count += 1
            if token == .symbol(",") {
                try advance()
                continue
            }
            guard token == .symbol(")") else { throw expected("',' or ')'") }
            break
        }
        guard arity.contains(count) else {
            let wanted = arity.count == 1 ? "1 argument" : "at least \(arity.lowerBound) arguments"
            throw ExpressionError(column: nameColumn, problem: "\(function) takes \(wanted), got \(count)")
        }
        try advance()  // ")"
        switch function {
        case "abs": code.append(.abs)
        case "sqrt": code.append(.sqrt)
        case "min": code.append(.min(count))
        default: code.append(.max(count))
        }
    }

    private func unexpected() -> ExpressionError {
        ExpressionError(column: column, problem: "unexpected \(describeToken())")
    }

    private func expected(_ what: String) -> ExpressionError {
        ExpressionError(column: column, problem: "expected \(what), got \(describeToken())")
    }

    private func describeToken() -> String {
        switch token {
        case .number(let value): "number \(value)"
        case .name(let name): "name '\(name)'"
        case .symbol(let s): "'\(s)'"
        case .end: "end of expression"
        }
    }

    // MARK: Tokens

    private mutating func advance() throws(ExpressionError) {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
        column = position + 1
        guard position < characters.count else {
            token = .end
            return
        }
        let c = characters[position]
        switch c {
        case "0"..."9", ".":
            token = .number(try number())
        case "`":
            token = .name(try quotedName())
        case _ where c.isLetter || c == "_":
            let start = position
            while position < characters.count, Self.isNameCharacter(characters[position]) { position += 1 }
            token = .name(String(characters[start..<position]))
        case "+", "-", "*", "/", "(", ")", ",":
            token = .symbol(c)
            position += 1
        case "−": token = .symbol("-"); position += 1
        case "×": token = .symbol("*"); position += 1
        case "÷": token = .symbol("/"); position += 1
        default:
            throw ExpressionError(column: column, problem: "unexpected '\(c)'")
        }
    }

    private mutating func number() throws(ExpressionError) -> Double {
        let start = position
        while position < characters.count, characters[position].isASCII,
              characters[position].isNumber || characters[position] == "." {
            position += 1
        }
        if position < characters.count, characters[position] == "e" || characters[position] == "E" {
            var end = position + 1
            if end < characters.count, characters[end] == "+" || characters[end] == "-" { end += 1 }
            if end < characters.count, characters[end].isASCII, characters[end].isNumber {
                position = end
                while position < characters.count, characters[position].isASCII, characters[position].isNumber {
                    position += 1
                }
            }
        }
        let text = String(characters[start..<position])
        guard let value = Double(text), value.isFinite else {
            throw ExpressionError(column: start + 1, problem: "malformed number '\(text)'")
        }
        return value
    }

    private mutating func quotedName() throws(ExpressionError) -> String {
        let start = position
        position += 1
        while position < characters.count, characters[position] != "`" { position += 1 }
        guard position < characters.count else {
            throw ExpressionError(column: start + 1, problem: "unclosed '`'")
        }
        let name = String(characters[(start + 1)..<position])
        position += 1
        guard !name.isEmpty else { throw ExpressionError(column: start + 1, problem: "empty name in '``'") }
        return name
    }

    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "." || c == ":"
    }
}
