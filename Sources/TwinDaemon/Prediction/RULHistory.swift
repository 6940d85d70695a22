import TwinCore
import TwinStore

/// Cuts stored history into asset lives that ended in a failure: what `twind model fit` learns from.
public enum RULHistory {
    public struct Lives: Sendable {
        public var lives: [RULLife] = []
        /// Assets that matched but gave no life, with the reason.
        public var skipped: [(asset: String, reason: String)] = []
    }

    /// Each `failure` maintenance event of an asset ends a life that began after the previous failure or repair
    /// (or at its first reading). With `runToFailure`, the readings after the last such event form a life that ended
    /// at the asset's last reading (a run-to-failure data set without recorded failures).
    public static func lives(reader: TwinStoreReader, assetGlob: String, metrics: [String],
                             runToFailure: Bool) throws -> Lives {
        var result = Lives()
        let wanted = Set(metrics)
        var events: [String: [MaintenanceEvent]] = [:]
        for event in try reader.maintenance(asset: nil, limit: nil)
        where event.kind == .failure || event.kind == .repair {
            events[event.asset, default: []].append(event)
        }
        try reader.replayHistory(assetGlob: assetGlob, from: nil, to: nil) { readings in
            guard let asset = readings.first?.asset else { return }
            let own = readings.filter { wanted.contains($0.metric) }
            guard let last = own.last else {
                result.skipped.append((asset, "none of the metrics \(metrics.joined(separator: ","))"))
                return
            }
            var cuts = (events[asset] ?? []).sorted { $0.timestamp < $1.timestamp }
                .map { (time: $0.timestamp, failure: $0.kind == .failure) }
            if runToFailure, cuts.last.map({ $0.time < last.timestamp }) ?? true {
                cuts.append((last.timestamp, true))
            }
            guard cuts.contains(where: \.failure) else {
                result.skipped.append((asset, "no failure recorded (record one with `twind maintenance record "
                                       + "--kind failure`, or pass --run-to-failure)"))
                return
            }
            var start = Int64.min
            var index = 0
            for cut in cuts {
                let begin = index
                while index < own.count, own[index].timestamp <= cut.time { index += 1 }
                if cut.failure, index > begin, own[begin].timestamp > start || start == .min {
                    result.lives.append(RULLife(asset: asset, readings: Array(own[begin..<index]),
                                                failureTime: cut.time))
                }
                start = cut.time
            }
        }
        return result
    }
}
