/// Reading `metrics:` and `rules:` from the config.
///
/// ```yaml
/// metrics:                                   # derived metrics, computed whenever an input changes
///   power_kw: "voltage * current / 1000"     # + - * / ( ), numbers, metric names, abs sqrt min max
///   delta_t: "temp_out - temp_in"            # `odd-name` in backquotes for names with other characters
///
/// rules:
///   # Every rule: name (unique), an optional selector, metric (or expression), severity (info, warning or
///   # critical; default warning), an optional message, and exactly one kind key below.
///   - name: hot-bearing
///     select: { asset: "pump-*", property: { type: pump } }   # glob with * and ?; properties must be equal
///     metric: temp
///     severity: warning
///     threshold: { above: 80, clear_below: 75 }               # or { below: 5, clear_above: 7 }
///                                                             # the clear level defaults to the limit
///     message: "{asset} bearing temperature {value} °C"
///
///   - name: overcurrent                                       # condition held for a time, or N readings in a row
///     metric: current
///     for: { above: 30, duration: 5m }                        # or readings: 5; optional clear_below
///
///   - name: fast-heating                                      # (newest - oldest) / time within the window
///     metric: temp
///     rate: { above: 2, per: minute, window: 5m }             # per: second (default), minute, hour
///                                                             # below: -2 for a fall faster than 2 a minute
///
///   - name: odd-pressure                                      # z-score against the rule's own EWMA mean/variance
///     metric: pressure
///     anomaly: { z: 4, clear_z: 3, alpha: 0.05, warmup: 50, tails: both }   # tails: both, upper, lower
///
///   - name: vibration-trend                                   # least-squares line over the window
///     metric: vibration
///     severity: critical
///     trend: { above: 0.08, window: 10m, horizon: 2h }        # raises when the line reaches 0.08 within 2 h;
///                                                             # also writes vibration.ttl_s (seconds to the limit)
///                                                             # optional: clear_horizon, min_points (5),
///                                                             # max_points (2048), ttl_metric
///   - name: silent                                            # checked by the timer; marks the twin stale/offline
///     select: { asset: "pump-*" }
///     stale: { after: 2m, offline_after: 10m }                # metric optional: without it, any reading counts
///
///   - name: pump-service                                      # run hours while current > 1 A, every 2000 h
///     metric: current
///     usage: { run_time: { above: 1 }, every: 2000h }
///
///   - name: energy-service                                    # integral of power_kw over hours (kWh)
///     metric: power_kw
///     usage: { integral: hour, every: 50000, counter: energy }   # counter: the name maintenance events use
///
///   - name: starts                                            # rising edges of running > 0.5
///     metric: running
///     usage: { cycles: { above: 0.5 }, every: 10000, max_gap: 1h }
///
///   - name: remaining-life                                    # a model fitted by `twind model fit`
///     select: { asset: "engine-*" }                           # reads the metrics the model names
///     rul: { model: models/engine.json, horizon: 30s }        # writes rul (seconds) and rul_low into the twin;
///                                                             # raises under the horizon; optional: clear_horizon,
///                                                             # output (metric name, default rul); the path is
///                                                             # relative to this file
///   - name: hot-differential                                  # any kind can watch an expression instead of a metric
///     expression: "temp_out - temp_in"
///     threshold: { above: 15, clear_below: 12 }
/// ```
///
/// Message placeholders: `{asset}`, `{rule}`, `{metric}`, `{severity}`, `{value}`, `{limit}`, `{ttl}` (trend),
/// `{z}` (anomaly), `{usage}` (usage), `{age}` (stale).
import TwinCore
import Yams

extension TwinConfiguration {
    mutating func readRules(rules node: Node?, metrics metricsNode: Node?, _ r: inout ConfigReader) {
        var metricNodes: [String: Node] = [:]
        if let metricsNode {
            if let mapping = metricsNode.mapping {
                for (key, value) in mapping {
                    guard let name = key.string else { continue }
                    let path = "metrics.\(name)"
                    guard let expression = r.string(value, path) else { continue }
                    derivedMetrics.append(DerivedMetricSpec(name: name, expression: expression))
                    metricNodes[name] = value
                }
            } else {
                r.fail("metrics", "expected a mapping of name: \"expression\", got \(r.describe(metricsNode))",
                       metricsNode)
            }
        }
        var ruleNodes: [(configIndex: Int, node: Node)] = []
        if let node {
            guard case .sequence(let sequence) = node else {
                r.fail("rules", "expected a list of rules, got \(r.describe(node))", node)
                return
            }
            for (index, item) in sequence.enumerated() {
                guard let spec = r.rule(item, "rules[\(index)]") else { continue }
                rules.append(spec)
                ruleNodes.append((index, item))
            }
        }
        do {
            _ = try RuleEngine(rules: rules, metrics: derivedMetrics)
        } catch {
            for issue in error.issues {
                switch issue.subject {
                case .rule(let index, _):
                    let (configIndex, item) = ruleNodes[index]
                    let path = "rules[\(configIndex)]" + (issue.field.isEmpty ? "" : ".\(issue.field)")
                    r.fail(path, issue.message, Self.node(at: issue.field, in: item) ?? item)
                case .metric(let name):
                    r.fail("metrics.\(name)", issue.message, metricNodes[name])
                }
            }
        }
    }

    /// The node at a dotted key path inside `node`, as far as it resolves.
    private static func node(at path: String, in node: Node) -> Node? {
        var current = node
        for key in path.split(separator: ".") {
            guard let next = current.mapping?[String(key)] else { break }
            current = next
        }
        return current
    }
}

extension ConfigReader {
    static let ruleKinds = ["threshold", "for", "rate", "anomaly", "trend", "flatline", "drift", "stale", "usage",
                            "rul"]

    mutating func rule(_ node: Node, _ path: String) -> RuleSpec? {
        let keys = ["name", "select", "metric", "expression", "severity", "message", "min_interval"] + Self.ruleKinds
        guard let m = mapping(node, path, allowed: keys) else { return nil }
        let issuesBefore = issues.count
        let name = string(m["name"], "\(path).name")
        if m["name"] == nil { fail("\(path).name", "missing; every rule needs a unique name", node) }
        var selector = RuleSpec.Selector()
        if let select = mapping(m["select"], "\(path).select", allowed: ["asset", "property"]) {
            selector.asset = string(select["asset"], "\(path).select.asset")
            if let properties = select["property"] {
                if let pairs = properties.mapping {
                    for (key, value) in pairs {
                        guard let key = key.string else { continue }
                        if let text = string(value, "\(path).select.property.\(key)") {
                            selector.properties[key] = text
                        }
                    }
                } else {
                    fail("\(path).select.property",
                         "expected a mapping like { type: pump }, got \(describe(properties))", properties)
                }
            }
        }
        let metric = string(m["metric"], "\(path).metric")
        let expression = string(m["expression"], "\(path).expression")
        let severity = oneOf(m["severity"], "\(path).severity", Severity.allCases.map(\.rawValue), default: "warning")
        let message = string(m["message"], "\(path).message")
        let minInterval = m["min_interval"].map { duration($0, "\(path).min_interval", default: 0, minimum: 1) }
        let present = Self.ruleKinds.filter { m[$0] != nil }
        guard present.count == 1, let kindName = present.first else {
            let found = present.isEmpty ? "none" : present.joined(separator: " and ")
            fail(path, "expected exactly one kind (\(Self.ruleKinds.joined(separator: ", "))), got \(found)", node)
            return nil
        }
        guard let kind = ruleKind(kindName, m[kindName]!, "\(path).\(kindName)"), let name,
              issues.count == issuesBefore else { return nil }
        return RuleSpec(name: name, selector: selector, metric: metric, expression: expression,
                        severity: Severity(rawValue: severity) ?? .warning, message: message, kind: kind,
                        minInterval: minInterval)
    }

    private mutating func ruleKind(_ kind: String, _ node: Node, _ path: String) -> RuleSpec.Kind? {
        let direction = ["above", "below", "clear_below", "clear_above"]
        switch kind {
        case "threshold":
            guard let m = mapping(node, path, allowed: direction) else { return nil }
            return threshold(m, path, node).map { .threshold($0) }
        case "for":
            guard let m = mapping(node, path, allowed: direction + ["duration", "readings"]) else { return nil }
            let condition = threshold(m, path, node)
            let duration = m["duration"].map { self.duration($0, "\(path).duration", default: 0, minimum: 1) }
            let readings = m["readings"].map { int($0, "\(path).readings", default: 1, range: 1...1_000_000) }
            if (duration == nil) == (readings == nil) {
                fail(path, "give exactly one of duration (e.g. 5m) and readings (e.g. 5)", node)
            }
            return condition.map { .sustained(Sustained($0, duration: duration, readings: readings)) }
        case "rate":
            guard let m = mapping(node, path, allowed: direction + ["per", "window"]) else { return nil }
            let limit = threshold(m, path, node)
            let per = oneOf(m["per"], "\(path).per", ["second", "minute", "hour"], default: "second")
            let window = need(m, "window", path, node).map { duration($0, "\(path).window", default: 0, minimum: 1) }
            let unit: Int64 = per == "hour" ? 3_600_000 : (per == "minute" ? 60_000 : 1_000)
            guard let limit, let window else { return nil }
            return .rate(Rate(limit, per: unit, window: window))
        case "anomaly":
            let ewmaKeys = ["z", "clear_z", "tails"], noveltyKeys = ["bins", "learn", "rest", "escalation", "max_bins",
                                                          "step", "burst", "refill"]
            guard let m = mapping(node, path, allowed: ["method", "alpha", "warmup"] + ewmaKeys + noveltyKeys) else {
                return nil
            }
            let method = oneOf(m["method"], "\(path).method", ["ewma", "novelty"], default: "ewma")
            for key in method == "novelty" ? ewmaKeys : noveltyKeys where m[key] != nil {
                fail("\(path).\(key)", "goes with method \(method == "novelty" ? "ewma" : "novelty"), not \(method)",
                     m[key])
            }
            if method == "novelty" {
                let warmup = int(m["warmup"], "\(path).warmup", default: 200, range: 2...1_000_000)
                return .anomaly(.novelty(
                    warmup: warmup,
                    learn: int(m["learn"], "\(path).learn", default: max(warmup, 250), range: 2...1_000_000),
                    bins: int(m["bins"], "\(path).bins", default: 10, range: 2...1_000),
                    rest: int(m["rest"], "\(path).rest", default: 100, range: 1...1_000_000),
                    escalation: double(m["escalation"], "\(path).escalation") ?? 3,
                    alpha: double(m["alpha"], "\(path).alpha") ?? 0.1,
                    maxBins: int(m["max_bins"], "\(path).max_bins", default: 24, range: 0...2_048),
                    step: double(m["step"], "\(path).step") ?? 1,
                    burst: int(m["burst"], "\(path).burst", default: 2, range: 0...1_000),
                    refill: int(m["refill"], "\(path).refill", default: 400, range: 1...1_000_000)))
            }
            let z = double(m["z"], "\(path).z") ?? 3
            let anomaly = Anomaly(z: z, clearZ: double(m["clear_z"], "\(path).clear_z"),
                                  alpha: double(m["alpha"], "\(path).alpha") ?? 0.1,
                                  warmup: int(m["warmup"], "\(path).warmup", default: 30, range: 2...1_000_000),
                                  tails: Anomaly.Tails(rawValue: oneOf(m["tails"], "\(path).tails",
                                                                       ["both", "upper", "lower"], default: "both"))!)
            return .anomaly(anomaly)
        case "trend":
            let keys = ["above", "below", "window", "horizon", "clear_horizon", "min_points", "max_points",
                        "ttl_metric", "min_span", "slope_sigmas"]
            guard let m = mapping(node, path, allowed: keys) else { return nil }
            let limit = threshold(m, path, node, clearAllowed: false)
            let window = need(m, "window", path, node).map { duration($0, "\(path).window", default: 0, minimum: 1) }
            let horizon = need(m, "horizon", path, node).map { duration($0, "\(path).horizon", default: 0, minimum: 1) }
            let clearHorizon = m["clear_horizon"].map { duration($0, "\(path).clear_horizon", default: 0) }
            let minPoints = int(m["min_points"], "\(path).min_points", default: 10, range: 2...100_000)
            let maxPoints = int(m["max_points"], "\(path).max_points", default: 2_048, range: 2...1_000_000)
            let ttlMetric = string(m["ttl_metric"], "\(path).ttl_metric")
            let minSpan = m["min_span"].map { duration($0, "\(path).min_span", default: 0) }
            let slopeSigmas = m["slope_sigmas"].map { double($0, "\(path).slope_sigmas") ?? 3 } ?? 3
            guard let limit, let window, let horizon else { return nil }
            return .trend(Trend(limit, window: window, horizon: horizon, clearHorizon: clearHorizon,
                                minPoints: minPoints, maxPoints: maxPoints, ttlMetric: ttlMetric, minSpan: minSpan,
                                slopeSigmas: slopeSigmas))
        case "flatline":
            guard let m = mapping(node, path, allowed: ["readings", "duration", "tolerance"]) else { return nil }
            let readings = int(m["readings"], "\(path).readings", default: 20, range: 2...1_000_000)
            let duration = m["duration"].map { self.duration($0, "\(path).duration", default: 0, minimum: 1) }
            let tolerance = m["tolerance"].map { double($0, "\(path).tolerance") ?? 0 } ?? 0
            return .flatline(Flatline(readings: readings, duration: duration, tolerance: tolerance))
        case "drift":
            guard let m = mapping(node, path, allowed: ["by", "sigmas", "baseline", "alpha", "direction"]) else {
                return nil
            }
            let by = double(m["by"], "\(path).by")
            let sigmas = double(m["sigmas"], "\(path).sigmas")
            if m["by"] == nil, m["sigmas"] == nil {
                fail(path, "give by (how far from the baseline, in the metric's unit, e.g. by: 0.1) or sigmas "
                     + "(in baseline standard deviations, e.g. sigmas: 4)", node)
            }
            let baseline = int(m["baseline"], "\(path).baseline", default: 30, range: 2...1_000_000)
            let alpha = double(m["alpha"], "\(path).alpha") ?? 0.05
            let direction = oneOf(m["direction"], "\(path).direction", ["both", "upper", "lower"], default: "both")
            return .drift(Drift(by: by, sigmas: sigmas, baseline: baseline, alpha: alpha,
                                direction: Anomaly.Tails(rawValue: direction)!))
        case "stale":
            guard let m = mapping(node, path, allowed: ["after", "offline_after"]) else { return nil }
            let after = need(m, "after", path, node).map { duration($0, "\(path).after", default: 0, minimum: 1) }
            let offline = m["offline_after"].map { duration($0, "\(path).offline_after", default: 0, minimum: 1) }
            return after.map { .stale(Stale(after: $0, offlineAfter: offline)) }
        case "rul":
            return remainingLife(node, path)
        default:
            return usage(node, path)
        }
    }

    private mutating func remainingLife(_ node: Node, _ path: String) -> RuleSpec.Kind? {
        guard let m = mapping(node, path, allowed: ["model", "horizon", "clear_horizon", "output"]) else { return nil }
        let horizon = need(m, "horizon", path, node).map { duration($0, "\(path).horizon", default: 0, minimum: 1) }
        let clearHorizon = m["clear_horizon"].map { duration($0, "\(path).clear_horizon", default: 0, minimum: 1) }
        let output = string(m["output"], "\(path).output", default: "rul")
        guard let modelNode = need(m, "model", path, node),
              let file = string(modelNode, "\(path).model") else { return nil }
        let resolved = file.hasPrefix("/") ? file : "\(baseDirectory)/\(file)"
        let model: RULModel
        do {
            model = try RULModelFile.load(path: resolved)
        } catch {
            fail("\(path).model", "\(error.description) (write one with `twind model fit`)", modelNode)
            return nil
        }
        guard let horizon else { return nil }
        return .remainingLife(RemainingLife(model: model, modelPath: resolved, horizon: horizon,
                                            clearHorizon: clearHorizon, output: output))
    }

    private mutating func usage(_ node: Node, _ path: String) -> RuleSpec.Kind? {
        let measures = ["run_time", "integral", "cycles"]
        guard let m = mapping(node, path, allowed: measures + ["every", "counter", "max_gap"]) else { return nil }
        let present = measures.filter { m[$0] != nil }
        guard present.count == 1, let kind = present.first, let measureNode = m[kind] else {
            fail(path, "expected exactly one of run_time, integral, cycles", node)
            return nil
        }
        let measurePath = "\(path).\(kind)"
        var measure: Usage.Measure?
        switch kind {
        case "integral":
            let per = oneOf(measureNode, measurePath, ["second", "minute", "hour"], default: "hour")
            measure = .integral(per: per == "hour" ? 3_600_000 : (per == "minute" ? 60_000 : 1_000))
        default:
            let direction = ["above", "below", "clear_below", "clear_above"]
            if let c = mapping(measureNode, measurePath, allowed: direction),
               let t = threshold(c, measurePath, measureNode) {
                measure = kind == "run_time" ? .runTime(t) : .cycles(t)
            }
        }
        var every: Double?
        if let everyNode = need(m, "every", path, node) {
            every = kind == "run_time"
                ? Double(duration(everyNode, "\(path).every", default: 0, minimum: 1)) / 3_600_000
                : double(everyNode, "\(path).every")
        }
        let counter = string(m["counter"], "\(path).counter")
        let maxGap = duration(m["max_gap"], "\(path).max_gap", default: 3_600_000, minimum: 1)
        guard let measure, let every else { return nil }
        return .usage(Usage(measure, every: every, counter: counter, maxGap: maxGap))
    }

    /// `above`/`below` with its optional clear level.
    private mutating func threshold(_ m: [String: Node], _ path: String, _ node: Node,
                                    clearAllowed: Bool = true) -> Threshold? {
        switch (m["above"], m["below"]) {
        case (.some(let above), nil):
            if m["clear_above"] != nil {
                fail("\(path).clear_above", "goes with below; with above use clear_below", m["clear_above"])
            }
            guard let limit = double(above, "\(path).above") else { return nil }
            return Threshold(.above, limit, clear: clearAllowed ? double(m["clear_below"], "\(path).clear_below") : nil)
        case (nil, .some(let below)):
            if m["clear_below"] != nil {
                fail("\(path).clear_below", "goes with above; with below use clear_above", m["clear_below"])
            }
            guard let limit = double(below, "\(path).below") else { return nil }
            return Threshold(.below, limit, clear: clearAllowed ? double(m["clear_above"], "\(path).clear_above") : nil)
        default:
            fail(path, "expected exactly one of above and below", node)
            return nil
        }
    }

    /// `m[key]`, reporting it missing.
    private mutating func need(_ m: [String: Node], _ key: String, _ path: String, _ node: Node) -> Node? {
        if m[key] == nil { fail("\(path).\(key)", "missing", node) }
        return m[key]
    }

    /// A finite number; nil (reported) for anything else.
    mutating func double(_ node: Node?, _ path: String) -> Double? {
        guard let node else { return nil }
        guard node.null == nil, let number = node.float ?? node.int.map(Double.init), number.isFinite else {
            fail(path, "expected a number, got \(describe(node))", node)
            return nil
        }
        return number
    }
}
