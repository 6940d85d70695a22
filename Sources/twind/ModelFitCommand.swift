import ArgumentParser
import Foundation
import TwinCore
import TwinDaemon
import TwinStore

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
            asset, never by sample or life.

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
    @Option(name: .long, help: "Readings of each metric in the trailing window for its mean and slope (2…1000).")
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
        if let rmse = t.cvRMSE, let mae = t.cvMAE, let score = t.cvScore {
            print(String(format: "cross-validated (%d folds by asset): RMSE %.2f s, MAE %.2f s, mean PHM08 score %.3g"
                         + " (one cycle = one second) over %d held-out samples", t.folds, rmse, mae, score, t.samples))
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
