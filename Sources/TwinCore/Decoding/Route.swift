/// How messages on matching topics are decoded and which asset and metric names they get.
public struct Route: Sendable {
    public let template: TopicTemplate
    public let format: PayloadFormat
    /// The asset id pattern, e.g. `{site}.{asset}`.
    public let asset: String
    /// The metric pattern as given; nil for the default.
    public let metric: String?

    /// nil when an influx route takes the asset from each line's `asset` tag.
    let assetName: NameTemplate?
    /// For `number`, the metric name; for the other formats, a prefix joined with "." to every payload name.
    let metricName: NameTemplate?

    /// Creates a route; every `{variable}` in `asset` and `metric` must exist in `template`.
    ///
    /// - Parameters:
    ///   - asset: how the asset id is composed from template variables and literal asset-id characters.
    ///     For `influx`, when the template has no `{asset}` and `asset` is the default, each line's `asset` tag
    ///     names the asset.
    ///   - metric: for `number`, the metric name (default `{metric}`), which may be fixed text. For the
    ///     other formats an optional prefix: with `"{subsystem}"`, payload field `temp` becomes
    ///     `<subsystem>.temp`.
    public init(
        template: String,
        format: PayloadFormat,
        asset: String = "{asset}",
        metric: String? = nil
    ) throws(TopicTemplateError) {
        let topicTemplate = try TopicTemplate(template)
        self.template = topicTemplate
        self.format = format
        self.asset = asset
        self.metric = metric

        let hasAssetVariable = topicTemplate.variables.contains("asset")
        if asset == "{asset}" && !hasAssetVariable {
            guard format == .influx else {
                throw TopicTemplateError(
                    problem: "no {asset} variable, so the route needs an asset pattern such as \"{device}\"",
                    text: template,
                    column: nil
                )
            }
            self.assetName = nil
        } else {
            guard !asset.isEmpty else {
                throw TopicTemplateError(problem: "empty asset pattern", text: asset, column: nil)
            }
            self.assetName = try NameTemplate(asset, template: topicTemplate, allowed: NameRules.isAssetCharacter)
        }

        let isMetricCharacter: (Character) -> Bool = { character in
            character != "/" && !character.unicodeScalars.contains { $0.properties.generalCategory == .control }
        }
        if let metric {
            guard !metric.isEmpty else {
                throw TopicTemplateError(problem: "empty metric pattern", text: metric, column: nil)
            }
            self.metricName = try NameTemplate(metric, template: topicTemplate, allowed: isMetricCharacter)
        } else if format == .number {
            guard topicTemplate.variables.contains("metric") else {
                throw TopicTemplateError(
                    problem: "a number payload has no metric name: add a {metric} variable or give the route a metric",
                    text: template,
                    column: nil
                )
            }
            self.metricName = try NameTemplate("{metric}", template: topicTemplate)
        } else {
            self.metricName = nil
        }
    }
}
