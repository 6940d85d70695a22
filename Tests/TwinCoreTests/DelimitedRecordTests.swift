import Testing
import TwinCore

struct DelimitedRecordTests {
    func split(_ line: String, _ delimiter: FieldDelimiter = .byte(UInt8(ascii: ","))) -> [String]? {
        var record = DelimitedRecord()
        let complete = Array(line.utf8).withUnsafeBytes { record.split($0, delimiter: delimiter) }
        return complete ? record.strings : nil
    }

    @Test func commasQuotesAndEmptyFields() {
        #expect(split("a,b,c") == ["a", "b", "c"])
        #expect(split("a,,c,") == ["a", "", "c", ""])
        #expect(split("") == [""])
        #expect(split(#""x,y",2,"say ""hi""""#) == ["x,y", "2", #"say "hi""#])
        #expect(split(#" 1.5 , "  spaced  " ,3"#) == ["1.5", "  spaced  ", "3"])
        #expect(split("a;b;;c", .byte(UInt8(ascii: ";"))) == ["a", "b", "", "c"])
        #expect(split("a\t\tb", .byte(UInt8(ascii: "\t"))) == ["a", "", "b"])
    }

    @Test func anOpenQuoteAsksForTheNextLine() {
        #expect(split(#"1,"two"#) == nil)
        #expect(split("1,\"two\nlines\",3") == ["1", "two\nlines", "3"])
    }

    @Test func whitespaceRunsAsInCMAPSS() {
        #expect(split("1 1 -0.0007 -0.0004 100.0 518.67  ", .whitespace) == ["1", "1", "-0.0007", "-0.0004", "100.0", "518.67"])
        #expect(split("  a \t b", .whitespace) == ["a", "b"])
        #expect(split("   ", .whitespace) == [])
        #expect(split(#"a "b c" d"#, .whitespace) == ["a", "b c", "d"])
    }

    func number(_ text: String) -> ImportValue.Number {
        Array(text.utf8).withUnsafeBytes { ImportValue.number($0) }
    }

    @Test func numbers() {
        #expect(number("42") == .finite(42))
        #expect(number("-0.0007") == .finite(-0.0007))
        #expect(number("+.5") == .finite(0.5))
        #expect(number("1e3") == .finite(1_000))
        #expect(number("1e999") == .nonFinite)
        #expect(number("NaN") == .nonFinite)
        #expect(number("-inf") == .nonFinite)
        #expect(number("12abc") == .invalid)
        #expect(number("1,5") == .invalid)
        #expect(number("") == .invalid)
    }

    @Test func timesAndNames() {
        #expect(Array("2026-01-01 00:00:01Z".utf8).withUnsafeBytes { ImportValue.rfc3339($0) } == 1_767_225_601_000)
        #expect(Array("2026-01-01T00:00:01".utf8).withUnsafeBytes { ImportValue.rfc3339($0) } == nil)
        #expect(Array("2026-01-01T00:00:01".utf8).withUnsafeBytes { ImportValue.rfc3339($0, assumingUTC: true) }
            == 1_767_225_601_000)
        #expect(Array("engine-001".utf8).withUnsafeBytes { ImportValue.isValidAssetID($0) })
        #expect(!Array("engine 1".utf8).withUnsafeBytes { ImportValue.isValidAssetID($0) })
        #expect(ImportValue.metricNameProblem("s2") == nil)
        #expect(ImportValue.metricNameProblem("a/b") != nil)
    }

    func line(_ text: String) -> Result<JSONLineDecoder.Line, JSONLineDecoder.LineFailure> {
        Array(text.utf8).withUnsafeBytes { JSONLineDecoder.decode($0) }
    }

    @Test func jsonLines() throws {
        let wide = try line(#"{"asset":"p1","ts":1764064800,"temp":71.5,"motor":{"rpm":1480},"on":true}"#).get()
        #expect(wide.timestamp == 1_764_064_800_000)
        #expect(wide.numbers.map(\.name) == ["temp", "motor.rpm", "on"])
        #expect(wide.numbers.map(\.value) == [71.5, 1_480, 1])
        #expect(wide.strings.map(\.value) == ["p1"])
        #expect(try line(#"{"asset":"p1","temp":1}"#).get().timestamp == nil)
        #expect(try line(#"{"ts":"2026-01-01T00:00:00Z","x":1}"#).get().timestamp == 1_767_225_600_000)
        guard case .failure(let broken) = line(#"{"asset":"p1","temp":}"#) else { Issue.record(); return }
        #expect(broken.reason == .invalidJSON)
        guard case .failure(let nonFinite) = line(#"{"temp":1e999}"#) else { Issue.record(); return }
        #expect(nonFinite.reason == .nonFinite)
    }
}
