import Metrics
import NIOCore
import Prometheus
import Vapor

/// The process's metrics, in Prometheus's text format at `GET /metrics`.
///
/// swift-metrics takes one factory for the life of a process, so the registry is the process's
/// (bootstrapped once, whatever number of `Application`s a test run makes). Vapor itself records
/// every request there — `http_requests_total` and the `http_request_duration_seconds`
/// histogram, by route pattern, method and status — and Zhijian adds what a supervisor of the
/// service watches: limiter refusals, rows imported, bulletins published, write transactions
/// (their time, and on SQLite the writers queued).
enum AppMetrics {
    static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
    }()

    static func bootstrap() { _ = bootstrapped }

    /// A request refused by a rate limiter.
    static func refused(by limiter: RateLimiter) {
        Counter(label: "zhijian_rate_limited_total", dimensions: [("limiter", limiter.name)]).increment()
    }

    /// Rows stored by an import (`certificates`, `sessions`, `occupations`).
    static func imported(_ rows: Int, kind: String) {
        guard rows > 0 else { return }
        Counter(label: "zhijian_import_rows_total", dimensions: [("kind", kind)]).increment(by: rows)
    }

    static func published() { Counter(label: "zhijian_bulletins_published_total").increment() }

    /// A write transaction's time, from asking for it (on SQLite: the queue for the write gate
    /// included) to its commit or rollback.
    static func wrote(seconds: Double, committed: Bool) {
        Timer(label: "zhijian_db_write_duration_seconds", dimensions: [("outcome", committed ? "commit" : "rollback")])
            .recordSeconds(seconds)
    }

    /// Writers waiting for SQLite's write gate, read when scraped.
    static func sample(_ app: Application) {
        Gauge(label: "zhijian_db_writers_waiting").record(app.writeGate?.waiting ?? 0)
    }

    /// `GET /metrics`: only for the addresses of `ZHIJIAN_METRICS_FROM` (default loopback), seen
    /// through the trusted proxies like every client address.
    @Sendable static func scrape(_ req: Request) async throws -> Response {
        guard let address = CIDR.parse(req.clientAddress), req.config.metricsFrom.contains(where: { $0.contains(address) }) else {
            throw AppError.notFound("No such page or resource", "找不到该页面或资源")
        }
        sample(req.application)
        var buffer = [UInt8]()
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        let res = Response(status: .ok, body: .init(buffer: ByteBuffer(bytes: buffer)))
        res.headers.contentType = HTTPMediaType(
            type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return res
    }
}
