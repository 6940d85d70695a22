import ArgumentParser
import Foundation
import TwinCore
import TwinDaemon
import TwinStore

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fit a remaining-useful-life model from run-to-failure history, and explain one.",
        discussion: """
            A model learns, from assets that ran until they failed, how their metrics look as the end approaches. \
            A `rul` rule then evaluates it live on every complete sample and writes `rul` (seconds of remaining \
            life) and `rul_low` (a lower bound) into the twin. See the README section "Remaining useful life".
            """,
        subcommands: [ModelFit.self, ModelExplain.self])
}

struct ModelFit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a remaining-useful-life model to the lives recorded in a database.",
        discussion: """
            A life is an asset's readings up to a `failure` maintenance event (after the previous failure or \
            repair); with --run-to-failure, also the readings after the last such event, ending at the asset's \
            last reading. Features per metric: a smoothed level, the mean and the slope over the trailing --window \
            samples, plus the asset's age. The target is the remaining life capped at --cap (early in a life the \
            data say "healthy", not how long it will last). The cross-validated error is computed with folds by \
            asset life, never by sample.

            Examples:
              twind model fit --db history.sqlite --assets 'engine-*' --metrics s2,s3,s4,s7,s11,s12 \\
                  --run-to-failure --cap 125s --out engine.json
              twind model fit --db twind.sqlite --assets 'pump-*' --metrics vibration,temp --cap 30d \\
                  --method linear --out pump.json
            """)

    @Option(name: .long, help: "The SQLite database with the history (`twind run` or `twind import` writes it).")
    var db: String
    @Option(name: .long, help: "Assets to learn from (a glob, e.g. 'engine-*').")
    var assets: String = "*"
    @Option(name: .long, help: "The metrics the model reads, comma-separated (e.g. s2,s3,s4).")
    var metrics: String
    @Option(name: .long, help: "Where to write the model file (JSON).")
    var out: String
    @Option(name: .long, help: "Samples in the trailing window for the mean and slope.")
    var window: Int = 30
    @Option(name: .long, help: "Weight of the newest sample in the smoothed level, in (0, 1].")
    var alpha: Double = 0.2
    @Option(name: .long, help: "Cap on the remaining life, e.g. 125s or 30d (default: 60 % of the median life).")
    var cap: String?
    @Option(name: .long, help: "gbt (gradient-boosted trees) or linear (ridge regression).")
    var method: String = "gbt"
    @Option(name: .long, help: "gbt: number of trees.")
    var trees: Int = 200
    @Option(name: .long, help: "gbt: depth of each tree.")
    var depth: Int = 4
    @Option(name: .long, help: "gbt: learning rate.")
    var learningRate: Double = 0.05
    @Option(name: .long, help: "gbt: fewest samples in a leaf.")
    var minLeaf: Int = 20
    @Option(name: .long, help: "linear: ridge penalty.")
    var lambda: Double = 1
    @Option(name: .long, help: "Cross-validation folds (by asset life); 0 skips it.")
    var folds: Int = 5
    @Flag(name: .long, help: "Leave the asset's age out of the features.")
    var noAge = false
    @Flag(name: .long, help: "Also count the readings after an asset's last failure as a life ending at its last reading.")
    var runToFailure = false

    var metricList: [String] {
        metrics.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        try requireDatabase(db)
        guard RULModel.Method(rawValue: method) != nil else {
            throw ValidationError("--method takes gbt or linear")
        }
        let spec = RULFeatureSpec(metrics: metricList, window: window, alpha: alpha, age: !noAge)
        if let problem = spec.problems.first {
            let option = problem.field == "metrics" ? "--metrics" : "--\(problem.field)"
            throw ValidationError("\(option): \(problem.message) (e.g. --metrics temp,vibration --window 30)")
        }
        if let cap, Self.seconds(cap) == nil {
            throw ValidationError("--cap '\(cap)' is not a duration: write e.g. 125s, 36h or 30d")
        }
        guard trees >= 1, depth >= 1, depth <= 12, minLeaf >= 1, learningRate > 0, learningRate <= 1 else {
            throw ValidationError("gbt settings: --trees ≥ 1, --depth 1…12, --min-leaf ≥ 1, --learning-rate in (0, 1]")
        }
        guard lambda >= 0, folds >= 0 else { throw ValidationError("--lambda and --folds must not be negative") }
    }

    static func seconds(_ text: String) -> Double? {
        if let plain = Double(text), plain > 0 { return plain }
        return DurationText.milliseconds(text).flatMap { $0 > 0 ? Double($0) / 1_000 : nil }
    }

    func run() throws {
        let started = ContinuousClock.now
        let reader = try TwinStoreReader(path: db)
        let found = try RULHistory.lives(reader: reader, assetGlob: assets, metrics: metricList,
                                         runToFailure: runToFailure)
        for (asset, reason) in found.skipped.prefix(10) { printError("skipped \(asset): \(reason)") }
        if found.skipped.count > 10 { printError("… and \(found.skipped.count - 10) more assets skipped") }
        guard found.lives.count >= 2 else {
            printError("model fit: found \(found.lives.count) asset lives ending in a failure; at least 2 are needed. "
                       + "Record failures with `twind maintenance record --db \(db) --asset A --kind failure --at T`, "
                       + "or pass --run-to-failure if each asset's history ends at its failure.")
            throw ExitCode(65)
        }
        let lengths = found.lives.map { life -> Double in
            Double(life.failureTime - (life.readings.first?.timestamp ?? life.failureTime)) / 1_000
        }.sorted()
        let capSeconds = cap.flatMap(Self.seconds) ?? max(1, (0.6 * lengths[lengths.count / 2]).rounded())
        let spec = RULFeatureSpec(metrics: metricList, window: window, alpha: alpha, age: !noAge)
        var data = RULDataset(spec: spec, cap: capSeconds)
        for life in found.lives { data.add(life) }
        guard data.count > 0 else {
            printError("model fit: no complete samples: the metrics \(metrics) never all have a reading at the same "
                       + "time. Each sample needs every metric with one timestamp (one message carrying them all).")
            throw ExitCode(65)
        }
        printError("model fit: \(found.lives.count) lives of \(Set(found.lives.map(\.asset)).count) assets, "
                   + "\(data.count) samples, \(spec.featureCount) features, cap \(Self.format(capSeconds))")
        var trainer = RULTrainer(method: RULModel.Method(rawValue: method) ?? .gbt, folds: folds)
        trainer.boosting = GradientBoosting(trees: trees, maxDepth: depth, learningRate: learningRate, minLeaf: minLeaf)
        trainer.ridge = RidgeRegression(lambda: lambda)
        let model = trainer.fit(data, twindVersion: TwindVersion.string,
                                created: RFC3339.string(Int64(Date().timeIntervalSince1970 * 1_000)))
        try RULModelFile.write(model, to: out)
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let t = model.training
        if t.folds >= 2 {
            print(String(format: "cross-validated (%d folds by asset life): RMSE %.2f s, MAE %.2f s, PHM08 score %.1f"
                         + " over %d held-out samples", t.folds, t.cvRMSE, t.cvMAE, t.cvScore, t.samples))
        } else {
            print("no cross-validation (--folds \(folds))")
        }
        print("wrote \(out) (\(model.method.rawValue), \(spec.featureCount) features, cap \(Self.format(capSeconds))) "
              + String(format: "in %.1f s; `twind model explain %@` describes it", seconds, out))
    }

    /// Whole seconds as a duration text (`201s`, `3h`, `1d 2h` …): precise enough for lives and horizons.
    static func format(_ seconds: Double) -> String {
        DurationText.format(Int64(seconds.rounded()) * 1_000)
    }
}

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

    /// Feeds synthetic samples (each metric at its training mean plus noise) through a twin engine and a rule engine
    /// holding one rul rule, as the daemon does, and prints the cost per reading and per prediction.
    static func time(_ model: RULModel) throws {
        let rule = RuleSpec(name: "rul", kind: .remainingLife(RemainingLife(model: model, modelPath: "-",
                                                                             horizon: 1_000)))
        var rules = try RuleEngine(rules: [rule])
        var twins = TwinEngine()
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
            rules.process(reading, twins: &twins, transitions: &transitions, derived: &derived)
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
                + "(weight \(f.alpha) for the newest), and the mean and slope (per second) over the last "
                + "\(f.window) samples\(ageText).",
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
        if t.folds >= 2 {
            lines.append(String(format: "Cross-validated with %d folds by asset life: RMSE %.2f s, MAE %.2f s, "
                                + "PHM08 score %.1f.", t.folds, t.cvRMSE, t.cvMAE, t.cvScore))
        }
        lines.append("")
        lines.append("Use it in a rule:  - name: remaining-life")
        lines.append("                     rul: { model: <this file>, horizon: <e.g. \(ModelFit.format(model.cap / 4))> }")
        return lines
    }
}
