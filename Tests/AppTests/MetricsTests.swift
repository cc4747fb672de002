import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    /// `GET /metrics`: Prometheus text for the addresses of `ZHIJIAN_METRICS_FROM` only, with the
    /// requests by route and status and what Zhijian adds (refusals, imports, publications, writes).
    @Suite struct Metrics {
        /// The value of one sample line (`name{labels} value`), 0 when absent.
        static func value(_ text: String, _ line: String) -> Double {
            text.split(separator: "\n").first { $0.hasPrefix(line + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
                ?? 0
        }

        @Test func metrics_countRequestsRefusalsAndImports_forLoopbackOnly() async throws {
            try await withTestApp(trustedProxies: ["127.0.0.1"]) { t in
                let before = try await t.send(.GET, "/metrics")
                #expect(before.status == .ok)
                #expect(before.headers.contentType?.subType == "plain")
                let refusedBefore = Self.value(before.body.string, #"zhijian_rate_limited_total{limiter="verify"}"#)
                let importedBefore = Self.value(before.body.string, #"zhijian_import_rows_total{kind="occupations"}"#)

                let admin = try await t.admin()
                let csv = "code,name\n9-99-99-01,演示职业一\n9-99-99-02,演示职业二\n"
                let imported = try await t.send(
                    .POST, "/api/v1/occupations/import", token: admin, body: csv, contentType: "text/csv")
                #expect(imported.status == .ok)
                var h = HTTPHeaders()
                h.replaceOrAdd(name: .xForwardedFor, value: "198.51.100.7")
                var refused = 0
                for _ in 0..<40
                where try await t.send(.GET, "/api/v1/verify?serial=000000000001&name=x", headers: h).status == .tooManyRequests {
                    refused += 1
                }
                #expect(refused > 0)

                let after = try await t.send(.GET, "/metrics").body.string
                #expect(Self.value(after, #"zhijian_rate_limited_total{limiter="verify"}"#) - refusedBefore == Double(refused))
                #expect(Self.value(after, #"zhijian_import_rows_total{kind="occupations"}"#) - importedBefore == 2)
                #expect(after.contains(#"http_requests_total{method="POST",path="/api/v1/occupations/import",status="200"}"#))
                #expect(
                    after.contains(#"http_request_duration_seconds_bucket{method="GET",path="/api/v1/verify",status="429",le="#))
                #expect(after.contains("zhijian_db_write_duration_seconds_count"))

                // Anyone else (here a client behind the trusted proxy) finds nothing there.
                let outside = try await t.send(.GET, "/metrics", headers: h)
                #expect(outside.status == .notFound)
                #expect(!outside.body.string.contains("http_requests_total"))
            }
        }
    }
}
