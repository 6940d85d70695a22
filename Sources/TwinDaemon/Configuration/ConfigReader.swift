import TwinCore
import Yams

/// Walks a YAML document, converting values and collecting every problem with its key path instead of stopping
/// at the first one.
struct ConfigReader {
    private(set) var issues: [ConfigError.Issue] = []
    /// Where relative file paths in the config (e.g. a rul rule's model) are resolved: the config file's directory.
    var baseDirectory = "."

    mutating func fail(_ path: String, _ message: String, _ node: Node?) {
        issues.append(.init(path: path, message: message, line: node?.mark.map { $0.line }))
    }

    /// The mapping at `path`, reporting unknown keys (with a suggestion) so typos do not pass silently.
    mutating func mapping(_ node: Node?, _ path: String, allowed: [String]) -> [String: Node]? {
        guard let node else { return nil }
        guard let mapping = node.mapping else {
            fail(path, "expected a mapping of keys (\(allowed.joined(separator: ", "))), got \(describe(node))", node)
            return nil
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            if !allowed.contains(name) {
                let hint = closest(name, in: allowed).map { "; did you mean '\($0)'?" } ?? ""
                fail(join(path, name), "unknown key\(hint) (known keys: \(allowed.joined(separator: ", ")))", key)
                continue
            }
            result[name] = value
        }
        return result
    }

    mutating func string(_ node: Node?, _ path: String, default value: String) -> String {
        string(node, path) ?? value
    }

    mutating func string(_ node: Node?, _ path: String) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar, node.null == nil else {
            fail(path, "expected a string, got \(describe(node))", node)
            return nil
        }
        return scalar.string
    }

    mutating func int(_ node: Node?, _ path: String, default value: Int, range: ClosedRange<Int>) -> Int {
        guard let node else { return value }
        guard let number = node.int, range.contains(number) else {
            fail(path, "expected a whole number from \(range.lowerBound) to \(range.upperBound), got \(describe(node))",
                 node)
            return value
        }
        return number
    }

    mutating func bool(_ node: Node?, _ path: String, default value: Bool) -> Bool {
        guard let node else { return value }
        guard let flag = node.bool else {
            fail(path, "expected true or false, got \(describe(node))", node)
            return value
        }
        return flag
    }

    /// A duration such as `250ms`, `30s`, `5m`, `30d`, in milliseconds.
    mutating func duration(_ node: Node?, _ path: String, default value: Int64, minimum: Int64 = 0) -> Int64 {
        guard let node else { return value }
        guard let text = node.scalar?.string, let millis = DurationText.milliseconds(text), millis >= minimum else {
            let floor = minimum > 0 ? " of at least \(DurationText.format(minimum))" : ""
            fail(path, "expected a duration\(floor) like 250ms, 30s, 5m, 1h or 30d, got \(describe(node))", node)
            return value
        }
        return millis
    }

    mutating func oneOf(_ node: Node?, _ path: String, _ choices: [String], default value: String) -> String {
        guard let node else { return value }
        guard let text = node.scalar?.string, choices.contains(text) else {
            fail(path, "expected one of \(choices.joined(separator: ", ")), got \(describe(node))", node)
            return value
        }
        return text
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return node.null != nil ? "nothing" : "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func closest(_ name: String, in candidates: [String]) -> String? {
        candidates.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }?.0
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
