import Foundation
import Testing
@testable import TwinDaemon

struct LineReaderTests {
    /// Small chunks force the buffer to be compacted and to grow for a line longer than a chunk.
    @Test(arguments: [4, 8, 1 << 20])
    func linesAcrossChunkBoundaries(chunk: Int) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = "a,b\r\n\nthe longest line of them all\nx\nlast without newline"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let reader = LineReader(descriptor: descriptor, chunkBytes: chunk)
        var lines: [String] = []
        var numbers: [Int] = []
        try reader.forEachLine { line, number in
            lines.append(String(decoding: line, as: UTF8.self))
            numbers.append(number)
        }
        #expect(lines == ["a,b", "", "the longest line of them all", "x", "last without newline"])
        #expect(numbers == [1, 2, 3, 4, 5])
        #expect(reader.bytesRead == Int64(text.utf8.count))
        #expect(reader.bytesConsumed == reader.bytesRead)
    }
}
