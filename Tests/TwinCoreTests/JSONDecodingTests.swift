import Testing
import TwinCore

private let now = DecodingFixture.now

struct JSONDecodingTests {
    let json = try! DecodingFixture.decoder("twin/{asset}/telemetry", .json)

    func decode(_ payload: String, receivedAt: Int64 = now) -> DecodeResult {
        json.decode("twin/m1/telemetry", payload, receivedAt: receivedAt)
    }

    @Test func typicalMessage() {
        let result = decode(#"{"ts":1732500000000,"temp":71.5,"pressure":2.1,"vibration":0.02,"current":12.0}"#)
        #expect(result.readings == [
            Reading(asset: "m1", metric: "temp", timestamp: now, value: 71.5),
            Reading(asset: "m1", metric: "pressure", timestamp: now, value: 2.1),
            Reading(asset: "m1", metric: "vibration", timestamp: now, value: 0.02),
            Reading(asset: "m1", metric: "current", timestamp: now, value: 12),
        ])
        #expect(result.properties == [])
    }

    @Test func nestedObjectsFlattenWithDots() {
        let result = decode(#"{"motor":{"temp":71,"bearing":{"front":1,"rear":2}},"x":{}}"#)
        #expect(result.readings.map(\.metric) == ["motor.temp", "motor.bearing.front", "motor.bearing.rear"])
        #expect(result.values == ["motor.temp": 71, "motor.bearing.front": 1, "motor.bearing.rear": 2])
    }

    @Test func booleansStringsAndNulls() {
        let result = decode(#"{"on":true,"fault":false,"mode":"auto","gone":null,"n":{"s":"x y"}}"#)
        #expect(result.values == ["on": 1, "fault": 0])
        #expect(result.properties == [
            PropertyUpdate(asset: "m1", key: "mode", value: "auto", timestamp: now),
            PropertyUpdate(asset: "m1", key: "n.s", value: "x y", timestamp: now),
        ])
    }

    @Test func stringsOnlyDecodeToProperties() {
        let result = decode(#"{"firmware":"1.4.2","ts":1732499990000}"#)
        #expect(result.isDecoded)
        #expect(result.readings == [])
        #expect(result.properties == [
            PropertyUpdate(asset: "m1", key: "firmware", value: "1.4.2", timestamp: now - 10_000)
        ])
    }

    @Test(arguments: ["{}", #"{"a":null}"#, #"{"a":{}}"#, #"{"ts":1732500000000}"#])
    func nothingToStoreIsNoNumericField(payload: String) {
        #expect(decode(payload).reason == .noNumericField)
    }

    @Test func escapedStringsAndKeys() {
        let result = decode(#"{"na\u006de":"a\"b\\c\/d\n\u00e9\ud83d\ude00","t\u0073":1732500001000,"k\"q":1}"#)
        #expect(result.properties.map(\.key) == ["name"])
        #expect(result.properties.map(\.value) == ["a\"b\\c/d\né😀"])
        #expect(result.readings == [Reading(asset: "m1", metric: "k\"q", timestamp: now + 1000, value: 1)])
    }

    @Test func utf8NamesAndValues() {
        let result = decode(#"{"température":21.5,"état":"marche"}"#)
        #expect(result.values == ["température": 21.5])
        #expect(result.properties.map(\.value) == ["marche"])
    }

    @Test func whitespaceEverywhere() {
        #expect(decode(" \n{ \"a\" :\t1 , \"b\" : { \"c\" : true } }\r\n ").values == ["a": 1, "b.c": 1])
    }

    @Test(arguments: [
        ("1732500000000", now),  // epoch ms
        ("1732500000", now),  // epoch seconds
        ("1732500000.25", now + 250),  // fractional seconds
        ("1.7325e12", now),  // ms in exponent form
        ("99999999999", 99_999_999_999_000),  // just below 1e11: seconds
        ("100000000000", 100_000_000_000),  // 1e11: milliseconds
        ("\"2024-11-25T02:00:00Z\"", now),
        ("\"2024-11-25T02:00:00.123Z\"", now + 123),
        ("\"2024-11-25T03:30:00+01:30\"", now),
        ("\"2024-11-24T21:00:00.5-05:00\"", now + 500),
        ("\"2024-11-25 02:00:00.1239z\"", now + 123),
    ])
    func timestampForms(ts: String, expected: Int64) {
        // A receive time equal to the expected time keeps every form inside the plausibility window.
        let result = decode(#"{"v":1,"ts":\#(ts)}"#, receivedAt: expected)
        #expect(result.readings.map(\.timestamp) == [expected])
    }

    @Test func missingTimestampUsesReceiveTime() {
        #expect(decode(#"{"v":1}"#, receivedAt: 42).readings.map(\.timestamp) == [42])
        #expect(decode(#"{"v":1,"ts":null}"#, receivedAt: 42).readings.map(\.timestamp) == [42])
    }

    @Test func nestedTsIsAnOrdinaryMetric() {
        #expect(decode(#"{"motor":{"ts":5}}"#).values == ["motor.ts": 5])
    }

    @Test(arguments: [
        #""yesterday""#, #""2024-11-25T02:00:00""#, #""2024-13-01T00:00:00Z""#, #""2023-02-29T00:00:00Z""#,
        #""2024-11-25T24:00:00Z""#, #""2024-11-25T02:00:00+1:00""#, #""2024-11-25T02:00:00.Z""#, "true", "{}", "[]",
        "1e999", "1e300",
    ])
    func invalidTimestamps(ts: String) {
        #expect(decode(#"{"v":1,"ts":\#(ts)}"#).reason == .invalidTimestamp)
    }

    @Test func timestampPlausibility() {
        let limits = DecodeLimits()
        #expect(decode(#"{"v":1,"ts":\#(now + limits.maxFutureSkewMillis)}"#).isDecoded)
        #expect(decode(#"{"v":1,"ts":\#(now + limits.maxFutureSkewMillis + 1)}"#).reason == .futureTimestamp)
        #expect(decode(#"{"v":1,"ts":\#(now - limits.maxAgeMillis)}"#).isDecoded)
        #expect(decode(#"{"v":1,"ts":\#(now - limits.maxAgeMillis - 1)}"#).reason == .tooOld)
        #expect(decode(#"{"v":1,"ts":0}"#).reason == .tooOld)
        #expect(decode(#"{"v":1,"ts":-5}"#).reason == .tooOld)
    }

    @Test(arguments: [
        ("[1,2]", QuarantineReason.invalidPayload),
        ("42", .invalidPayload),
        (#""text""#, .invalidPayload),
        ("null", .invalidPayload),
        (#"{"a":[1,2]}"#, .invalidPayload),
        (#"{"a":{"b":[]}}"#, .invalidPayload),
        (#"{"a":1e999}"#, .nonFinite),
        (#"{"a":-1e400}"#, .nonFinite),
        (#"{"a/b":1}"#, .invalidPayload),
        (#"{"":1}"#, .invalidPayload),
        (#"{"a\u0001":1}"#, .invalidPayload),
        (#"{"a\u0085":1}"#, .invalidPayload),
        (#"{"a/b":"x"}"#, .invalidPayload),
        ("", .invalidJSON),
        ("   ", .invalidJSON),
        ("{", .invalidJSON),
        (#"{"a":1,}"#, .invalidJSON),
        (#"{"a":1}x"#, .invalidJSON),
        (#"{"a":01}"#, .invalidJSON),
        (#"{"a":1.}"#, .invalidJSON),
        (#"{"a":.5}"#, .invalidJSON),
        (#"{"a":+1}"#, .invalidJSON),
        (#"{"a":NaN}"#, .invalidJSON),
        (#"{"a":tru}"#, .invalidJSON),
        (#"{'a':1}"#, .invalidJSON),
        (#"{"a":"x\qy"}"#, .invalidJSON),
        (#"{"a":"\ud800"}"#, .invalidJSON),
        (#"{"a":"\udc00"}"#, .invalidJSON),
        (#"{"a":"\u12"}"#, .invalidJSON),
        ("{\"a\":\"tab\there\"}", .invalidJSON),
        (#"{"a":[1,2}"#, .invalidJSON),  // invalid JSON wins over the unsupported array
        (#"{"a":1e999,"b":}"#, .invalidJSON),  // and over a value error
    ])
    func quarantines(payload: String, reason: QuarantineReason) {
        let result = decode(payload)
        #expect(result.reason == reason, "\(payload): \(result)")
        #expect(!result.detail.isEmpty)
    }

    @Test func firstValueErrorIsReported() {
        let result = decode(#"{"ok":1,"a":[1],"b":1e999}"#)
        #expect(result.reason == .invalidPayload)
        #expect(result.detail.contains("\"a\""))
        #expect(decode(#"{"b":1e999,"a":[1]}"#).reason == .nonFinite)
    }

    @Test func metricNameLengthLimitIsInBytes() {
        let ok = String(repeating: "é", count: 64)  // 128 bytes
        #expect(decode(#"{"\#(ok)":1}"#).values == [ok: 1])
        #expect(decode(#"{"\#(ok)x":1}"#).reason == .invalidPayload)
        let nested = String(repeating: "a", count: 100)
        #expect(decode(#"{"\#(nested)":{"\#(nested)":1}}"#).reason == .invalidPayload)
        #expect(decode(#"{"\#(nested)":{"\#(nested)":null}}"#).reason == .noNumericField)
        let huge = String(repeating: "k", count: 1000)
        #expect(decode(#"{"\#(huge)":{"\#(huge)":1}}"#).reason == .invalidPayload)
    }

    @Test func nestingLimit() {
        func nested(_ depth: Int) -> String {
            String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        }
        #expect(decode(nested(32)).values.count == 1)
        #expect(decode(nested(33)).reason == .invalidPayload)
        #expect(decode(String(repeating: "[", count: 10_000)).reason == .invalidPayload)
    }

    @Test func repeatedNamesKeepPayloadOrder() {
        #expect(decode(#"{"a":1,"a":2}"#).readings.map(\.value) == [1, 2])
    }

    @Test func detailNeverContainsTheWholePayload() {
        let long = String(repeating: "x", count: 5000)
        for payload in [#"{"\#(long)/":1}"#, #"{"a":"\#(long)","#, #"{"ts":"\#(long)","a":1}"#] {
            let result = decode(payload)
            #expect(result.reason != nil)
            #expect(result.detail.count < 200, "\(result.detail)")
        }
    }
}
