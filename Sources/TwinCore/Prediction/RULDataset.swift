/// One asset life that ended in a failure: its readings (any order of metrics, time-ordered) and when it failed.
public struct RULLife: Sendable {
    public var asset: String
    public var readings: [Reading]
    /// Unix ms of the failure; readings after it are not part of this life.
    public var failureTime: Int64

    public init(asset: String, readings: [Reading], failureTime: Int64) {
        self.asset = asset
        self.readings = readings
        self.failureTime = failureTime
    }
}

/// Training samples: one feature vector per complete sample of a life, with the capped remaining life as target.
///
/// Features come from `RULFeatureState`, fed reading by reading exactly as a live `rul` rule feeds it.
public struct RULDataset: Sendable {
    public let spec: RULFeatureSpec
    public let cap: Double
    /// Row-major feature matrix, `count` × `spec.featureCount`.
    public private(set) var x: [Double] = []
    /// Capped remaining life in seconds.
    public private(set) var y: [Double] = []
    /// The life each sample belongs to (index into `lives`).
    public private(set) var life: [Int] = []
    public private(set) var lives: [(asset: String, length: Double)] = []

    public var count: Int { y.count }
    public var featureCount: Int { spec.featureCount }

    public init(spec: RULFeatureSpec, cap: Double) {
        self.spec = spec
        self.cap = cap
    }

    /// Adds the samples of one life; returns how many complete samples it had up to the failure.
    @discardableResult
    public mutating func add(_ lifeData: RULLife) -> Int {
        let index = Dictionary(uniqueKeysWithValues: spec.metrics.enumerated().map { ($1, $0) })
        var state = RULFeatureState(spec)
        var row: [Double] = []
        var added = 0
        var first: Int64?
        for reading in lifeData.readings where reading.timestamp <= lifeData.failureTime {
            guard let m = index[reading.metric],
                  state.take(metric: m, value: reading.value, at: reading.timestamp, alpha: spec.alpha) else {
                continue
            }
            first = first ?? reading.timestamp
            state.features(spec, into: &row)
            x += row
            y.append(Swift.min(cap, Double(lifeData.failureTime - reading.timestamp) / 1_000))
            life.append(lives.count)
            added += 1
        }
        if added > 0 {
            lives.append((lifeData.asset, Double(lifeData.failureTime - (first ?? lifeData.failureTime)) / 1_000))
        }
        return added
    }

    /// The samples whose life is in `keep` (by index), as a new data set.
    func subset(lives keep: Set<Int>) -> (x: [Double], y: [Double]) {
        var xs: [Double] = [], ys: [Double] = []
        let f = featureCount
        for i in 0..<count where keep.contains(life[i]) {
            xs += x[i * f..<(i + 1) * f]
            ys.append(y[i])
        }
        return (xs, ys)
    }

    /// The features of sample `i`.
    public func row(_ i: Int) -> [Double] {
        Array(x[i * featureCount..<(i + 1) * featureCount])
    }
}
