import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    @Suite struct OpenAPI {
        /// `path → methods` read from openapi.yaml's `paths:` section.
        static func documented() throws -> [String: Set<String>] {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("openapi.yaml")
            let text = try String(contentsOf: url, encoding: .utf8)
            var result: [String: Set<String>] = [:]
            var inPaths = false
            var current: String?
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line == "paths:" {
                    inPaths = true
                    continue
                }
                guard inPaths else { continue }
                if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                    current = String(line.dropFirst(2).dropLast())
                    result[current!] = []
                } else if let current, line.hasPrefix("    "), !line.hasPrefix("     ") {
                    let word = line.dropFirst(4).prefix { $0 != ":" }
                    if ["get", "put", "post", "patch", "delete"].contains(String(word)) { result[current]!.insert(String(word)) }
                }
            }
            return result
        }

        @Test func everyRouteIsDocumented_andEveryDocumentedPathExists() async throws {
            try await withTestApp { t in
                let doc = try Self.documented()
                var served: [String: Set<String>] = [:]
                // The API's catch-all (its JSON 404 for unknown paths) is not an operation.
                for route in t.app.routes.all
                where !route.path.contains(where: { if case .catchall = $0 { true } else { false } })
                    && route.path.map(\.description) != [SiteURL.apiRoot]
                {
                    let path =
                        "/"
                        + route.path.map { c -> String in
                            switch c {
                            case .constant(let s): s
                            case .parameter(let p): "{\(p)}"
                            case .anything: "*"
                            case .catchall: "**"
                            }
                        }.joined(separator: "/")
                    served[path, default: []].insert(route.method.rawValue.lowercased())
                }
                for (path, methods) in served {
                    for m in methods {
                        #expect(doc[path]?.contains(m) == true, "\(m.uppercased()) \(path) is served but not in openapi.yaml")
                    }
                }
                for (path, methods) in doc {
                    let routePath = path.replacingOccurrences(of: "{period}.csv", with: "{period}")
                        .replacingOccurrences(of: "{period}.xlsx", with: "{period}")
                        .replacingOccurrences(of: "{period}.pdf", with: "{period}")
                        .replacingOccurrences(of: "{unitCode}.xlsx", with: "{unitCode}")
                    for m in methods {
                        #expect(served[routePath]?.contains(m) == true, "\(m.uppercased()) \(path) is documented but not served")
                    }
                }
            }
        }

        @Test func theDocumentIsServed() async throws {
            try await withTestApp { t in
                let res = try await t.send(.GET, "/api/v1/openapi.yaml")
                #expect(res.status == .ok)
                #expect(res.body.string.hasPrefix("openapi: 3.1.0"))
            }
        }
    }
}
