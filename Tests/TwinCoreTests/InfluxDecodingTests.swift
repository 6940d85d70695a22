import Testing
import TwinCore

private let now = DecodingFixture.now

struct InfluxDecodingTests {
    let influx = try! DecodingFixture.decoder("influx/{asset}", .influx)
    let tagged = try! DecodingFixture.decoder("influx/ingest", .influx)
    let nanos = "1732500000000000000"

    @Test func fieldTypes() {
        let payload = #"motor temp=71.5,rpm=1200i,count=7u,on=true,off=F,mode="auto" \#(nanos)"#
        let result = influx.decode("influx/m1", payload)
        #expect(result.readings == [
            Reading(asset: "m1", metric: "motor.temp", timestamp: now, value: 71.5),
            Reading(asset: "m1", metric: "motor.rpm", timestamp: now, value: 1200),
            Reading(asset: "m1", metric: "motor.count", timestamp: now, value: 7),
            Reading(asset: "m1", metric: "motor.on", timestamp: now, value: 1),
            Reading(asset: "m1", metric: "motor.off", timestamp: now, value: 0),
        ])
        #expect(result.properties == [PropertyUpdate(asset: "m1", key: "motor.mode", value: "auto", timestamp: now)])
    }

    @Test(arguments: ["t", "T", "true", "True", "TRUE"])
    func trueSpellings(word: String) {
        #expect(influx.decode("influx/m1", "m b=\(word)").values == ["m.b": 1])
    }

    @Test func multipleLinesWithOwnTimestamps() {
        let payload = """
            # a comment
            env temp=20.5 1732499990000000000
            env temp=21.0 1732499995500000000\r

            env,room=a hum=40i
            """
        let result = influx.decode("influx/m1", payload)
        #expect(result.readings == [
            Reading(asset: "m1", metric: "env.temp", timestamp: now - 10_000, value: 20.5),
            Reading(asset: "m1", metric: "env.temp", timestamp: now - 4_500, value: 21),
            Reading(asset: "m1", metric: "env.hum", timestamp: now, value: 40),
        ])
    }

    @Test func nanosecondsTruncateToMilliseconds() {
        #expect(influx.decode("influx/m1", "m v=1 1732500000000999999").readings.map(\.timestamp) == [now])
    }

    @Test func escapes() {
        let payload = #"my\ meas\,x,tag\ key=a\ b\=c fi\=eld\ 1=1,back\\slash=2,s="say \"hi\" \\ \n""#
        let result = influx.decode("influx/m1", payload)
        #expect(result.values == ["my meas,x.fi=eld 1": 1, "my meas,x.back\\slash": 2])
        #expect(result.properties.map(\.value) == [#"say "hi" \ \n"#])
    }

    @Test func assetFromTagWhenTheTopicHasNone() {
        let result = tagged.decode("influx/ingest", "m,site=x,asset=press-7 v=1\nm,asset=press-8 v=2")
        #expect(result.readings.map(\.asset) == ["press-7", "press-8"])
        #expect(tagged.decode("influx/ingest", "m,site=x v=1").reason == .invalidPayload)
        #expect(tagged.decode("influx/ingest", "m,asset=bad\\ id v=1").reason == .invalidAssetID)
        #expect(tagged.decode("influx/ingest", "m,asset=a/b v=1").reason == .invalidAssetID)
    }

    @Test func topicAssetWinsOverTag() {
        #expect(influx.decode("influx/m1", "m,asset=other v=1").readings.map(\.asset) == ["m1"])
    }

    @Test(arguments: [
        ("m", QuarantineReason.invalidPayload),
        ("m ", .invalidPayload),
        ("m v", .invalidPayload),
        ("m v=", .invalidPayload),
        ("m =1", .invalidPayload),
        (" v=1", .invalidPayload),
        (",t=1 v=1", .invalidPayload),
        ("m,t v=1", .invalidPayload),
        ("m,t= v=1", .invalidPayload),
        ("m v=1,", .invalidPayload),
        ("m v=abc", .invalidPayload),
        ("m v=1.5i", .invalidPayload),
        ("m v=-1u", .invalidPayload),
        ("m v=99999999999999999999i", .invalidPayload),
        (#"m v="open"#, .invalidPayload),
        (#"m\x v=1"#, .invalidPayload),
        ("m\\", .invalidPayload),
        ("m v=1 x", .invalidTimestamp),
        ("m v=1 1.5e18", .invalidTimestamp),
        ("m v=1 99999999999999999999", .invalidTimestamp),
        ("m v=1 1732500000000000000 extra", .invalidPayload),
        ("m v=1 1", .tooOld),
        ("m v=1 9000000000000000000", .futureTimestamp),
        ("m v=nan", .nonFinite),
        ("m v=-Inf", .nonFinite),
        ("m v=1e999", .nonFinite),
        ("m a/b=1", .invalidPayload),
        ("", .noNumericField),
        ("# only a comment\n\n", .noNumericField),
    ])
    func quarantines(payload: String, reason: QuarantineReason) {
        let result = influx.decode("influx/m1", payload)
        #expect(result.reason == reason, "\(payload): \(result)")
    }

    @Test func oneBadLineQuarantinesTheMessage() {
        let result = influx.decode("influx/m1", "m v=1\nm v=oops\nm v=3")
        #expect(result.reason == .invalidPayload)
        #expect(result.detail.hasPrefix("line 2"))
    }

    @Test func integersBeyondDoublePrecisionRound() {
        #expect(influx.decode("influx/m1", "m v=9007199254740993i,u=18446744073709551615u").values
            == ["m.v": 9_007_199_254_740_992, "m.u": 18_446_744_073_709_551_616])
        #expect(influx.decode("influx/m1", "m v=-9223372036854775808i").values == ["m.v": -9_223_372_036_854_775_808])
        #expect(influx.decode("influx/m1", "m v=9223372036854775808i").reason == .invalidPayload)
    }
}
