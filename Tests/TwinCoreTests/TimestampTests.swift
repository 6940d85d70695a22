import Testing
@testable import TwinCore

struct TimestampTests {
    func parse(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBytes { Timestamp.parseRFC3339($0) }
    }

    // Expected values computed independently with Python's datetime.
    @Test(arguments: [
        ("2024-11-25T02:00:00Z", 1_732_500_000_000 as Int64),
        ("2024-11-25T02:00:00.123Z", 1_732_500_000_123),
        ("2024-11-25T03:30:00+01:30", 1_732_500_000_000),
        ("2024-11-24T21:00:00.5-05:00", 1_732_500_000_500),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-03-01T00:00:00Z", 951_868_800_000),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2024-11-25t02:00:00.000000001z", 1_732_500_000_000),
        ("2016-12-31T23:59:60Z", 1_483_228_800_000),  // leap second counts as the next minute's first second
    ])
    func rfc3339(text: String, millis: Int64) {
        #expect(parse(text) == millis)
    }

    @Test(arguments: [
        "2024-11-25", "2024-11-25T02:00Z", "2024-11-25T02:00:00", "2024-11-25T02:00:00+0100",
        "2024-11-25T02:00:00+24:00",
        "2024-00-10T00:00:00Z", "2024-04-31T00:00:00Z", "1900-02-29T00:00:00Z", "2024-11-25T02:60:00Z",
        "2024-11-25T02:00:61Z", "2024-11-25T02:00:00ZZ", "24-11-25T02:00:00Z", "2024-11-25X02:00:00Z", "",
        "2024-11-25T02:00:00.Z", "+2024-11-25T02:00:00Z",
    ])
    func rejectedTimes(text: String) {
        #expect(parse(text) == nil)
    }

    @Test func epochNumbers() {
        #expect(Timestamp.millis(epoch: 1_732_500_000) == 1_732_500_000_000)
        #expect(Timestamp.millis(epoch: 1_732_500_000.001) == 1_732_500_000_001)
        #expect(Timestamp.millis(epoch: 1_732_500_000_000) == 1_732_500_000_000)
        #expect(Timestamp.millis(epoch: 1e300) == nil)
        #expect(Timestamp.millis(epoch: .nan) == nil)
    }
}
