import Foundation
import Testing
import TwinCore

private let now = DecodingFixture.now

/// Random valid JSON objects decoded by the byte scanner and by a reference built on `JSONSerialization`.
///
/// JSONSerialization decides structure, names, strings and booleans. It does not round every decimal correctly
/// (it reads `0.00046245562140690` one ulp off), so numbers are expected to equal `Double(String)` of their text,
/// which the generator records; the reference checks that JSONSerialization's value agrees to 14 digits.
struct JSONDifferentialTests {
    let json = try! DecodingFixture.decoder("twin/{asset}", .json)

    @Test func scannerAgreesWithJSONSerialization() throws {
        var generator = JSONGenerator(random: SplitMix64(seed: 42))
        for _ in 0..<2500 {
            generator.exactNumbers = [:]
            let text = generator.object(depth: 0, path: "")
            let actual = json.decode("twin/m1", text)
            let expected = try reference(text, exactNumbers: generator.exactNumbers)
            if actual != expected {
                Issue.record("\(text)\n  actual:   \(actual)\n  expected: \(expected)")
                return
            }
        }
    }

    /// The documented mapping, applied to what `JSONSerialization` parsed.
    private func reference(_ text: String, exactNumbers: [String: Double]) throws -> DecodeResult {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var timestamp = now
        if let ts = object["ts"] as? NSNumber {
            timestamp = ts.int64Value
        }
        var readings: [Reading] = []
        var properties: [PropertyUpdate] = []
        func walk(_ object: [String: Any], prefix: String) {
            for (key, value) in object where !(prefix.isEmpty && key == "ts") {
                let name = prefix + key
                switch value {
                case let nested as [String: Any]:
                    walk(nested, prefix: name + ".")
                case let number as NSNumber:
                    var value = number.doubleValue
                    if String(cString: number.objCType) == "c" {
                        value = number.boolValue ? 1 : 0
                    } else if let exact = exactNumbers[name], abs(exact - value) <= abs(exact) * 1e-14 {
                        value = exact
                    } else {
                        let written = exactNumbers[name].map { "\($0)" } ?? "nothing"
                        Issue.record("JSONSerialization read \(name) as \(value), the generator wrote \(written)")
                    }
                    readings.append(Reading(asset: "m1", metric: name, timestamp: timestamp, value: value))
                case let string as String:
                    properties.append(PropertyUpdate(asset: "m1", key: name, value: string, timestamp: timestamp))
                default:
                    break  // NSNull
                }
            }
        }
        walk(object, prefix: "")
        let names = readings.map(\.metric) + properties.map(\.key)
        if names.contains(where: { FuzzTests.nameProblem($0) != nil }) {
            return .quarantined(.invalidPayload, detail: "")
        }
        if readings.isEmpty && properties.isEmpty {
            return .quarantined(.noNumericField, detail: "")
        }
        return .decoded(readings: readings, properties: properties)
    }
}

private func != (actual: DecodeResult, expected: DecodeResult) -> Bool {
    switch (actual, expected) {
    case (.quarantined(let a, _), .quarantined(let b, _)):
        return a != b
    case (.decoded(let readings, let properties), .decoded(let expectedReadings, let expectedProperties)):
        // JSONSerialization does not keep key order.
        return readings.sorted { $0.metric < $1.metric } != expectedReadings.sorted { $0.metric < $1.metric }
            || properties.sorted { $0.key < $1.key } != expectedProperties.sorted { $0.key < $1.key }
    default:
        return true
    }
}

/// Emits JSON text: unique keys per object, nested objects, numbers in many notations, booleans, null,
/// and strings with and without escapes.
struct JSONGenerator {
    var random: SplitMix64
    /// `Double(String)` of each number written, by flattened name.
    var exactNumbers: [String: Double] = [:]

    init(random: SplitMix64) {
        self.random = random
    }

    /// `path` is the decoded flattened name of this object, ending in "." unless empty.
    mutating func object(depth: Int, path: String) -> String {
        var members: [String] = []
        if depth == 0 && Int.random(in: 0..<3, using: &random) == 0 {
            members.append(#""ts":\#(now - Int64.random(in: 0...100_000, using: &random))"#)
        }
        for index in 0..<Int.random(in: 0...(depth == 0 ? 6 : 3), using: &random) {
            let (text, decoded) = key(index)
            members.append("\(text):\(value(depth: depth, name: path + decoded))")
        }
        members.shuffle(using: &random)
        let space = Bool.random(using: &random) ? " " : ""
        return "{" + space + members.joined(separator: "," + space) + space + "}"
    }

    private mutating func value(depth: Int, name: String) -> String {
        switch Int.random(in: 0..<10, using: &random) {
        case 0 where depth < 3:
            return object(depth: depth + 1, path: name + ".")
        case 1:
            return Bool.random(using: &random) ? "true" : "false"
        case 2:
            return Int.random(in: 0..<4, using: &random) == 0 ? "null" : string(escapes: true)
        default:
            let text = number()
            exactNumbers[name] = Double(text)!
            return text
        }
    }

    /// JSON text and decoded name, unique by the index suffix; now and then an escape, including `\/` and `\n`
    /// that make the name invalid.
    private mutating func key(_ index: Int) -> (text: String, decoded: String) {
        let letters = [("a", "a"), ("Z", "Z"), ("é", "é"), ("温", "温"), ("_", "_"), ("-", "-"), ("\\u0041", "A"),
                       ("\\\"", "\""), ("\\\\", "\\")]
        var text = ""
        var decoded = ""
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let letter = letters.randomElement(using: &random)!
            text += letter.0
            decoded += letter.1
        }
        if Int.random(in: 0..<60, using: &random) == 0 {
            let letter = Bool.random(using: &random) ? ("\\/", "/") : ("\\n", "\n")
            text += letter.0
            decoded += letter.1
        }
        return ("\"\(text)k\(index)\"", decoded + "k\(index)")
    }

    private mutating func string(escapes: Bool) -> String {
        let pieces = ["a", "B", " ", "é", "😀", "温", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f", "\\r",
                      "\\u00e9",                      "\\u0000", "\\ud83d\\ude00", "\\u20AC"]
        var text = ""
        for _ in 0..<Int.random(in: 0...8, using: &random) {
            text += pieces[Int.random(in: 0..<(escapes ? pieces.count : 6), using: &random)]
        }
        return "\"\(text)\""
    }

    /// At most 17 significant digits, so JSONSerialization answers with a Double or an Int, not a Decimal.
    private mutating func number() -> String {
        var text = Bool.random(using: &random) ? "-" : ""
        let digits = Int.random(in: 1...17, using: &random)
        var mantissa = String(Int.random(in: 1...9, using: &random))
        for _ in 1..<digits {
            mantissa += String(Int.random(in: 0...9, using: &random))
        }
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            text += Int.random(in: 0..<5, using: &random) == 0 ? "0" : mantissa
        case 1:
            let point = Int.random(in: 1...mantissa.count, using: &random)
            let index = mantissa.index(mantissa.startIndex, offsetBy: point)
            text += point == mantissa.count ? mantissa + ".0" : mantissa[..<index] + "." + mantissa[index...]
        case 2:
            text += "0." + String(repeating: "0", count: Int.random(in: 0...5, using: &random)) + mantissa
        default:
            let exponent = Int.random(in: -300...300, using: &random)
            let mark = ["e", "E", "e+", "E+"].randomElement(using: &random)!
            text += mantissa.prefix(1) + (mantissa.count > 1 ? "." + mantissa.dropFirst() : "")
            text += exponent < 0 ? "e\(exponent)" : "\(mark)\(exponent)"
        }
        return text
    }
}
