import ArgumentParser
import Foundation
import TwinCore
import TwinDaemon

struct ModelExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Describe a model file for a person: what it reads, what matters most, how well it did.",
        discussion: """
            Example:
              twind model explain engine.json
            """)

    @Argument(help: "The model file `twind model fit` wrote.")
    var file: String
    @Option(name: .long, help: "How many of the most important features to list.")
    var top: Int = 10
    @Flag(name: .long, help: "Also time the live evaluation (twin update + rul rule) on synthetic samples.")
    var timing = false

    func run() throws {
        let model: RULModel
        do {
            model = try RULModelFile.load(path: file)
        } catch {
            printError(error.description)
            throw ExitCode(65)
        }
        for line in Self.explanation(model, top: top) { print(line) }
        if timing { try Self.time(model) }
    }

    /// Feeds synthetic samples (each metric at its training mean plus noise) through a twin model holding one rul
    /// rule, as the daemon does, and prints the cost per reading and per prediction.
    static func time(_ model: RULModel) throws {
        let rule = RuleSpec(name: "rul", kind: .remainingLife(RemainingLife(model: model, modelPath: "-",
                                                                             horizon: 1_000)))
        var twin = TwinModel(rules: try RuleEngine(rules: [rule]))
        var random = SplitMix64(seed: 1)
        let metrics = model.features.metrics
        let scales = metrics.indices.map { model.scaling[$0 * 3 + 1] }
        let assets = (0..<100).map { "asset-\($0)" }
        var transitions: [AlertTransition] = []
        var derived: [Reading] = []
        let samples = 2_000
        var readings: [Reading] = []
        readings.reserveCapacity(samples * metrics.count)
        for s in 0..<samples {
            for (m, metric) in metrics.enumerated() {
                let value = scales[m].mean + (random.unit() - 0.5) * 2 * scales[m].std
                readings.append(Reading(asset: assets[s % assets.count], metric: metric,
                                        timestamp: Int64(s / assets.count + 1) * 1_000, value: value))
            }
        }
        let started = ContinuousClock.now
        for reading in readings {
            twin.apply(reading, transitions: &transitions, derived: &derived)
            if derived.count > 4_096 { derived.removeAll(keepingCapacity: true) }
            if transitions.count > 4_096 { transitions.removeAll(keepingCapacity: true) }
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        // The prediction alone: features from the windows, then the model.
        var state = RULFeatureState(model.features)
        var features: [Double] = []
        var sink = 0.0
        for s in 0..<model.features.window {
            for m in metrics.indices {
                _ = state.take(metric: m, value: scales[m].mean + Double(s % 3) * scales[m].std,
                               at: Int64(s + 1) * 1_000, alpha: model.features.alpha)
            }
        }
        let predictions = 20_000
        let predictStart = ContinuousClock.now
        for _ in 0..<predictions {
            state.features(model.features, into: &features)
            sink += model.predict(features)
        }
        let perPrediction = (ContinuousClock.now - predictStart) / .seconds(1) / Double(predictions) * 1e6
        let perReading = seconds / Double(readings.count) * 1e6
        let perSample = seconds / Double(samples) * 1e6
        print("")
        print(String(format: "Live cost (this machine, %@ build): %.2f µs per reading of a model metric (twin update "
                     + "and rule), %.2f µs per complete sample of %d metrics incl. its prediction "
                     + "(%d samples of 100 assets); the prediction alone (features and model) %.2f µs%@.",
                     Self.buildKind, perReading, perSample, metrics.count, samples, perPrediction,
                     sink.isNaN ? " (NaN)" : ""))
    }

    #if DEBUG
    static let buildKind = "debug"
    #else
    static let buildKind = "release"
    #endif

    static func explanation(_ model: RULModel, top: Int) -> [String] {
        let f = model.features
        let t = model.training
        let kind = model.method == .gbt
            ? "gradient-boosted regression trees (\(model.trees?.roots.count ?? 0) trees of depth "
              + "\(model.trees?.maxDepth ?? 0))"
            : "a ridge regression on standardized features (lambda \(model.linear?.lambda ?? 0))"
        let ageText = f.age
            ? ", plus the asset's age (seconds since its first sample, or since its last failure or repair)" : ""
        var lines = [
            "Remaining-useful-life model, written by twind \(model.twindVersion) on \(model.created).",
            "Method: \(kind).",
            "Reads \(f.metrics.count) metrics: \(f.metrics.joined(separator: ", ")).",
            "At every instant where all of them have a reading it computes, per metric, a smoothed level "
                + "(weight \(f.alpha) for the newest), and the mean and slope (per second) over its last "
                + "\(f.window) readings\(ageText).",
            "Predicts the remaining life in seconds, capped at \(ModelFit.format(model.cap)) "
                + "(a prediction at the cap means \"no sign of wear yet\").",
        ]
        if let bound = model.lowerBound {
            let offsets = zip(bound.bandEdges, bound.offsets).map {
                "≤ \(ModelFit.format($0.0)): \(String(format: "%.0f", $0.1)) s"
            }
            lines.append("Lower bound rul_low: the prediction minus the error exceeded in "
                         + "\(Int(bound.quantile * 100)) % of cross-validation samples, by predicted value: "
                         + offsets.joined(separator: ", ") + ".")
        }
        lines.append("")
        lines.append("What it looks at most:")
        let names = model.featureNames
        let weights: [Double]
        switch model.method {
        case .gbt: weights = model.trees?.importance ?? []
        case .linear:
            let raw = (model.linear?.weights ?? []).map(abs)
            let total = raw.reduce(0, +)
            weights = raw.map { total > 0 ? $0 / total : 0 }
        }
        let ranked = weights.indices.sorted { weights[$0] > weights[$1] }.prefix(max(0, top))
        for i in ranked where weights[i] > 0 {
            var line = String(format: "  %5.1f %%  %@", weights[i] * 100, names[i])
            if model.method == .linear, let w = model.linear?.weights[i] {
                line += w < 0 ? "  (higher means less life left)" : "  (higher means more life left)"
            }
            line += String(format: "   [training mean %.4g, std %.3g]", model.scaling[i].mean, model.scaling[i].std)
            lines.append(line)
        }
        lines.append("")
        lines.append("Trained on \(t.lives) lives of \(t.assets.count) assets (\(t.samples) samples); lives lasted "
                     + "\(ModelFit.format(t.minLife))–\(ModelFit.format(t.maxLife)), "
                     + "mean \(ModelFit.format(t.meanLife)).")
        if let rmse = t.cvRMSE, let mae = t.cvMAE, let score = t.cvScore {
            lines.append(String(format: "Cross-validated with %d folds by asset: RMSE %.2f s, MAE %.2f s, "
                                + "mean PHM08 score %.3g (one cycle = one second).", t.folds, rmse, mae, score))
        }
        lines.append("")
        lines.append("Use it in a rule:  - name: remaining-life")
        lines.append("                     rul: { model: <this file>, horizon: <e.g. \(ModelFit.format(model.cap / 4))> }")
        return lines
    }
}
