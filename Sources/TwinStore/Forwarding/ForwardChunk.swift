import TwinCore

/// The readings of one commit, as one `forward_queue` row: one insert per batch instead of one per reading, which
/// is what made queueing cost ingest about a tenth of its rate (`scripts/bench.d/forward`, "queueing only").
///
/// Layout (``CompactCoding``'s primitives): a varint count, then per reading, in commit order, the series id as a
/// varint, the timestamp as a zigzag varint delta from the previous reading's (the first from 0), and the value as
/// 8 little-endian bytes, so a value comes back bit for bit. About 12 bytes per reading.
public struct ForwardChunk: Sendable, Equatable {
    public var seriesIDs: [Int64] = []
    public var timestamps: [Int64] = []
    public var values: [Double] = []

    public init() {}

    public var count: Int { timestamps.count }
    public var isEmpty: Bool { timestamps.isEmpty }
    /// The oldest timestamp in the chunk (what the lag is measured from).
    public var oldest: Int64? { timestamps.min() }

    public mutating func append(series: Int64, timestamp: Int64, value: Double) {
        seriesIDs.append(series)
        timestamps.append(timestamp)
        values.append(value)
    }

    /// The chunk without its first `count` readings (what the backlog cap leaves of the oldest chunk).
    public func dropping(first count: Int) -> ForwardChunk {
        var rest = ForwardChunk()
        rest.seriesIDs = Array(seriesIDs.dropFirst(count))
        rest.timestamps = Array(timestamps.dropFirst(count))
        rest.values = Array(values.dropFirst(count))
        return rest
    }

    public func encoded() -> [UInt8] {
        var writer = CompactCoding.Writer()
        writer.bytes.reserveCapacity(2 + count * 12)
        writer.varint(UInt64(count))
        var previous: Int64 = 0
        for index in 0..<count {
            writer.varint(UInt64(bitPattern: seriesIDs[index]))
            writer.zigzag(timestamps[index] &- previous)
            writer.double(values[index])
            previous = timestamps[index]
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws {
        var reader = CompactCoding.Reader(bytes: bytes)
        let count = try reader.count()
        seriesIDs.reserveCapacity(count)
        timestamps.reserveCapacity(count)
        values.reserveCapacity(count)
        var previous: Int64 = 0
        for _ in 0..<count {
            seriesIDs.append(Int64(bitPattern: try reader.varint()))
            previous = previous &+ (try reader.zigzag())
            timestamps.append(previous)
            values.append(try reader.double())
        }
        guard reader.isAtEnd else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "bytes left over in a forward chunk"))
        }
    }
}
