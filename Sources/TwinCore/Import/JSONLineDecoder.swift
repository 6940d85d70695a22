/// Decodes one line of a JSONL import with the live `json` format's rules (see `JSONObjectDecoder`): numbers and
/// booleans become values, strings become text fields, nested objects flatten with `.`, a top-level `ts` is the
/// time (Unix ms, Unix s below 1e11, or RFC 3339 with an offset).
public enum JSONLineDecoder {
    /// One decoded line. The asset is not known yet: the caller picks it (and any other key) out of the fields.
    public struct Line: Sendable, Equatable {
        public var numbers: [(name: String, value: Double)]
        public var strings: [(name: String, value: String)]
        /// The top-level `ts`, nil without one.
        public var timestamp: Int64?

        public static func == (lhs: Line, rhs: Line) -> Bool {
            lhs.timestamp == rhs.timestamp && lhs.numbers.elementsEqual(rhs.numbers, by: { $0 == $1 })
                && lhs.strings.elementsEqual(rhs.strings, by: { $0 == $1 })
        }
    }

    /// The line's fields, or why it cannot be imported (a `QuarantineReason` and a short explanation).
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<Line, LineFailure> {
        // A receive time no timestamp can equal, and limits no timestamp can break: imports are history.
        let sentinel = Int64.min / 2
        var collector = ReadingCollector(
            receivedAt: sentinel,
            limits: DecodeLimits(maxPayloadBytes: .max, maxFutureSkewMillis: .max, maxAgeMillis: 0))
        guard UTF8Validation.firstInvalidOffset(bytes) == nil else {
            return .failure(LineFailure(reason: .invalidUTF8, detail: "the line is not valid UTF-8"))
        }
        let failure = NameBuffer.withBuffer { names -> LineFailure? in
            do throws(DecodeFailure) {
                try JSONObjectDecoder.decode(bytes, asset: "", names: &names, collector: &collector)
                return nil
            } catch {
                return LineFailure(reason: error.reason, detail: error.detail)
            }
        }
        if let failure { return .failure(failure) }
        let stamp = collector.readings.first?.timestamp ?? collector.properties.first?.timestamp
        return .success(Line(
            numbers: collector.readings.map { ($0.metric, $0.value) },
            strings: collector.properties.map { ($0.key, $0.value) },
            timestamp: stamp == sentinel ? nil : stamp))
    }

    /// Why a line was refused.
    public struct LineFailure: Error, Sendable, Equatable {
        public var reason: QuarantineReason
        public var detail: String
    }
}
