import Testing
@testable import TwinCore

private let now = DecodingFixture.now

struct ValidationTests {
    let json = try! DecodingFixture.decoder("twin/{asset}/telemetry", .json)

    @Test func oversizeIsCheckedFirst() throws {
        let small = try DecodingFixture.decoder("twin/{asset}", .json, limits: DecodeLimits(maxPayloadBytes: 10))
        #expect(small.decode("twin/m1", #"{"a":1234}"#).isDecoded)  // exactly 10 bytes
        let result = small.decode("twin/m1", #"{"a":12345}"#)
        #expect(result.reason == .oversize)
        #expect(result.detail == "the payload is 11 bytes; the limit is 10")
        // Before routing and before parsing.
        #expect(small.decode("no/route", "\u{FF}not json at all").reason == .oversize)
    }

    @Test(arguments: ["twin/bad id/telemetry", "twin//telemetry", "twin/ünï/telemetry", "twin/a,b/telemetry",
                      "twin/\(String(repeating: "a", count: 129))/telemetry"])
    func invalidAssetIDs(topic: String) {
        #expect(json.decode(topic, #"{"a":1}"#).reason == .invalidAssetID)
    }

    @Test func assetIDCharactersAndLength() {
        let longest = String(repeating: "a", count: 128)
        #expect(json.decode("twin/\(longest)/telemetry", #"{"a":1}"#).readings.map(\.asset) == [longest])
        #expect(json.decode("twin/Az09_.:-/telemetry", #"{"a":1}"#).readings.map(\.asset) == ["Az09_.:-"])
    }

    @Test func composedAssetLongerThanTheLimit() throws {
        let composed = try DecodingFixture.decoder("p/{site}/{asset}", .json, asset: "{site}.{asset}")
        let part = String(repeating: "a", count: 64)
        #expect(composed.decode("p/\(part)/\(part)", #"{"a":1}"#).reason == .invalidAssetID)  // 129 bytes
        let long = String(repeating: "a", count: 300)
        #expect(composed.decode("p/\(long)/\(long)", #"{"a":1}"#).reason == .invalidAssetID)
    }

    @Test(arguments: [
        [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80],
        [0xF8, 0x88, 0x80, 0x80],
    ] as [[UInt8]])
    func invalidUTF8(bad: [UInt8]) {
        let payload = Array(#"{"a":1,"s":""#.utf8) + bad + Array(#""}"#.utf8)
        #expect(json.decode(topic: "twin/m1/telemetry", payload: payload, receivedAt: now).reason == .invalidUTF8)
    }

    @Test func validatorAgreesWithTheStandardLibrary() {
        var random = SplitMix64(seed: 11)
        let pieces: [[UInt8]] = [
            [0x41], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF], [0x80], [0xC2], [0xE0, 0x9F, 0x80], [0xED, 0xB0, 0x80], [0xF5], [0xC1, 0xBF],
        ]
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                if Int.random(in: 0..<4, using: &random) == 0 {
                    bytes.append(UInt8.random(in: 0...255, using: &random))
                } else {
                    bytes += pieces.randomElement(using: &random)!
                }
            }
            let ours = bytes.withUnsafeBytes { UTF8Validation.firstInvalidOffset($0) } == nil
            #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "\(bytes)")
        }
    }

    @Test(arguments: [
        "{\"a\\u0000\":1}", "{\"a\\u007f\":1}", "{\"a\\u009f\":1}", "{\"a\\nb\":1}", "{\"/\":1}",
    ])
    func metricNamesWithoutControlsOrSlashes(payload: String) {
        #expect(json.decode("twin/m1/telemetry", payload).reason == .invalidPayload)
    }

    @Test func customLimits() throws {
        let strict = try DecodingFixture.decoder(
            "twin/{asset}", .json,
            limits: DecodeLimits(maxPayloadBytes: 100, maxFutureSkewMillis: 0, maxAgeMillis: 1000)
        )
        #expect(strict.decode("twin/m1", #"{"a":1,"ts":\#(now)}"#).isDecoded)
        #expect(strict.decode("twin/m1", #"{"a":1,"ts":\#(now + 1)}"#).reason == .futureTimestamp)
        #expect(strict.decode("twin/m1", #"{"a":1,"ts":\#(now - 1000)}"#).isDecoded)
        #expect(strict.decode("twin/m1", #"{"a":1,"ts":\#(now - 1001)}"#).reason == .tooOld)
        #expect(DecodeLimits().maxPayloadBytes == 65_536)
        #expect(DecodeLimits().maxAgeMillis == 2_592_000_000)
    }

    /// One reachable example per quarantine reason, so a new reason without a path here fails this test.
    @Test func everyReasonIsReachable() throws {
        let decoder = MessageDecoder(
            routes: [
                try Route(template: "j/{asset}", format: .json),
                try Route(template: "n/{asset}/{metric}", format: .number),
            ],
            limits: DecodeLimits(maxPayloadBytes: 64)
        )
        let examples: [QuarantineReason: (String, [UInt8])] = [
            .invalidUTF8: ("j/m1", [0x7B, 0xFF, 0x7D]),
            .invalidJSON: ("j/m1", Array("{".utf8)),
            .invalidPayload: ("j/m1", Array("[]".utf8)),
            .noNumericField: ("j/m1", Array("{}".utf8)),
            .nonFinite: ("n/m1/t", Array("nan".utf8)),
            .futureTimestamp: ("j/m1", Array(#"{"a":1,"ts":9999999999999}"#.utf8)),
            .tooOld: ("j/m1", Array(#"{"a":1,"ts":1}"#.utf8)),
            .invalidTimestamp: ("j/m1", Array(#"{"a":1,"ts":"x"}"#.utf8)),
            .invalidAssetID: ("j/m 1", Array("{}".utf8)),
            .oversize: ("j/m1", Array(repeating: 0x20, count: 65)),
            .noRoute: ("x/m1", Array("{}".utf8)),
        ]
        for reason in QuarantineReason.allCases {
            let example = try #require(examples[reason], "no example for \(reason)")
            let result = decoder.decode(topic: example.0, payload: example.1, receivedAt: now)
            #expect(result.reason == reason)
        }
    }
}
