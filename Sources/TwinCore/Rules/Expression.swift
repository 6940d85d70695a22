/// An arithmetic expression over metric names, compiled once to postfix code and evaluated without allocating.
///
/// Syntax: numbers (`1000`, `0.5`, `2e-3`), metric names (`temp`, `motor.temp`, `` `odd-name/x` `` in
/// backquotes for names with other characters), `+ - * /` (also `− × ÷`), unary minus, parentheses, and the
/// functions `abs(x)`, `sqrt(x)`, `min(a, b, …)`, `max(a, b, …)`. Usual precedence: `*` and `/` bind tighter than
/// `+` and `-`, all left-associative.
public struct Expression: Sendable, Equatable, CustomStringConvertible {
    enum Op: Sendable, Equatable {
        case constant(Double)
        case load(Int)
        case negate, add, subtract, multiply, divide, abs, sqrt
        case min(Int), max(Int)
    }

    public let source: String
    /// The metric names it reads, each once, in order of first appearance.
    public let inputs: [String]
    let code: [Op]
    let stackDepth: Int

    /// Compiles `source`; the error gives the 1-based column of the problem.
    public init(_ source: String) throws(ExpressionError) {
        var parser = ExpressionParser(source)
        let compiled = try parser.parse()
        self.source = source
        self.inputs = compiled.inputs
        self.code = compiled.code
        self.stackDepth = Expression.depth(of: compiled.code)
    }

    public var description: String { source }

    /// The value, or nil when an input has no value or the result is not finite (division by zero, `sqrt(-1)`).
    @inline(__always)
    public func evaluate(_ value: (_ input: Int) -> Double?) -> Double? {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.max(stackDepth, 1)) { stack in
            var top = 0
            for op in code {
                switch op {
                case .constant(let c):
                    stack[top] = c
                    top += 1
                case .load(let index):
                    guard let v = value(index), v.isFinite else { return nil }
                    stack[top] = v
                    top += 1
                case .negate: stack[top - 1] = -stack[top - 1]
                case .abs: stack[top - 1] = Swift.abs(stack[top - 1])
                case .sqrt: stack[top - 1] = stack[top - 1].squareRoot()
                case .add, .subtract, .multiply, .divide:
                    top -= 1
                    let (a, b) = (stack[top - 1], stack[top])
                    switch op {
                    case .add: stack[top - 1] = a + b
                    case .subtract: stack[top - 1] = a - b
                    case .multiply: stack[top - 1] = a * b
                    default: stack[top - 1] = a / b
                    }
                case .min(let n), .max(let n):
                    var result = stack[top - n]
                    for i in (top - n + 1)..<top {
                        if case .min = op {
                            result = Swift.min(result, stack[i])
                        } else {
                            result = Swift.max(result, stack[i])
                        }
                    }
                    top -= n - 1
                    stack[top - 1] = result
                }
            }
            let result = stack[0]
            return result.isFinite ? result : nil
        }
    }

    /// The value from a twin's latest metric values.
    public func evaluate(in twin: Twin) -> Double? {
        evaluate { twin.metrics[inputs[$0]]?.value }
    }

    private static func depth(of code: [Op]) -> Int {
        var depth = 0, deepest = 0
        for op in code {
            switch op {
            case .constant, .load: depth += 1
            case .negate, .abs, .sqrt: break
            case .add, .subtract, .multiply, .divide: depth -= 1
            case .min(let n), .max(let n): depth -= n - 1
            }
            deepest = Swift.max(deepest, depth)
        }
        return deepest
    }
}

/// Why an expression does not compile, and where.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based, in characters.
    public var column: Int
    /// E.g. `unexpected ')'`.
    public var problem: String

    public var description: String { "\(problem) at column \(column)" }
}
