/// Least-squares gradient boosting of depth-limited regression trees over histogram bins: deterministic, pure Swift.
///
/// Each feature is cut into at most `bins` quantile bins once; a tree grows depth first, each node taking the
/// split (feature, bin edge) that removes the most squared error, leaving at least `minLeaf` samples on each side.
public struct GradientBoosting: Sendable {
    public var trees = 200
    public var maxDepth = 4
    public var learningRate = 0.05
    public var minLeaf = 20
    public var bins = 64

    public init(trees: Int = 200, maxDepth: Int = 4, learningRate: Double = 0.05, minLeaf: Int = 20, bins: Int = 64) {
        self.trees = trees
        self.maxDepth = maxDepth
        self.learningRate = learningRate
        self.minLeaf = minLeaf
        self.bins = bins
    }

    /// Fits `x` (row-major, `featureCount` columns) to `y`.
    public func fit(x: [Double], y: [Double], featureCount f: Int) -> RULModel.Trees {
        let n = y.count
        var model = RULModel.Trees(base: n == 0 ? 0 : y.reduce(0, +) / Double(n), learningRate: learningRate,
                                   maxDepth: maxDepth, minLeaf: minLeaf)
        model.importance = Array(repeating: 0, count: f)
        guard n > 0, f > 0 else { return model }

        // Bin edges per feature (the values a split compares with) and each sample's bin, column-major.
        var edges: [[Double]] = []
        var binned = [UInt8](repeating: 0, count: n * f)
        for j in 0..<f {
            var column = (0..<n).map { x[$0 * f + j] }
            column.sort()
            var cut: [Double] = []
            let maxBins = Swift.min(bins, 255)
            for b in 1..<maxBins {
                let v = column[Swift.min(n - 1, b * n / maxBins)]
                if cut.last.map({ v > $0 }) ?? true, v < column[n - 1] { cut.append(v) }
            }
            edges.append(cut)
            for i in 0..<n {
                binned[j * n + i] = UInt8(Self.bin(of: x[i * f + j], in: cut))
            }
        }

        var residual = y.map { $0 - model.base }
        var gainByFeature = [Double](repeating: 0, count: f)
        var sums = [Double](repeating: 0, count: 256)
        var counts = [Int](repeating: 0, count: 256)
        for _ in 0..<trees {
            model.roots.append(model.feature.count)
            // Nodes to grow: (node index, its samples, depth).
            var frontier: [(node: Int, samples: [Int], depth: Int)] = [(model.feature.count, Array(0..<n), 0)]
            Self.appendLeaf(&model)
            while let (node, samples, depth) = frontier.popLast() {
                let total = samples.reduce(0.0) { $0 + residual[$1] }
                let count = Double(samples.count)
                model.value[node] = total / count
                guard depth < maxDepth, samples.count >= 2 * minLeaf else { continue }
                var best: (gain: Double, feature: Int, bin: Int) = (1e-12, -1, 0)
                for j in 0..<f where !edges[j].isEmpty {
                    let binCount = edges[j].count + 1
                    for b in 0..<binCount {
                        sums[b] = 0
                        counts[b] = 0
                    }
                    for i in samples {
                        let b = Int(binned[j * n + i])
                        sums[b] += residual[i]
                        counts[b] += 1
                    }
                    var leftSum = 0.0, leftCount = 0
                    for b in 0..<(binCount - 1) {
                        leftSum += sums[b]
                        leftCount += counts[b]
                        let rightCount = samples.count - leftCount
                        guard leftCount >= minLeaf else { continue }
                        if rightCount < minLeaf { break }
                        let rightSum = total - leftSum
                        let gain = leftSum * leftSum / Double(leftCount) + rightSum * rightSum / Double(rightCount)
                            - total * total / count
                        if gain > best.gain { best = (gain, j, b) }
                    }
                }
                guard best.feature >= 0 else { continue }
                let j = best.feature
                var leftSamples: [Int] = [], rightSamples: [Int] = []
                for i in samples {
                    if Int(binned[j * n + i]) <= best.bin { leftSamples.append(i) } else { rightSamples.append(i) }
                }
                gainByFeature[j] += best.gain
                model.feature[node] = j
                model.threshold[node] = edges[j][best.bin]
                model.left[node] = model.feature.count
                Self.appendLeaf(&model)
                model.right[node] = model.feature.count
                Self.appendLeaf(&model)
                frontier.append((model.right[node], rightSamples, depth + 1))
                frontier.append((model.left[node], leftSamples, depth + 1))
            }
            // Shrink this tree's leaves into the residuals.
            let root = model.roots[model.roots.count - 1]
            for i in 0..<n {
                var node = root
                while model.feature[node] >= 0 {
                    let j = model.feature[node]
                    node = x[i * f + j] <= model.threshold[node] ? model.left[node] : model.right[node]
                }
                residual[i] -= learningRate * model.value[node]
            }
        }
        let totalGain = gainByFeature.reduce(0, +)
        model.importance = gainByFeature.map { totalGain > 0 ? $0 / totalGain : 0 }
        return model
    }

    private static func appendLeaf(_ model: inout RULModel.Trees) {
        model.feature.append(-1)
        model.threshold.append(0)
        model.left.append(0)
        model.right.append(0)
        model.value.append(0)
    }

    /// The first bin whose edge is ≥ value (values equal to an edge go left, like `x <= threshold`).
    @inline(__always)
    static func bin(of value: Double, in edges: [Double]) -> Int {
        var low = 0, high = edges.count
        while low < high {
            let mid = (low + high) / 2
            if edges[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Ridge regression on standardized features, solved through the normal equations (Cholesky).
public struct RidgeRegression: Sendable {
    public var lambda: Double

    public init(lambda: Double = 1) {
        self.lambda = lambda
    }

    public func fit(x: [Double], y: [Double], scaling: [RULModel.Scale]) -> RULModel.Linear {
        let f = scaling.count
        let n = y.count
        let meanY = n == 0 ? 0 : y.reduce(0, +) / Double(n)
        var a = [Double](repeating: 0, count: f * f)
        var b = [Double](repeating: 0, count: f)
        var z = [Double](repeating: 0, count: f)
        for i in 0..<n {
            for j in 0..<f { z[j] = (x[i * f + j] - scaling[j].mean) / scaling[j].std }
            let t = y[i] - meanY
            for j in 0..<f {
                b[j] += z[j] * t
                for k in 0...j { a[j * f + k] += z[j] * z[k] }
            }
        }
        for j in 0..<f {
            a[j * f + j] += lambda
            for k in 0..<j { a[k * f + j] = a[j * f + k] }
        }
        let w = Self.solveSymmetric(a, b, size: f) ?? Array(repeating: 0, count: f)
        return RULModel.Linear(weights: w, intercept: meanY, lambda: lambda)
    }

    /// Solves A w = b for a symmetric positive definite A (row-major); nil if it is not.
    static func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var w = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * w[k] }
            w[i] = sum / l[i * n + i]
        }
        return w
    }
}
