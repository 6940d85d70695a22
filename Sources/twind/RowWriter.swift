import ArgumentParser
import Foundation
import TwinCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Output formats of the query commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json, jsonl
}

enum Cell {
    case text(String)
    case int(Int64)
    case number(Double)
    /// Unix milliseconds, written as RFC 3339 text.
    case time(Int64)

    var plain: String {
        switch self {
        case .text(let text): return text
        case .int(let value): return String(value)
        case .number(let value): return value.formatted
        case .time(let millis): return RFC3339.string(millis)
        }
    }

    var json: String {
        switch self {
        case .text(let text): return jsonString(text)
        case .int(let value): return String(value)
        case .number(let value): return value.isFinite ? value.formatted : "null"
        case .time(let millis): return jsonString(RFC3339.string(millis))
        }
    }
}

/// Writes rows to stdout in one of the output formats; csv, json and jsonl stream, table aligns (so it buffers).
///
/// Cells are written as bytes straight into one output buffer (no `String` per cell), which is what makes a
/// one-day raw history (86,400 rows) cheap: call ``startRow()``, ``cell(_:)`` per column, ``endRow()``, or
/// ``row(_:)`` with an array.
struct RowWriter {
    let format: OutputFormat
    let columns: [String]
    /// `"name":` of each column, for json and jsonl.
    private let jsonKeys: [[UInt8]]
    private var buffered: [[String]] = []
    private var tableRow: [String] = []
    private var rows = 0
    private var column = 0
    private var out = BufferedOutput()

    init(format: OutputFormat, columns: [String]) {
        self.format = format
        self.columns = columns
        jsonKeys = columns.map { Array((jsonString($0) + ":").utf8) }
        switch format {
        case .csv: out.write(columns.map(csvField).joined(separator: ",") + "\n")
        case .json: out.write("[")
        case .table, .jsonl: break
        }
    }

    mutating func row(_ cells: [Cell]) {
        startRow()
        for value in cells { cell(value) }
        endRow()
    }

    mutating func startRow() {
        column = 0
        switch format {
        case .table: tableRow.removeAll(keepingCapacity: true)
        case .csv: break
        case .json: out.bytes.append(contentsOf: rows == 0 ? [0x0A, 0x20, 0x20, 0x7B] : [0x2C, 0x0A, 0x20, 0x20, 0x7B])
        case .jsonl: out.bytes.append(UInt8(ascii: "{"))
        }
    }

    /// The next column's value of the current row.
    mutating func cell(_ value: Cell) {
        defer { column += 1 }
        switch format {
        case .table:
            tableRow.append(value.plain)
        case .csv:
            if column > 0 { out.bytes.append(UInt8(ascii: ",")) }
            if case .text(let text) = value {
                out.bytes.append(contentsOf: csvField(text).utf8)
            } else {
                append(value, json: false)
            }
        case .json, .jsonl:
            if column > 0 { out.bytes.append(UInt8(ascii: ",")) }
            out.bytes.append(contentsOf: jsonKeys[column])
            append(value, json: true)
        }
    }

    mutating func endRow() {
        rows += 1
        switch format {
        case .table: buffered.append(tableRow)
        case .csv: out.bytes.append(0x0A)
        case .json: out.bytes.append(UInt8(ascii: "}"))
        case .jsonl: out.bytes.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        }
        out.flushIfFull()
    }

    /// A cell other than csv text, as it is written in csv (`json: false`) or json.
    private mutating func append(_ value: Cell, json: Bool) {
        switch value {
        case .text(let text):
            out.bytes.append(contentsOf: (json ? jsonString(text) : text).utf8)
        case .int(let number):
            NumberText.append(number, to: &out.bytes)
        case .number(let number):
            if json && !number.isFinite {
                out.bytes.append(contentsOf: "null".utf8)
            } else {
                NumberText.appendShortest(number, to: &out.bytes)
            }
        case .time(let millis):
            if json { out.bytes.append(UInt8(ascii: "\"")) }
            TimestampText.append(millis, to: &out.bytes)
            if json { out.bytes.append(UInt8(ascii: "\"")) }
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

/// Collects output and writes it to stdout in large chunks, with `write(2)` (no `Data` copy).
struct BufferedOutput {
    var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(Self.chunk + 4_096)
    }

    mutating func write(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        flushIfFull()
    }

    mutating func flushIfFull() {
        if bytes.count >= Self.chunk { flush() }
    }

    mutating func flush() {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // a closed pipe (`| head`): the rest has nowhere to go
                }
                offset += written
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    private static let chunk = 1 << 18
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

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
        var bytes: [UInt8] = []
        NumberText.appendShortest(self, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
