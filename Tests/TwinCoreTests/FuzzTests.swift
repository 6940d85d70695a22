import Testing
import TwinCore

private let now = DecodingFixture.now

/// Random and mutated payloads: the decoder never crashes, and whatever it decodes passes validation.
struct FuzzTests {
    static let decoder = MessageDecoder(routes: [
        try! Route(template: "j/{asset}", format: .json),
        try! Route(template: "p/{asset}/{group}", format: .json, metric: "{group}"),
        try! Route(template: "n/{asset}/{metric}", format: .number),
        try! Route(template: "s/{asset}", format: .senml),
        try! Route(template: "i/{asset}", format: .influx),
        try! Route(template: "tagged", format: .influx),
    ])

    static let seeds: [(topic: String, payload: String)] = [
        ("j/m1", #"{"ts":1732500000000,"temp":71.5,"pressure":2.1,"vibration":0.02,"current":12.0}"#),
        ("j/m1", #"{"motor":{"temp":-1.5e2,"on":true,"mode":"a\"u\u00e9to"},"x":null,"ts":"2024-11-25T02:00:00.5Z"}"#),
        ("p/m1/motor", #"{"temp":1,"s":"x"}"#),
        ("n/m1/temp", " 71.5e-1\n"),
        ("s/m1", #"[{"bn":"dev:","bt":1732500000,"n":"v","v":1.5},{"n":"b","vb":true,"t":-1},{"n":"s","vs":"x"}]"#),
        ("i/m1", "motor,line=a temp=71.5,rpm=12i,on=t,mode=\"auto\" 1732500000000000000\nenv hum=40u"),
        ("tagged", "m\\ x,asset=press-7 f\\=1=1,s=\"q\\\"\""),
    ]

    static let tokens: [String] = [
        "{", "}", "[", "]", "\"", "\\", ",", ":", "=", " ", "\n", "1e999", "-", ".", "e", "\\u", "\\ud800", "null",
        "true", "nan", "i", "u", "0", "9999999999999999999999", "\u{00}", "é", "😀", "/", "#",
    ]

    @Test func randomBytes() {
        var random = SplitMix64(seed: 1)
        let structural = Array("{}[]\",:= \\.-+0123456789eEtrufalsn#\ni".utf8)
        for iteration in 0..<2000 {
            let length = Int.random(in: 0...48, using: &random)
            let payload: [UInt8] = (0..<length).map { _ in
                iteration.isMultiple(of: 2)
                    ? UInt8.random(in: 0...255, using: &random) : structural.randomElement(using: &random)!
            }
            let topic = Self.seeds.randomElement(using: &random)!.topic
            check(topic: topic, payload: payload)
        }
    }

    @Test func mutatedValidPayloads() {
        // Every seed decodes before it is mutated, so mutations start from deep inside each parser.
        for seed in Self.seeds {
            #expect(Self.decoder.decode(seed.topic, seed.payload).isDecoded, "\(seed)")
        }
        var random = SplitMix64(seed: 2)
        for _ in 0..<4000 {
            let seed = Self.seeds.randomElement(using: &random)!
            var payload = Array(seed.payload.utf8)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                mutate(&payload, &random)
            }
            check(topic: seed.topic, payload: payload)
        }
    }

    @Test func mutatedTopics() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            let seed = Self.seeds.randomElement(using: &random)!
            var topic = Array(seed.topic.utf8)
            mutate(&topic, &random)
            check(topic: String(decoding: topic, as: UTF8.self), payload: Array(seed.payload.utf8))
        }
    }

    private func mutate(_ bytes: inout [UInt8], _ random: inout SplitMix64) {
        let position = Int.random(in: 0...bytes.count, using: &random)
        switch Int.random(in: 0..<5, using: &random) {
        case 0 where position < bytes.count:
            bytes[position] = UInt8.random(in: 0...255, using: &random)
        case 1 where position < bytes.count:
            bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...4, using: &random)))
        case 2:
            bytes.removeSubrange(position...)
        case 3:
            bytes.insert(contentsOf: Self.tokens.randomElement(using: &random)!.utf8, at: position)
        default:
            bytes.insert(UInt8.random(in: 0...127, using: &random), at: position)
        }
    }

    private func check(topic: String, payload: [UInt8]) {
        let result = Self.decoder.decode(topic: topic, payload: payload, receivedAt: now)
        if let problem = Self.violation(in: result, receivedAt: now, limits: DecodeLimits()) {
            Issue.record("\(problem): topic \(topic), payload \(payload), result \(result)")
        }
    }

    /// What is wrong with a result, judged with rules written out here rather than borrowed from the decoder.
    static func violation(in result: DecodeResult, receivedAt: Int64, limits: DecodeLimits) -> String? {
        switch result {
        case .quarantined(_, let detail):
            return detail.isEmpty || detail.count > 300 ? "bad detail" : nil
        case .decoded(let readings, let properties):
            if readings.isEmpty && properties.isEmpty { return "decoded nothing" }
            let window = (receivedAt - limits.maxAgeMillis)...(receivedAt + limits.maxFutureSkewMillis)
            for reading in readings {
                if !reading.value.isFinite { return "non-finite value" }
                if !window.contains(reading.timestamp) { return "timestamp outside the window" }
                if let problem = assetProblem(reading.asset) ?? nameProblem(reading.metric) { return problem }
            }
            for property in properties {
                if !window.contains(property.timestamp) { return "timestamp outside the window" }
                if let problem = assetProblem(property.asset) ?? nameProblem(property.key) { return problem }
            }
            return nil
        }
    }

    static func assetProblem(_ asset: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-".unicodeScalars)
        let ok = (1...128).contains(asset.utf8.count) && asset.unicodeScalars.allSatisfy(allowed.contains)
        return ok ? nil : "invalid asset \(asset)"
    }

    static func nameProblem(_ name: String) -> String? {
        let ok = (1...128).contains(name.utf8.count) && !name.contains("/")
            && !name.unicodeScalars.contains { $0.properties.generalCategory == .control }
        return ok ? nil : "invalid name \(name.debugDescription)"
    }
}
