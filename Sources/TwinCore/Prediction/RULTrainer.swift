import Foundation

/// Fits a `RULModel` to a `RULDataset` and cross-validates it with folds by asset (an asset's samples, over all its
/// lives, are never split between training and held-out data, or the score would flatter the model).
public struct RULTrainer: Sendable {
    public var method: RULModel.Method = .gbt
    public var boosting = GradientBoosting()
    public var ridge = RidgeRegression()
    /// Folds for the cross-validation (at most one per life); 0 or 1 skips it.
    public var folds = 5
    /// Seeds the assignment of lives to folds.
    public var seed: UInt64 = 42

    public init(method: RULModel.Method = .gbt, folds: Int = 5) {
        self.method = method
        self.folds = folds
    }

    /// Held-out predictions of the cross-validation: per sample its life, prediction and (capped) truth.
    public struct CrossValidation: Sendable {
        public var folds: Int
        public var predicted: [Double]
        public var actual: [Double]
        public var life: [Int]
        /// The fold each sample was held out in.
        public var fold: [Int]

        public var rmse: Double {
            guard !actual.isEmpty else { return .nan }
            let sum = zip(predicted, actual).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return (sum / Double(actual.count)).squareRoot()
        }

        public var mae: Double {
            guard !actual.isEmpty else { return .nan }
            return zip(predicted, actual).reduce(0.0) { $0 + abs($1.0 - $1.1) } / Double(actual.count)
        }

        /// The PHM08 score, averaged over the samples (late predictions cost more than early ones).
        public var score: Double {
            guard !actual.isEmpty else { return .nan }
            return zip(predicted, actual).reduce(0.0) { $0 + RULTrainer.phm08($1.0 - $1.1) } / Double(actual.count)
        }
    }

    /// The PHM08 challenge's asymmetric cost of one error (predicted − true, in cycles; here one cycle is taken as
    /// one second). Capped at e^100 so errors of days stay finite.
    public static func phm08(_ error: Double) -> Double {
        error < 0 ? exp(Swift.min(100, -error / 13)) - 1 : exp(Swift.min(100, error / 10)) - 1
    }

    /// Fits on every sample and cross-validates; the model carries the summary and a lower bound learned from the
    /// held-out errors.
    public func fit(_ data: RULDataset, twindVersion: String, created: String) -> RULModel {
        let scaling = Self.scaling(data)
        var model = fitOnly(x: data.x, y: data.y, spec: data.spec, cap: data.cap, scaling: scaling)
        model.twindVersion = twindVersion
        model.created = created
        let cv = crossValidate(data)
        if let cv {
            model.lowerBound = Self.lowerBound(cv, cap: data.cap)
        }
        let lengths = data.lives.map(\.length)
        var settings: [String: Double] = ["folds": Double(cv?.folds ?? 0), "seed": Double(seed)]
        switch method {
        case .gbt:
            settings["trees"] = Double(boosting.trees)
            settings["max_depth"] = Double(boosting.maxDepth)
            settings["learning_rate"] = boosting.learningRate
            settings["min_leaf"] = Double(boosting.minLeaf)
            settings["bins"] = Double(boosting.bins)
        case .linear:
            settings["lambda"] = ridge.lambda
        }
        model.training = .init(
            assets: Array(Set(data.lives.map(\.asset))).sorted(), lives: data.lives.count, samples: data.count,
            meanLife: lengths.isEmpty ? 0 : lengths.reduce(0, +) / Double(lengths.count),
            minLife: lengths.min() ?? 0, maxLife: lengths.max() ?? 0, folds: cv?.folds ?? 0,
            cvRMSE: cv?.rmse, cvMAE: cv?.mae, cvScore: cv?.score, settings: settings)
        return model
    }

    /// Cross-validation with folds by asset (all lives of an asset in one fold); nil with fewer than two assets or
    /// `folds` < 2.
    public func crossValidate(_ data: RULDataset) -> CrossValidation? {
        let lifeCount = data.lives.count
        var assets = Array(Set(data.lives.map(\.asset))).sorted()
        let k = Swift.min(folds, assets.count)
        guard k >= 2 else { return nil }
        var generator = SplitMix64(seed: seed)
        assets.shuffle(using: &generator)
        var foldOfAsset: [String: Int] = [:]
        for (position, asset) in assets.enumerated() { foldOfAsset[asset] = position % k }
        let foldOf = data.lives.map { foldOfAsset[$0.asset]! }

        var cv = CrossValidation(folds: k, predicted: [], actual: [], life: [], fold: [])
        var row: [Double] = []
        for fold in 0..<k {
            let training = Set((0..<lifeCount).filter { foldOf[$0] != fold })
            let (x, y) = data.subset(lives: training)
            let part = fitOnly(x: x, y: y, spec: data.spec, cap: data.cap, scaling: Self.scaling(x, data.featureCount))
            for i in 0..<data.count where foldOf[data.life[i]] == fold {
                row = data.row(i)
                cv.predicted.append(part.predict(row))
                cv.actual.append(data.y[i])
                cv.life.append(data.life[i])
                cv.fold.append(fold)
            }
        }
        return cv
    }

    private func fitOnly(x: [Double], y: [Double], spec: RULFeatureSpec, cap: Double,
                         scaling: [RULModel.Scale]) -> RULModel {
        var model = RULModel(
            twindVersion: "", created: "", method: method, features: spec, featureNames: spec.featureNames,
            scaling: scaling, cap: cap, linear: nil, trees: nil, lowerBound: nil,
            training: .init(assets: [], lives: 0, samples: y.count, meanLife: 0, minLife: 0, maxLife: 0, folds: 0,
                            cvRMSE: nil, cvMAE: nil, cvScore: nil, settings: [:]))
        switch method {
        case .gbt: model.trees = boosting.fit(x: x, y: y, featureCount: spec.featureCount)
        case .linear: model.linear = ridge.fit(x: x, y: y, scaling: scaling)
        }
        return model
    }

    static func scaling(_ data: RULDataset) -> [RULModel.Scale] {
        scaling(data.x, data.featureCount)
    }

    static func scaling(_ x: [Double], _ f: Int) -> [RULModel.Scale] {
        let n = f == 0 ? 0 : x.count / f
        return (0..<f).map { j in
            guard n > 0 else { return .init(mean: 0, std: 1) }
            var sum = 0.0
            for i in 0..<n { sum += x[i * f + j] }
            let mean = sum / Double(n)
            var squares = 0.0
            for i in 0..<n { squares += (x[i * f + j] - mean) * (x[i * f + j] - mean) }
            let std = (squares / Double(n)).squareRoot()
            return .init(mean: mean, std: std > 1e-12 ? std : 1)
        }
    }

    /// Per band of predicted value (five equal bands up to the cap), the 10th percentile of (true − predicted).
    static func lowerBound(_ cv: CrossValidation, cap: Double) -> RULModel.LowerBound {
        let bands = 5
        let edges = (1...bands).map { cap * Double($0) / Double(bands) }
        var errors = Array(repeating: [Double](), count: bands)
        for (p, a) in zip(cv.predicted, cv.actual) {
            let band = edges.firstIndex { p <= $0 } ?? bands - 1
            errors[band].append(a - p)
        }
        let all = zip(cv.actual, cv.predicted).map { $0 - $1 }.sorted()
        let quantile = 0.1
        func q(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * quantile))]
        }
        let offsets = errors.map { Swift.min(0, $0.count >= 20 ? q($0) : q(all)) }
        return .init(bandEdges: edges, offsets: offsets, quantile: quantile)
    }
}
