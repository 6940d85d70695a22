import Testing
@testable import TwinCore

private let now = DecodingFixture.now

struct NumberDecodingTests {
    let number = try! DecodingFixture.decoder("twin/{asset}/raw/{metric}", .number)

    @Test(arguments: [
        ("71.5", 71.5), (" 42\n", 42), ("\t-0.5\r\n", -0.5), ("+3", 3), (".25", 0.25), ("5.", 5), ("1e3", 1000),
        ("-2.5E-3", -0.0025), ("007", 7), ("0", 0), ("1e-400", 0),
    ])
    func acceptedForms(payload: String, value: Double) {
        let result = number.decode("twin/m1/raw/temp", payload)
        #expect(result.readings == [Reading(asset: "m1", metric: "temp", timestamp: now, value: value)])
    }

    @Test(arguments: ["nan", "NaN", "-nan", "inf", "-Infinity", "INF", "1e999", "-1e309"])
    func nonFinite(payload: String) {
        #expect(number.decode("twin/m1/raw/temp", payload).reason == .nonFinite)
    }

    @Test(arguments: [
        "", "  ", "abc", "1,5", "1.5.2", "0x1p3", "1e", "--1", "1 2", "true", "\"1\"", "infinite", "1_000",
    ])
    func notANumber(payload: String) {
        #expect(number.decode("twin/m1/raw/temp", payload).reason == .invalidPayload)
    }

    @Test func metricFromTemplateIsValidated() {
        #expect(number.decode("twin/m1/raw/", "1").reason == .invalidPayload)
    }

    /// The parser must agree with `Double(String)` bit for bit, on both its fast and its slow path.
    @Test func parserMatchesDoubleInitializer() {
        var random = SplitMix64(seed: 7)
        var samples = [
            "0", "-0", "1", "9007199254740992", "9007199254740993", "18446744073709551615", "1e22", "1e23",
            "123456789012345678901234567890", "0.1", "0.30000000000000004", "2.2250738585072011e-308",
            "4.9e-324", "2.4703282292062327e-324", "1.7976931348623157e308", "1.7976931348623159e308",
            "0.000000000000000000000000000001", "100000000000000000000000", "3.14159265358979323846264338327950288",
            "9.999999999999999e22", "8.98846567431158e307", "1e-22", "123.456e-20", "4503599627370497.5",
        ]
        for _ in 0..<3000 {
            samples.append(randomDecimal(&random))
        }
        for text in samples {
            let parsed = Array(text.utf8).withUnsafeBytes { NumberParser.parse($0, from: 0, grammar: .json) }
            let expected = Double(text)!
            #expect(parsed?.value.bitPattern == expected.bitPattern, "\(text)")
            #expect(parsed?.end == text.utf8.count, "\(text)")
        }
    }

    @Test(arguments: ["-", "01", ".5", "5.", "+1", "1.e5", "e5", ""])
    func jsonGrammarRejects(text: String) {
        let parsed = Array(text.utf8).withUnsafeBytes { NumberParser.parse($0, from: 0, grammar: .json) }
        // A JSON number may stop early ("01" is "0" followed by "1"); it must never span the whole text.
        #expect(parsed == nil || parsed!.end < text.utf8.count)
    }
}

/// A random JSON-grammar number: integers, decimals and exponents of varied lengths.
private func randomDecimal(_ random: inout SplitMix64) -> String {
    var text = Bool.random(using: &random) ? "-" : ""
    let digits = "0123456789"
    let integerLength = Int.random(in: 1...20, using: &random)
    if integerLength == 1 || Int.random(in: 0..<4, using: &random) == 0 {
        text += String(digits.randomElement(using: &random)!)
    } else {
        text += String("123456789".randomElement(using: &random)!)
        for _ in 1..<integerLength {
            text += String(digits.randomElement(using: &random)!)
        }
    }
    if Bool.random(using: &random) {
        text += "."
        for _ in 0..<Int.random(in: 1...20, using: &random) {
            text += String(digits.randomElement(using: &random)!)
        }
    }
    if Int.random(in: 0..<3, using: &random) == 0 {
        text += ["e", "E", "e+", "e-", "E-"].randomElement(using: &random)!
        text += String(Int.random(in: 0...330, using: &random))
    }
    return text
}
