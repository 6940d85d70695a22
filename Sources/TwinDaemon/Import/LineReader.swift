#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file descriptor line by line in large chunks, so a file of any size is read in bounded memory.
///
/// Lines end with `\n`; a `\r` before it is dropped. The last line needs no line break.
public final class LineReader {
    /// The longest line accepted (a file without line breaks is not a CSV file).
    public static let maxLineBytes = 64 << 20
    private let descriptor: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    /// Bytes read from the descriptor so far.
    public private(set) var bytesRead: Int64 = 0
    /// Bytes up to the end of the line last handed out.
    public private(set) var bytesConsumed: Int64 = 0
    /// The number of the line last handed out, from 1.
    public private(set) var lineNumber = 0

    public init(descriptor: Int32, chunkBytes: Int = 1 << 20) {
        self.descriptor = descriptor
        buffer = .allocate(byteCount: chunkBytes, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// Calls `body` with every line (valid only during the call) and its number.
    public func forEachLine(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        var start = 0
        var end = 0
        var scanned = 0
        while true {
            if let newline = find(from: scanned, to: end) {
                var last = newline
                if last > start, buffer[last - 1] == UInt8(ascii: "\r") { last -= 1 }
                lineNumber += 1
                bytesConsumed = bytesRead - Int64(end - newline - 1)
                try body(UnsafeRawBufferPointer(rebasing: buffer[start..<last]), lineNumber)
                start = newline + 1
                scanned = start
                continue
            }
            scanned = end
            if start > 0 {
                if end > start {
                    buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start)
                }
                end -= start
                scanned -= start
                start = 0
            }
            if end == buffer.count {
                guard buffer.count < Self.maxLineBytes else {
                    throw ImportError("line \(lineNumber + 1) is longer than \(Self.maxLineBytes >> 20) MiB: "
                                      + "is this a text file with one record per line?")
                }
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
                buffer.deallocate()
                buffer = bigger
            }
            let count = read(descriptor, buffer.baseAddress! + end, buffer.count - end)
            if count < 0 {
                if errno == EINTR { continue }
                throw ImportError("cannot read the input: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                if end > start {
                    var last = end
                    if buffer[last - 1] == UInt8(ascii: "\r") { last -= 1 }
                    lineNumber += 1
                    bytesConsumed = bytesRead
                    try body(UnsafeRawBufferPointer(rebasing: buffer[start..<last]), lineNumber)
                }
                return
            }
            end += count
            bytesRead += Int64(count)
        }
    }

    private func find(from: Int, to: Int) -> Int? {
        guard from < to, let found = memchr(buffer.baseAddress! + from, Int32(UInt8(ascii: "\n")), to - from)
        else { return nil }
        return buffer.baseAddress!.distance(to: found)
    }
}
