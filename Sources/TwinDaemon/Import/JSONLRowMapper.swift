import TwinCore

/// Maps one JSONL line to readings: a long row `{"asset": …, "ts": …, "metric": "temp", "value": 71.5}` or a wide
/// one `{"asset": …, "ts": …, "temp": 71.5, "rpm": 1480}` (nested objects flatten to `motor.rpm`). Text fields
/// other than the asset (and `metric` in a long row) are ignored.
public struct JSONLRowMapper: Sendable {
    private let mapping: ImportMapping
    private let assetKey: String
    private let timeKey: String
    private let metricFilter: Set<String>?
    private var namer: AssetNamer

    public init(mapping: ImportMapping) throws(ImportError) {
        self.mapping = mapping
        assetKey = mapping.assetColumn ?? "asset"
        timeKey = mapping.timeColumn ?? "ts"
        metricFilter = mapping.metrics.map(Set.init)
        namer = AssetNamer(prefix: mapping.assetPrefix, digits: mapping.assetDigits)
        if timeKey == "ts", mapping.time.unit != .auto || mapping.time.origin != nil {
            throw ImportError("in JSONL a top-level ts is read as in live ingest (Unix ms, Unix s, RFC 3339); "
                              + "--time-unit and --start-time apply to another key named with --time-column")
        }
    }

    public mutating func map(_ line: UnsafeRawBufferPointer, into readings: inout [Reading]) -> RowProblem? {
        let decoded: JSONLineDecoder.Line
        switch JSONLineDecoder.decode(line) {
        case .success(let value): decoded = value
        case .failure(let failure): return RowProblem(failure.reason.rawValue, failure.detail)
        }
        let asset: String
        if let fixed = mapping.asset {
            asset = fixed
        } else {
            var raw: String
            if let text = decoded.strings.first(where: { $0.name == assetKey })?.value {
                raw = text
            } else if let number = decoded.numbers.first(where: { $0.name == assetKey })?.value,
                number == number.rounded(), abs(number) < 1e15 {
                raw = String(Int64(number))
            } else {
                return RowProblem(RowProblem.missingAsset, "no \"\(assetKey)\" text field (or use --asset NAME)")
            }
            let named = raw.withUTF8 { namer.name(UnsafeRawBufferPointer($0)) }
            switch named {
            case .success(let name): asset = name
            case .failure(let problem): return problem
            }
        }
        var timestamp: Int64
        if timeKey == "ts" {
            guard let ts = decoded.timestamp else { return RowProblem(RowProblem.missingTime, "no \"ts\" field") }
            timestamp = ts
        } else if let number = decoded.numbers.first(where: { $0.name == timeKey })?.value {
            switch mapping.time.millis(number: number) {
            case .success(let millis): timestamp = millis
            case .failure(let problem): return problem
            }
        } else if var text = decoded.strings.first(where: { $0.name == timeKey })?.value {
            switch text.withUTF8({ mapping.time.millis(field: UnsafeRawBufferPointer($0)) }) {
            case .success(let millis): timestamp = millis
            case .failure(let problem): return problem
            }
        } else {
            return RowProblem(RowProblem.missingTime, "no \"\(timeKey)\" field")
        }
        let mark = readings.count
        if let metric = decoded.strings.first(where: { $0.name == "metric" })?.value,
            let value = decoded.numbers.first(where: { $0.name == "value" })?.value {
            if let problem = ImportValue.metricNameProblem(metric) {
                return RowProblem(QuarantineReason.invalidPayload.rawValue, problem)
            }
            if metricFilter?.contains(metric) ?? true {
                readings.append(Reading(asset: asset, metric: metric, timestamp: timestamp, value: value))
            }
            return nil
        }
        for (name, value) in decoded.numbers where name != assetKey && name != timeKey {
            if metricFilter?.contains(name) ?? true {
                readings.append(Reading(asset: asset, metric: name, timestamp: timestamp, value: value))
            }
        }
        if readings.count == mark, metricFilter == nil {
            return RowProblem(QuarantineReason.noNumericField.rawValue, "the line holds no numeric field")
        }
        return nil
    }
}
