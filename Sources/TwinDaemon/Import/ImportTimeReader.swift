import TwinCore

/// What the numbers (or texts) of the time column mean.
public enum ImportTimeUnit: String, CaseIterable, Sendable {
    /// Numbers below 1e11 are Unix seconds, others Unix milliseconds (as a JSON `ts`); text is RFC 3339.
    case auto
    case s, ms, us, ns
    case rfc3339

    /// Milliseconds per unit; nil for `rfc3339`.
    var millisPerUnit: Double? {
        switch self {
        case .auto, .s: 1_000
        case .ms: 1
        case .us: 0.001
        case .ns: 0.000_001
        case .rfc3339: nil
        }
    }
}

/// Turns the time field of a row into Unix milliseconds.
public struct ImportTimeReader: Sendable {
    public var unit: ImportTimeUnit
    /// When set, numbers count `unit`s from this instant (Unix ms) instead of from 1970: cycle 7 with `unit` s
    /// is origin + 7 s.
    public var origin: Int64?
    /// Read RFC 3339 times without an offset as UTC.
    public var assumeUTC: Bool

    public init(unit: ImportTimeUnit = .auto, origin: Int64? = nil, assumeUTC: Bool = false) {
        self.unit = unit
        self.origin = origin
        self.assumeUTC = assumeUTC
    }

    /// The time of a number, or a reason it has none.
    public func millis(number value: Double) -> Result<Int64, RowProblem> {
        let converted: Int64?
        if let origin {
            converted = ImportValue.millis(value * (unit.millisPerUnit ?? 1_000)).flatMap {
                let (sum, overflow) = origin.addingReportingOverflow($0)
                return overflow ? nil : sum
            }
        } else if unit == .auto {
            converted = ImportValue.epochMillis(value)
        } else if let factor = unit.millisPerUnit {
            converted = ImportValue.millis(value * factor)
        } else {
            return .failure(RowProblem(QuarantineReason.invalidTimestamp.rawValue,
                                       "time \(value) is a number, not an RFC 3339 time"))
        }
        guard let converted else {
            return .failure(RowProblem(QuarantineReason.invalidTimestamp.rawValue,
                                       "time \(value) is out of range"))
        }
        return .success(converted)
    }

    /// The time of a field's text, or a reason it has none.
    public func millis(field bytes: UnsafeRawBufferPointer) -> Result<Int64, RowProblem> {
        if unit != .rfc3339 {
            switch ImportValue.number(bytes) {
            case .finite(let value): return millis(number: value)
            case .nonFinite, .invalid: break
            }
            if unit != .auto || origin != nil {
                return .failure(RowProblem(QuarantineReason.invalidTimestamp.rawValue,
                                           "time \(quote(bytes)) is not a number of \(unit.rawValue)"))
            }
        }
        if let millis = ImportValue.rfc3339(bytes, assumingUTC: assumeUTC) { return .success(millis) }
        let hint = assumeUTC ? "" : " (with --utc a time without an offset is read as UTC)"
        return .failure(RowProblem(QuarantineReason.invalidTimestamp.rawValue,
                                   "time \(quote(bytes)) is not an RFC 3339 time with an offset\(hint)"))
    }
}

/// A field's text for a message, cut to 40 characters.
func quote(_ bytes: UnsafeRawBufferPointer) -> String {
    let text = String(decoding: bytes.prefix(40), as: UTF8.self)
    return "'" + text + (bytes.count > 40 ? "…'" : "'")
}
