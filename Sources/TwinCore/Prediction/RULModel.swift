/// A fitted remaining-useful-life model: what it reads, how it scales it, and the fitted function, self-described so
/// the file can be read by a person (`twind model explain`) and evaluated by a `rul` rule.
///
/// Predictions are seconds of remaining life, clamped to [0, `cap`]: the target it was fitted on is the time to the
/// next failure, capped, because early in a life the data say "healthy", not how long it will last.
public struct RULModel: Sendable, Equatable, Codable {
    public static let formatName = "twind-rul-model"
    public static let formatVersion = 1

    public enum Method: String, Sendable, Equatable, Codable, CaseIterable {
        /// Gradient-boosted regression trees (least squares): captures the knee between a flat healthy phase and the
        /// accelerating wear before failure, which a linear model cannot.
        case gbt
        /// Ridge regression on the standardized features.
        case linear
    }

    public var format = Self.formatName
    public var formatVersion = Self.formatVersion
    /// The twind version that wrote the file.
    public var twindVersion: String
    /// When it was fitted (RFC 3339).
    public var created: String
    public var method: Method
    public var features: RULFeatureSpec
    /// The feature names, in order (for a reader; they follow from `features`).
    public var featureNames: [String]
    /// Mean and standard deviation of each feature over the training samples; the linear model reads standardized
    /// features, the trees read raw ones (the scaling is then informative only).
    public var scaling: [Scale]
    /// Seconds: predictions and targets are capped here.
    public var cap: Double
    public var linear: Linear?
    public var trees: Trees?
    /// Offsets below the prediction under which the true remaining life fell in 10 % of held-out samples, by band of
    /// predicted value: a lower bound learned from the cross-validation.
    public var lowerBound: LowerBound?
    public var training: TrainingSummary

    public struct Scale: Sendable, Equatable, Codable {
        public var mean: Double
        public var std: Double

        public init(mean: Double, std: Double) {
            self.mean = mean
            self.std = std
        }
    }

    public struct Linear: Sendable, Equatable, Codable {
        /// One weight per standardized feature.
        public var weights: [Double]
        public var intercept: Double
        public var lambda: Double

        public init(weights: [Double], intercept: Double, lambda: Double) {
            self.weights = weights
            self.intercept = intercept
            self.lambda = lambda
        }
    }

    /// Regression trees stored flat: node `i` of a tree splits on `feature[i]` (−1 for a leaf) at `threshold[i]`
    /// (a value ≤ threshold goes to `left[i]`, otherwise `right[i]`); a leaf's `value[i]` is its contribution.
    /// The prediction is `base` plus `learningRate` times the sum of the leaves reached.
    public struct Trees: Sendable, Equatable, Codable {
        public var base: Double
        public var learningRate: Double
        public var maxDepth: Int
        public var minLeaf: Int
        /// Where each tree's nodes start in the node arrays.
        public var roots: [Int]
        public var feature: [Int]
        public var threshold: [Double]
        public var left: [Int]
        public var right: [Int]
        public var value: [Double]
        /// Per feature, the share of the squared error the splits on it removed (sums to 1).
        public var importance: [Double]

        public init(base: Double, learningRate: Double, maxDepth: Int, minLeaf: Int) {
            self.base = base
            self.learningRate = learningRate
            self.maxDepth = maxDepth
            self.minLeaf = minLeaf
            roots = []
            feature = []
            threshold = []
            left = []
            right = []
            value = []
            importance = []
        }

        @inline(__always)
        func evaluate(_ x: [Double]) -> Double {
            var sum = 0.0
            for root in roots {
                var node = root
                while feature[node] >= 0 {
                    node = x[feature[node]] <= threshold[node] ? left[node] : right[node]
                }
                sum += value[node]
            }
            return base + learningRate * sum
        }
    }

    public struct LowerBound: Sendable, Equatable, Codable {
        /// Upper edges of the bands of predicted value (seconds), ascending; the last band is open.
        public var bandEdges: [Double]
        /// Per band, the offset (≤ 0) to add to the prediction.
        public var offsets: [Double]
        /// The share of held-out samples expected below the bound.
        public var quantile: Double

        public init(bandEdges: [Double], offsets: [Double], quantile: Double) {
            self.bandEdges = bandEdges
            self.offsets = offsets
            self.quantile = quantile
        }

        func offset(for prediction: Double) -> Double {
            for (i, edge) in bandEdges.enumerated() where prediction <= edge { return offsets[i] }
            return offsets.last ?? 0
        }
    }

    public struct TrainingSummary: Sendable, Equatable, Codable {
        /// The histories fitted: one per asset life (readings up to a failure).
        public var assets: [String]
        public var lives: Int
        public var samples: Int
        /// Mean and range of the lives' lengths, seconds.
        public var meanLife: Double
        public var minLife: Double
        public var maxLife: Double
        /// Cross-validation with folds by asset (never by sample or life): RMSE, MAE and the mean PHM08 score over
        /// every held-out sample; nil without cross-validation.
        public var folds: Int
        public var cvRMSE: Double?
        public var cvMAE: Double?
        public var cvScore: Double?
        /// The settings it was fitted with, for the record (e.g. "trees": 200).
        public var settings: [String: Double]

        public init(assets: [String], lives: Int, samples: Int, meanLife: Double, minLife: Double, maxLife: Double,
                    folds: Int, cvRMSE: Double?, cvMAE: Double?, cvScore: Double?, settings: [String: Double]) {
            self.assets = assets
            self.lives = lives
            self.samples = samples
            self.meanLife = meanLife
            self.minLife = minLife
            self.maxLife = maxLife
            self.folds = folds
            self.cvRMSE = cvRMSE
            self.cvMAE = cvMAE
            self.cvScore = cvScore
            self.settings = settings
        }
    }

    /// Remaining life in seconds for one feature vector, clamped to [0, cap].
    @inline(__always)
    public func predict(_ x: [Double]) -> Double {
        let raw: Double
        switch method {
        case .gbt:
            raw = trees?.evaluate(x) ?? 0
        case .linear:
            guard let linear else { return 0 }
            var sum = linear.intercept
            for i in 0..<Swift.min(x.count, linear.weights.count) {
                sum += linear.weights[i] * (x[i] - scaling[i].mean) / scaling[i].std
            }
            raw = sum
        }
        return Swift.min(cap, Swift.max(0, raw.isFinite ? raw : 0))
    }

    /// A lower bound for `prediction` (nil when the model has none): the prediction plus its band's offset, ≥ 0.
    public func lowerBound(for prediction: Double) -> Double? {
        lowerBound.map { Swift.max(0, prediction + $0.offset(for: prediction)) }
    }

    /// Problems that make the file unusable (wrong format, sizes that do not match), as readable sentences.
    public var problems: [String] {
        var problems: [String] = []
        if format != Self.formatName { problems.append("format is '\(format)', expected '\(Self.formatName)'") }
        if formatVersion > Self.formatVersion {
            problems.append("format version \(formatVersion) is newer than this twind reads (\(Self.formatVersion))")
        }
        problems += features.problems.map { "features.\($0.field): \($0.message)" }
        let n = features.featureCount
        if scaling.count != n { problems.append("scaling has \(scaling.count) entries for \(n) features") }
        if featureNames.count != n { problems.append("featureNames has \(featureNames.count) entries for \(n) features") }
        if let bound = lowerBound {
            if bound.bandEdges.isEmpty || bound.bandEdges.count != bound.offsets.count {
                problems.append("lowerBound: bandEdges and offsets differ in length")
            }
            if !(bound.bandEdges + bound.offsets).allSatisfy(\.isFinite) {
                problems.append("lowerBound holds a number that is not finite")
            }
        }
        if !(cap > 0) { problems.append("cap must be positive") }
        switch method {
        case .linear:
            if let linear {
                if linear.weights.count != n { problems.append("linear.weights has \(linear.weights.count) for \(n)") }
                if !(linear.weights + [linear.intercept]).allSatisfy(\.isFinite) {
                    problems.append("linear holds a weight that is not finite")
                }
                if scaling.contains(where: { !($0.std > 0) }) { problems.append("scaling.std must be positive") }
            } else {
                problems.append("method is linear but there is no 'linear' section")
            }
        case .gbt:
            guard let trees else {
                problems.append("method is gbt but there is no 'trees' section")
                break
            }
            let count = trees.feature.count
            if [trees.threshold.count, trees.left.count, trees.right.count, trees.value.count].contains(where: {
                $0 != count
            }) {
                problems.append("trees: node arrays differ in length")
            } else {
                for i in 0..<count where trees.feature[i] >= 0 {
                    if trees.feature[i] >= n || !(0..<count).contains(trees.left[i])
                        || !(0..<count).contains(trees.right[i]) || trees.left[i] <= i || trees.right[i] <= i {
                        problems.append("trees: node \(i) points outside the model")
                        break
                    }
                }
                if trees.roots.contains(where: { !(0..<count).contains($0) }) {
                    problems.append("trees: a root points outside the model")
                }
                if !(trees.threshold + trees.value + [trees.base, trees.learningRate]).allSatisfy(\.isFinite) {
                    problems.append("trees hold a number that is not finite")
                }
                if trees.importance.count != n {
                    problems.append("trees.importance has \(trees.importance.count) entries for \(n) features")
                }
            }
        }
        return problems
    }
}
