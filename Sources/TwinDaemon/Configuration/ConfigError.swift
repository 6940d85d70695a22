/// Everything wrong with a configuration file, all at once, each with its key path.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// Dotted key path with sequence indices, e.g. `topics[1].format`.
        public var path: String
        public var message: String
        /// 1-based line in the file, when known.
        public var line: Int?

        public var description: String {
            let location = line.map { " (line \($0))" } ?? ""
            return "\(path.isEmpty ? "<root>" : path): \(message)\(location)"
        }
    }

    public var file: String
    public var issues: [Issue]

    public var description: String {
        let count = issues.count == 1 ? "1 problem" : "\(issues.count) problems"
        return "\(file): \(count)\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
