import Testing
import TwinCore

private let now = DecodingFixture.now

struct SenMLDecodingTests {
    let senml = try! DecodingFixture.decoder("senml/{asset}", .senml)

    func decode(_ payload: String) -> DecodeResult {
        senml.decode("senml/m1", payload)
    }

    @Test func rfcExampleWithBaseFields() {
        // RFC 8428 §5.1.2, with times shifted to the test's receive time (1732500000 s).
        let result = decode("""
            [{"bn":"urn:dev:ow:10e2073a01080063:","bt":1.7325e9,"bu":"A","bver":5,"n":"voltage","u":"V","v":120.1},
             {"n":"current","t":-5,"v":1.2},
             {"n":"current","t":-4,"v":1.3}]
            """)
        #expect(result.readings == [
            Reading(asset: "m1", metric: "urn:dev:ow:10e2073a01080063:voltage", timestamp: now, value: 120.1),
            Reading(asset: "m1", metric: "urn:dev:ow:10e2073a01080063:current", timestamp: now - 5000, value: 1.2),
            Reading(asset: "m1", metric: "urn:dev:ow:10e2073a01080063:current", timestamp: now - 4000, value: 1.3),
        ])
    }

    @Test func baseFieldsCarryOverAndChange() {
        let result = decode(
            #"[{"bn":"a.","n":"x","v":1},{"n":"y","v":2},{"bn":"b.","n":"x","v":3},{"bn":"","n":"z","v":4}]"#
        )
        #expect(result.readings.map(\.metric) == ["a.x", "a.y", "b.x", "z"])
    }

    @Test func baseValueIsAdded() {
        #expect(decode(#"[{"bv":100,"n":"a","v":1.5},{"n":"b","v":-1}]"#).values == ["a": 101.5, "b": 99])
    }

    @Test func booleanAndStringValues() {
        let result = decode(
            #"[{"n":"door","vb":true},{"n":"alarm","vb":false},{"n":"mode","vs":"auto"},{"n":"blob","vd":"AQI="}]"#
        )
        #expect(result.values == ["door": 1, "alarm": 0])
        #expect(result.properties == [
            PropertyUpdate(asset: "m1", key: "mode", value: "auto", timestamp: now),
            PropertyUpdate(asset: "m1", key: "blob", value: "AQI=", timestamp: now),
        ])
    }

    @Test func times() {
        // No time at all: the receive time.
        #expect(decode(#"[{"n":"a","v":1}]"#).readings.map(\.timestamp) == [now])
        // Absolute seconds with a fraction.
        #expect(decode(#"[{"n":"a","v":1,"t":1732499999.25}]"#).readings.map(\.timestamp) == [now - 750])
        // bt + t, absolute.
        #expect(decode(#"[{"bt":1732499000,"n":"a","v":1,"t":-10}]"#).readings.map(\.timestamp) == [1_732_498_990_000])
        // Relative (below 2^28 s): negative is in the past, positive in the future.
        #expect(decode(#"[{"n":"a","v":1,"t":-60},{"n":"b","v":1,"t":0.5}]"#).readings.map(\.timestamp)
            == [now - 60_000, now + 500])
        // 2^28 itself is absolute: 1978, far too old.
        #expect(decode(#"[{"n":"a","v":1,"t":268435456}]"#).reason == .tooOld)
        #expect(decode(#"[{"n":"a","v":1,"t":268435455}]"#).reason == .futureTimestamp)
        #expect(decode(#"[{"n":"a","v":1,"t":-86400000}]"#).reason == .tooOld)
        #expect(decode(#"[{"n":"a","v":1,"t":1e300}]"#).reason == .invalidTimestamp)
        #expect(decode(#"[{"n":"a","v":1,"t":1e999}]"#).reason == .invalidTimestamp)
    }

    @Test func recordsWithoutValueOnlySetBases() {
        #expect(decode(#"[{"bn":"dev."},{"n":"a","v":1},{"n":"ignored","u":"V"}]"#).values == ["dev.a": 1])
    }

    @Test func unknownFieldsAreIgnoredUnlessMustUnderstand() {
        #expect(decode(#"[{"n":"a","v":1,"ut":5,"s":3,"extra":{"x":[1]}}]"#).values == ["a": 1])
        #expect(decode(#"[{"n":"a","v":1,"new_":1}]"#).reason == .invalidPayload)
    }

    @Test(arguments: [
        ("[]", QuarantineReason.noNumericField),
        ("[{}]", .noNumericField),
        (#"{"n":"a","v":1}"#, .invalidPayload),
        (#"[1]"#, .invalidPayload),
        (#"[{"n":"a","v":"1"}]"#, .invalidPayload),
        (#"[{"n":1,"v":1}]"#, .invalidPayload),
        (#"[{"n":"a","vb":1}]"#, .invalidPayload),
        (#"[{"n":"a","vb":null}]"#, .invalidPayload),
        (#"[{"n":"a","v":1,"vs":"x"}]"#, .invalidPayload),
        (#"[{"v":1}]"#, .invalidPayload),
        (#"[{"n":"a/b","v":1}]"#, .invalidPayload),
        (#"[{"bver":11,"n":"a","v":1}]"#, .invalidPayload),
        (#"[{"n":"a","v":1e999}]"#, .nonFinite),
        (#"[{"bv":1e308,"n":"a","v":1e308}]"#, .nonFinite),
        (#"[{"n":"a","v":1},]"#, .invalidJSON),
        (#"[{"n":"a","v":[1}]"#, .invalidJSON),
        ("", .invalidJSON),
    ])
    func quarantines(payload: String, reason: QuarantineReason) {
        let result = decode(payload)
        #expect(result.reason == reason, "\(payload): \(result)")
    }

    @Test func oneBadRecordQuarantinesThePack() {
        let result = decode(#"[{"n":"a","v":1},{"n":"b","v":2,"t":1e12}]"#)
        #expect(result.reason == .futureTimestamp)
        #expect(result.detail.contains("1000000000000"))
    }
}
