/// Turns MQTT messages into readings and property updates, or says why they are quarantined.
///
/// Checks run in this order: payload size (`oversize`), route (`noRoute`), asset id from the topic
/// (`invalidAssetID`), UTF-8 (`invalidUTF8`), then the format's own rules. A message is all or nothing: if any
/// part of it is invalid, nothing of it is decoded and the first problem is reported.
public struct MessageDecoder: Sendable {
    /// A route behind one reference, so that picking it costs one retain rather than one per field.
    private final class CompiledRoute: Sendable {
        let template: TopicTemplate
        let format: PayloadFormat
        let assetName: NameTemplate?
        let metricName: NameTemplate?

        init(_ route: Route) {
            template = route.template
            format = route.format
            assetName = route.assetName
            metricName = route.metricName
        }
    }

    public let routes: [Route]
    public let limits: DecodeLimits
    private let compiledRoutes: [CompiledRoute]
    private let maxVariables: Int

    /// The first route whose template matches a topic decodes its messages.
    public init(routes: [Route], limits: DecodeLimits = DecodeLimits()) {
        self.routes = routes
        self.limits = limits
        self.compiledRoutes = routes.map(CompiledRoute.init)
        self.maxVariables = routes.map(\.template.variables.count).max() ?? 0
    }

    public func decode(topic: String, payload: [UInt8], receivedAt: Int64) -> DecodeResult {
        payload.withUnsafeBytes { decode(topic: topic, payload: $0, receivedAt: receivedAt) }
    }

    /// - Parameter receivedAt: Unix ms; the time of readings whose payload has none, and the reference for the
    ///   future and age checks.
    public func decode(topic: String, payload: UnsafeRawBufferPointer, receivedAt: Int64) -> DecodeResult {
        guard payload.count <= limits.maxPayloadBytes else {
            return .quarantined(
                .oversize,
                detail: "the payload is \(payload.count) bytes; the limit is \(limits.maxPayloadBytes)"
            )
        }
        var topic = topic
        return topic.withUTF8 { topicBytes in
            withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: max(maxVariables, 1)) { captures in
                NameBuffer.withBuffer { names -> DecodeResult in
                    do throws(DecodeFailure) {
                        return try decode(
                            topic: UnsafeRawBufferPointer(topicBytes),
                            payload: payload,
                            receivedAt: receivedAt,
                            captures: captures,
                            names: &names
                        )
                    } catch {
                        return .quarantined(error.reason, detail: error.detail)
                    }
                }
            }
        }
    }

    private func decode(
        topic: UnsafeRawBufferPointer,
        payload: UnsafeRawBufferPointer,
        receivedAt: Int64,
        captures: UnsafeMutableBufferPointer<Range<Int>>,
        names: inout NameBuffer
    ) throws(DecodeFailure) -> DecodeResult {
        guard let route = compiledRoutes.first(where: { $0.template.match(utf8: topic, captures: captures) }) else {
            throw DecodeFailure(.noRoute, "no route matches topic \(DecodeFailure.quote(bytes: topic, limit: 128))")
        }

        // nil only for an influx route that takes the asset from each line's tag.
        var asset: String?
        if let assetName = route.assetName {
            assetName.compose(topic: topic, captures: captures, into: &names)
            guard names.count <= NameBuffer.capacity, NameRules.isValidAssetID(names.bytes) else {
                throw DecodeFailure(
                    .invalidAssetID,
                    "asset id \(DecodeFailure.quote(bytes: names.bytes)) is not 1 to 128 of [A-Za-z0-9_.:-]"
                )
            }
            asset = String(decoding: names.bytes, as: UTF8.self)
            names.truncate(to: 0)
        }

        if let offset = UTF8Validation.firstInvalidOffset(payload) {
            throw DecodeFailure(.invalidUTF8, "the payload is not valid UTF-8 at byte \(offset)")
        }

        var collector = ReadingCollector(receivedAt: receivedAt, limits: limits)
        if route.format != .number, let prefix = route.metricName {
            prefix.compose(topic: topic, captures: captures, into: &names)
            names.append(UInt8(ascii: "."))
        }
        switch route.format {
        case .json:
            try JSONObjectDecoder.decode(payload, asset: asset!, names: &names, collector: &collector)
        case .senml:
            try SenMLDecoder.decode(payload, asset: asset!, names: &names, collector: &collector)
        case .influx:
            try InfluxLineDecoder.decode(payload, asset: asset, names: &names, collector: &collector)
        case .number:
            route.metricName!.compose(topic: topic, captures: captures, into: &names)
            let metric = try names.makeName()
            try PlainNumberDecoder.decode(payload, asset: asset!, metric: metric, collector: &collector)
        }
        return collector.result()
    }
}
