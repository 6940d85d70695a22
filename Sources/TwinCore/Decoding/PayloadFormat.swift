/// How a route's payloads are encoded.
public enum PayloadFormat: String, Sendable, Codable, CaseIterable {
    /// A JSON object; see `JSONObjectDecoder` for the mapping.
    case json
    /// A plain decimal number; the metric name comes from the route.
    case number
    /// RFC 8428 SenML JSON.
    case senml
    /// InfluxDB line protocol with nanosecond timestamps.
    case influx
}
