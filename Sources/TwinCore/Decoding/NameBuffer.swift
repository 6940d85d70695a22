/// Stack-backed bytes in which metric names are assembled before they become `String`s.
///
/// Only names of at most `NameRules.maxMetricBytes` are valid, so bytes beyond `capacity` are counted but not
/// stored; such a name fails validation when it is made.
struct NameBuffer {
    static let capacity = 256

    private let storage: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    /// Calls `body` with an empty buffer that lives as long as the call.
    static func withBuffer<R>(_ body: (inout NameBuffer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { storage in
            var buffer = NameBuffer(storage: storage)
            return body(&buffer)
        }
    }

    private init(storage: UnsafeMutableRawBufferPointer) {
        self.storage = storage
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let stored = min(bytes.count, max(0, Self.capacity - count))
        if stored > 0 {
            UnsafeMutableRawBufferPointer(rebasing: storage[count..<(count + stored)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<stored]))
        }
        count += bytes.count
    }

    mutating func append(_ byte: UInt8) {
        if count < Self.capacity {
            storage[count] = byte
        }
        count += 1
    }

    mutating func truncate(to count: Int) {
        self.count = count
    }

    /// The bytes stored so far; shorter than `count` once the capacity is exceeded.
    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[0..<min(count, Self.capacity)])
    }

    /// The contents as a metric or property name; throws `invalidPayload` if it breaks `NameRules`.
    func makeName() throws(DecodeFailure) -> String {
        if let problem = NameRules.metricProblem(bytes, count: count) {
            throw DecodeFailure(.invalidPayload, problem)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
