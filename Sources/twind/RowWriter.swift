import ArgumentParser
import Foundation

/// Output formats of the query commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json, jsonl
}

enum Cell {
    case text(String)
    case int(Int64)
    case number(Double)

    var plain: String {
        switch self {
        case .text(let text): return text
        case .int(let value): return String(value)
        case .number(let value): return value.formatted
        }
    }

    var json: String {
        switch self {
        case .text(let text): return jsonString(text)
        case .int(let value): return String(value)
        case .number(let value): return value.isFinite ? value.formatted : "null"
        }
    }
}

/// Writes rows to stdout in one of the output formats; csv, json and jsonl stream, table aligns (so it buffers).
struct RowWriter {
    let format: OutputFormat
    let columns: [String]
    private var buffered: [[String]] = []
    private var rows = 0
    private var out = BufferedOutput()

    init(format: OutputFormat, columns: [String]) {
        self.format = format
        self.columns = columns
        switch format {
        case .csv: out.write(columns.joined(separator: ",") + "\n")
        case .json: out.write("[")
        case .table, .jsonl: break
        }
    }

    mutating func row(_ cells: [Cell]) {
        defer { rows += 1 }
        switch format {
        case .table:
            buffered.append(cells.map(\.plain))
        case .csv:
            out.write(cells.map { csvField($0.plain) }.joined(separator: ",") + "\n")
        case .json, .jsonl:
            let fields = zip(columns, cells).map { "\(jsonString($0)):\($1.json)" }.joined(separator: ",")
            let prefix = format == .json ? (rows == 0 ? "\n  " : ",\n  ") : ""
            out.write(prefix + "{" + fields + "}" + (format == .jsonl ? "\n" : ""))
        }
    }

    mutating func finish() {
        switch format {
        case .table:
            var widths = columns.map(\.count)
            for row in buffered { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
            }
            out.write(line(columns))
            out.write(line(widths.map { String(repeating: "-", count: $0) }))
            buffered.forEach { out.write(line($0)) }
            if buffered.isEmpty { out.write("(no rows)\n") }
        case .json:
            out.write(rows == 0 ? "]\n" : "\n]\n")
        case .csv, .jsonl:
            break
        }
        out.flush()
    }
}

/// Collects output and writes it to stdout in large chunks.
struct BufferedOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

private func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}

extension Double {
    /// Shortest text that reads back as the same Double; whole numbers without ".0".
    var formatted: String {
        if self == rounded(), abs(self) < 1e15 { return String(Int64(self)) }
        return "\(self)"
    }
}
