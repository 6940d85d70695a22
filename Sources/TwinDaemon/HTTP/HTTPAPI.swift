import Foundation
import Hummingbird
import Logging
import Prometheus
import TwinCore
import TwinMQTT
import TwinStore

/// The HTTP API's routes over the live twins, the database and the metrics.
struct HTTPAPI: Sendable {
    let pipeline: IngestPipeline
    let client: MQTTIngestClient
    let metrics: IngestMetrics
    let databasePath: String
    let registry: PrometheusCollectorRegistry?
    let token: String?
    let readers: ReaderPool
    /// Acknowledgements write through the ingest's store: off the cooperative pool too.
    private let writes = BlockingQueue(label: "http-writes")

    init(pipeline: IngestPipeline, client: MQTTIngestClient, metrics: IngestMetrics, databasePath: String,
         registry: PrometheusCollectorRegistry?, token: String?) throws {
        self.pipeline = pipeline
        self.client = client
        self.metrics = metrics
        self.databasePath = databasePath
        self.registry = registry
        self.token = token
        self.readers = try ReaderPool(path: databasePath)
    }

    /// An `Application` to run as a service of the daemon's group.
    func application(_ settings: HTTPSettings, logger: Logger) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(settings.host, port: settings.port),
                                                           serverName: "twind"),
                    logger: logger)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        router.get("healthz") { _, _ in health() }
        router.get("metrics") { _, _ in await prometheusText() }
        let v1 = router.group("v1")
        v1.get("assets") { _, _ in assets() }
        v1.get("assets/{asset}") { _, context in try twin(context.parameters.require("asset")) }
        v1.get("assets/{asset}/history") { request, context in
            let (asset, query) = (try context.parameters.require("asset"), request.uri.queryParameters)
            return try await readers.read { try history(asset: asset, query: query, reader: $0) }
        }
        v1.get("alerts") { request, _ in
            let query = request.uri.queryParameters
            return try await readers.read { try alerts(query: query, reader: $0) }
        }
        v1.post("alerts/{id}/ack") { _, context in
            let id = try context.parameters.require("id")
            return try await writes.run { try acknowledge(id) }
        }
        return router
    }

    func health() -> HealthDocument {
        let last = metrics.lastCommitAt.load(ordering: .relaxed)
        let failures = metrics.commitFailures.load(ordering: .relaxed)
        let connected = client.statistics.isConnected
        let writable = FileManager.default.isWritableFile(atPath: databasePath)
        return HealthDocument(status: connected && writable ? "ok" : "degraded", brokerConnected: connected,
                              lastCommitAgeSeconds: last == 0 ? nil : Double(unixMillis() - last) / 1_000,
                              commitFailures: failures, databaseWritable: writable)
    }

    func prometheusText() async -> Response {
        let files = [databasePath, databasePath + "-wal"]
        let bytes = files.compactMap { (try? FileManager.default.attributesOfItem(atPath: $0))?[.size] as? Int64 }
        let active = try? await readers.read { try $0.alerts(activeOnly: true, assetGlob: nil, limit: nil).count }
        metrics.update(activeAlerts: active, databaseBytes: bytes.isEmpty ? nil : bytes.reduce(0, +))
        var buffer: [UInt8] = []
        registry?.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }

    func assets() -> AssetList {
        AssetList(assets: pipeline.allTwins().map { twin in
            AssetSummary(asset: twin.asset, status: twin.status.rawValue, lastSeen: twin.lastSeen,
                         lastSeenTime: RFC3339.string(twin.lastSeen), metrics: twin.metrics.count,
                         version: twin.version)
        })
    }

    func twin(_ asset: String) throws -> TwinDocument {
        guard let twin = pipeline.twin(asset) else {
            throw HTTPError(.notFound, message: "no twin for asset '\(asset)'; GET /v1/assets lists them")
        }
        return TwinDocument(twin: twin)
    }

    func history(asset: String, query: Parameters, reader: TwinStoreReader) throws -> HistoryDocument {
        guard let metric = query["metric"].map(String.init), !metric.isEmpty else {
            throw HTTPError(.badRequest, message: "give the metric: ?metric=temp")
        }
        let now = unixMillis()
        func time(_ name: String) throws -> Int64? {
            guard let text = query[Substring(name)] else { return nil }
            guard let millis = TimeExpression.parse(String(text), now: now) else {
                throw HTTPError(.badRequest, message: "\(name)='\(text)' is not a time: use \(TimeExpression.help)")
            }
            return millis
        }
        let from = try time("from")
        let to = try time("to")
        if let from, let to, from > to {
            throw HTTPError(.badRequest, message: "from is after to: the range is empty")
        }
        let limit = min(Int(query["limit"].map(String.init) ?? "") ?? 100_000, 1_000_000)
        guard pipeline.twin(asset)?.metrics[metric] != nil else {
            throw HTTPError(.notFound, message: "no metric '\(metric)' for asset '\(asset)'")
        }
        let stepText = query["step"].map(String.init) ?? "raw"
        let step: HistoryStep
        if stepText == "auto" {
            step = try reader.automaticStep(asset: asset, metric: metric, from: from, to: to)
        } else if let chosen = HistoryStep(rawValue: stepText) {
            step = chosen
        } else {
            throw HTTPError(.badRequest, message: "step='\(stepText)': use raw, 1m, 1h or auto")
        }
        var points: [HistoryPoint] = []
        try reader.history(asset: asset, metric: metric, from: from, to: to, step: step, limit: limit + 1) { row in
            points.append(step == .raw ? HistoryPoint(ts: row.timestamp, value: row.last)
                : HistoryPoint(ts: row.timestamp, value: row.average, min: row.min, max: row.max, count: row.count))
        }
        let truncated = points.count > limit
        if truncated { points.removeLast() }
        return HistoryDocument(asset: asset, metric: metric, from: from, to: to, step: step.rawValue, points: points,
                               truncated: truncated)
    }
}

extension HTTPAPI {
    func alerts(query: Parameters, reader: TwinStoreReader) throws -> AlertList {
        let state = query["state"].map(String.init) ?? "all"
        guard ["all", "active", "raised", "acknowledged", "cleared"].contains(state) else {
            throw HTTPError(.badRequest, message: "state='\(state)': use all, active, raised, acknowledged or cleared")
        }
        let limit = Int(query["limit"].map(String.init) ?? "") ?? 1_000
        let alerts = try reader.alerts(
            activeOnly: state == "active", assetGlob: query["asset"].map(String.init), limit: limit)
        return AlertList(alerts: alerts.filter { state == "all" || state == "active" || $0.state.rawValue == state })
    }

    func acknowledge(_ idText: String) throws -> StoredAlert {
        guard let id = Int64(idText) else {
            throw HTTPError(.badRequest, message: "'\(idText)' is not an alert id: GET /v1/alerts lists them")
        }
        guard let alert = try pipeline.acknowledge(alert: id, at: unixMillis()) else {
            throw HTTPError(.notFound, message: "there is no alert \(id)")
        }
        if alert.state == .cleared {
            throw HTTPError(.conflict, message: "alert \(id) has already cleared")
        }
        return alert
    }
}

/// Requires `Authorization: Bearer <token>` on every route but `/healthz`.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response {
        if request.uri.path == "/healthz" { return try await next(request, context) }
        guard let header = request.headers[.authorization], header == "Bearer \(token)" else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                            message: "send the token from http.token_file as 'Authorization: Bearer <token>'")
        }
        return try await next(request, context)
    }
}
