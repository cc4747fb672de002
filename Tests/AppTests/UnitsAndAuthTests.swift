import Foundation
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    @Suite struct UnitsAndAuth {
        @Test func health_answersOK() async throws {
            try await withTestApp { t in
                let res = try await t.send(.GET, "/healthz")
                #expect(res.status == .ok)
                #expect(res.body.string == #"{"status":"ok"}"#)
            }
        }

        @Test func units_the32RegionsArePresentByCode_thenIndustries() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let created = try await t.send(
                    .POST, "/api/v1/units", token: admin,
                    json: #"{"code":"I001","name":"机械工业","kind":"industry"}"#)
                #expect(created.status == .created)
                let res = try await t.send(.GET, "/api/v1/units")
                let units = try #require(try t.json(res) as? [[String: Any]])
                #expect(units.count == 33)
                #expect(units.first?["code"] as? String == "110000")
                #expect(units.first?["name"] as? String == "北京市")
                #expect(units[31]["code"] as? String == "660000")
                #expect(units[31]["name"] as? String == "新疆生产建设兵团")
                #expect(units[32]["code"] as? String == "I001")
                #expect(units[32]["kind"] as? String == "industry")
                let regionCodes = units.prefix(32).compactMap { $0["code"] as? String }
                #expect(regionCodes == regionCodes.sorted())
                #expect(units.prefix(32).allSatisfy { $0["kind"] as? String == "region" && $0["active"] as? Bool == true })
            }
        }

        @Test func units_onlyTheMinistryAddsIndustries_andRefusesBadOnes() async throws {
            try await withTestApp { t in
                let unit = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                let body = #"{"code":"I002","name":"煤炭工业","kind":"industry"}"#
                #expect(try await t.send(.POST, "/api/v1/units", json: body).status == .unauthorized)
                let forbidden = try await t.send(.POST, "/api/v1/units", token: unit, json: body)
                #expect(forbidden.status == .forbidden)
                #expect(try t.error(forbidden).code == "forbidden")
                let region = try await t.send(
                    .POST, "/api/v1/units", token: admin, json: #"{"code":"999999","name":"新省","kind":"region"}"#)
                #expect(region.status == .unprocessableEntity)
                #expect(try t.error(region).details.first?["field"] as? String == "kind")
                let badCode = try await t.send(
                    .POST, "/api/v1/units", token: admin, json: #"{"code":"a b","name":"X","kind":"industry"}"#)
                #expect(badCode.status == .unprocessableEntity)
                let dup = try await t.send(
                    .POST, "/api/v1/units", token: admin, json: #"{"code":"110000","name":"另一个","kind":"industry"}"#)
                #expect(dup.status == .conflict)
                let dupName = try await t.send(
                    .POST, "/api/v1/units", token: admin, json: #"{"code":"I009","name":"北京市","kind":"industry"}"#)
                #expect(dupName.status == .conflict)
                let malformed = try await t.send(.POST, "/api/v1/units", token: admin, json: #"{"code":"#)
                #expect(malformed.status == .badRequest)
                let units = try #require(try t.json(try await t.send(.GET, "/api/v1/units")) as? [[String: Any]])
                #expect(units.count == 32)
            }
        }

        @Test func units_deactivatedUnitLeavesTheBulletin() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let res = try await t.send(.PATCH, "/api/v1/units/660000", token: admin, json: #"{"active":false}"#)
                #expect(res.status == .ok)
                let put = try await t.send(.PUT, "/api/v1/reports/2026Q1/660000", token: admin, json: reportJSON())
                #expect(put.status == .conflict)
                #expect(try t.error(put).code == "unit_inactive")
                let rename = try await t.send(.PATCH, "/api/v1/units/110000", token: admin, json: #"{"name":"北京"}"#)
                #expect(rename.status == .unprocessableEntity)
                let b = try t.object(try await t.send(.GET, "/api/v1/bulletins/2026Q1", token: admin))
                let rows = try #require(b["rows"] as? [[String: Any]])
                #expect(rows.count == 31)
                #expect(!rows.contains { $0["unitCode"] as? String == "660000" })
            }
        }

        @Test func login_givesABearerToken_andWrongPasswordIs401() async throws {
            try await withTestApp { t in
                let token = try await t.admin()
                let me = try t.object(try await t.send(.GET, "/api/v1/auth/me", token: token))
                #expect(me["username"] as? String == "admin")
                #expect(me["role"] as? String == "ministry")
                let bad = try await t.send(.POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"nope"}"#)
                #expect(bad.status == .unauthorized)
                #expect(try t.error(bad).code == "invalid_credentials")
                let unknown = try await t.send(.POST, "/api/v1/auth/login", json: #"{"username":"ghost","password":"nope"}"#)
                #expect(unknown.status == .unauthorized)
                let garbage = try await t.send(.GET, "/api/v1/auth/me", token: "not-a-token")
                #expect(garbage.status == .unauthorized)
                #expect(try t.error(garbage).code == "unauthenticated")
            }
        }

        @Test func login_tokensExpire() async throws {
            try await withTestApp { t in
                let token = try await t.admin()
                t.clock.advance(13 * 3600)
                #expect(try await t.send(.GET, "/api/v1/auth/me", token: token).status == .unauthorized)
            }
        }

        @Test func login_logoutRevokesTheToken() async throws {
            try await withTestApp { t in
                let token = try await t.admin()
                #expect(try await t.send(.POST, "/api/v1/auth/logout", token: token).status == .noContent)
                #expect(try await t.send(.GET, "/api/v1/auth/me", token: token).status == .unauthorized)
            }
        }

        @Test func login_repeatedFailuresAreThrottled_thenRecover() async throws {
            try await withTestApp { t in
                for _ in 0..<5 {
                    let r = try await t.send(.POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"wrong"}"#)
                    #expect(r.status == .unauthorized)
                }
                let limited = try await t.send(
                    .POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(adminPassword)"}"#)
                #expect(limited.status == .tooManyRequests)
                #expect(try t.error(limited).code == "too_many_attempts")
                let retry = try #require(limited.headers.first(name: .retryAfter).flatMap(Int.init))
                #expect(retry > 0 && retry <= 900)
                t.clock.advance(901)
                #expect(
                    try await t.send(.POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(adminPassword)"}"#)
                        .status == .ok)
            }
        }

        @Test func login_guessingFromManyAddressesIsBoundedPerUserName() async throws {
            try await withTestApp(trustedProxies: ["127.0.0.1"]) { t in
                for n in 0..<20 {
                    var h = HTTPHeaders()
                    h.replaceOrAdd(name: "X-Forwarded-For", value: "10.0.0.\(n / 5)")
                    let r = try await t.send(
                        .POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"wrong"}"#, headers: h)
                    #expect(r.status == .unauthorized, "attempt \(n)")
                }
                var h = HTTPHeaders()
                h.replaceOrAdd(name: "X-Forwarded-For", value: "10.0.0.99")
                let limited = try await t.send(
                    .POST, "/api/v1/auth/login", json: #"{"username":"admin","password":"\#(adminPassword)"}"#, headers: h)
                #expect(limited.status == .tooManyRequests)
            }
        }

        @Test func users_ministryCreatesUsers_othersCannot_andBadInputIs422() async throws {
            try await withTestApp { t in
                let unit = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                let body = #"{"username":"x1","password":"password-x1","role":"unit","unitCode":"110000"}"#
                #expect(try await t.send(.POST, "/api/v1/users", token: unit, json: body).status == .forbidden)
                #expect(try await t.send(.POST, "/api/v1/users", json: body).status == .unauthorized)
                let noUnit = try await t.send(
                    .POST, "/api/v1/users", token: admin,
                    json: #"{"username":"x2","password":"password-x2","role":"unit","unitCode":null}"#)
                #expect(noUnit.status == .unprocessableEntity)
                let short = try await t.send(
                    .POST, "/api/v1/users", token: admin,
                    json: #"{"username":"x3","password":"short","role":"unit","unitCode":"110000"}"#)
                #expect(try t.error(short).details.first?["field"] as? String == "password")
                let badRole = try await t.send(
                    .POST, "/api/v1/users", token: admin,
                    json: #"{"username":"x4","password":"password-x4","role":"king","unitCode":null}"#)
                #expect(badRole.status == .unprocessableEntity)
                let unknownUnit = try await t.send(
                    .POST, "/api/v1/users", token: admin,
                    json: #"{"username":"x5","password":"password-x5","role":"unit","unitCode":"999999"}"#)
                #expect(try t.error(unknownUnit).details.first?["code"] as? String == "unknown_unit")
                let dup = try await t.send(
                    .POST, "/api/v1/users", token: admin,
                    json: #"{"username":"bj","password":"password-bj","role":"unit","unitCode":"110000"}"#)
                #expect(dup.status == .conflict)
                let me = try t.object(try await t.send(.GET, "/api/v1/auth/me", token: unit))
                #expect(me["unitCode"] as? String == "110000")
            }
        }
    }
}
