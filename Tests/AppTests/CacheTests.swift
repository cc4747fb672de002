import Domain
import FluentSQLiteDriver
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

extension AppTests {
    /// What the speed work of issue 14 keeps in memory stays true: the ministry's cached draft
    /// follows every change (even one made behind the server's back, as another process would),
    /// the day and the deadline; the cached public page follows corrections at once; the direct
    /// SQLite path is really taken.
    @Suite struct Caches {
        static func draft(_ t: TestApp, _ admin: String) async throws -> Bulletin {
            try Bulletins.bulletin(try await t.send(.GET, "/api/v1/bulletins/2026Q2", token: admin))
        }

        @Test func draft_followsEveryChange_theDayAndTheDeadline() async throws {
            try await withTestApp { t in
                let (admin, _, _) = try await Bulletins.scenario(t)
                let sql = try #require(t.app.db as? any SQLDatabase)
                let first = try await Self.draft(t, admin)
                #expect(first.rows.first { $0.unitCode == "120000" }?.unitName == "天津市")
                // The same draft again comes from the cache: same stamp, same bytes.
                let stamp = try await ChangeStamps.current(on: t.app.db)
                let again = try await t.send(.GET, "/api/v1/bulletins/2026Q2", token: admin)
                #expect(try Bulletins.bulletin(again).rows.count == first.rows.count)
                #expect(try await ChangeStamps.current(on: t.app.db) == stamp)

                // A change written straight into the database (as another server process would)
                // advances the stamp through the triggers, and the next draft shows it.
                try await sql.raw("UPDATE units SET name = '天津市（改）' WHERE code = '120000'").run()
                #expect(try await ChangeStamps.current(on: t.app.db) == stamp + 1)
                #expect(try await Self.draft(t, admin).rows.first { $0.unitCode == "120000" }?.unitName == "天津市（改）")

                // A report's correction through the API (a new revision of Tianjin's accepted
                // report, submitted and accepted): the draft follows.
                let tj = try await t.login("tj", "password-tj")
                #expect(
                    try await t.send(.PUT, "/api/v1/reports/2026Q2/120000", token: tj, json: reportJSON(national: 9)).status
                        == .ok)
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/120000/submit", token: tj).status == .ok)
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/120000/accept", token: admin).status == .ok)
                let changed = try await Self.draft(t, admin).rows.first { $0.unitCode == "120000" }
                #expect(changed?.cells[0] == .count(9))

                // A publication and a task's progress are inputs too.
                #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                let published = try await Self.draft(t, admin)
                #expect(published.revision == 2)
                try await sql.raw("DELETE FROM rectifications").run()
                #expect(try await ChangeStamps.current(on: t.app.db) > stamp + 1)

                // Missing reports turn into "deadline passed" when the deadline passes, with no
                // write in between: the cache is keyed by the deadline too.
                t.clock.set(beijing("2026-10-10T10:00:00"))
                let admin3 = try await t.admin()
                let before = try Bulletins.bulletin(try await t.send(.GET, "/api/v1/bulletins/2026Q3", token: admin3))
                t.clock.set(beijing("2026-10-16T10:00:00"))
                let admin4 = try await t.admin()
                let after = try Bulletins.bulletin(try await t.send(.GET, "/api/v1/bulletins/2026Q3", token: admin4))
                let missingBefore = before.rows.first { $0.unitCode == "110000" }?.findings.first?.message ?? ""
                let missingAfter = after.rows.first { $0.unitCode == "110000" }?.findings.first?.message ?? ""
                #expect(missingBefore != missingAfter, "\(missingBefore) / \(missingAfter)")
            }
        }

        @Test func publicPage_isMadeOncePerRevision_andACorrectionShowsAtOnce() async throws {
            try await withTestApp { t in
                let (admin, bj, _) = try await Bulletins.scenario(t)
                #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                let page = try await t.send(.GET, "/bulletins/2026Q2")
                #expect(page.status == .ok)
                let etag = try #require(page.headers.first(name: .eTag))
                #expect(page.headers.first(name: .cacheControl) == "no-cache")
                #expect(page.body.string.contains("人社鉴通"))
                // The same page again, byte for byte; 304 for a browser that has it.
                #expect(try await t.send(.GET, "/bulletins/2026Q2").body.string == page.body.string)
                var conditional = HTTPHeaders()
                conditional.replaceOrAdd(name: .ifNoneMatch, value: etag)
                let revalidated = try await t.send(.GET, "/bulletins/2026Q2", headers: conditional)
                #expect(revalidated.status == .notModified && revalidated.body.readableBytes == 0)
                // The English page is its own, and remembers the choice.
                let en = try await t.send(.GET, "/bulletins/2026Q2?lang=en")
                #expect(en.body.string.contains("lang=\"en\"") && en.headers.setCookie?[L10n.cookie]?.string == "en")
                #expect(en.headers.first(name: .eTag) != etag)
                // A browser that has the English page gets 304 and its language choice remembered.
                var conditionalEn = HTTPHeaders()
                conditionalEn.replaceOrAdd(name: .ifNoneMatch, value: en.headers.first(name: .eTag) ?? "")
                let enAgain = try await t.send(.GET, "/bulletins/2026Q2?lang=en", headers: conditionalEn)
                #expect(enAgain.status == .notModified && enAgain.headers.setCookie?[L10n.cookie]?.string == "en")
                // Made-up addresses are answered but never kept: other parameters, repeated ones,
                // other spellings of a revision, another spelling of the path.
                let kept = t.app.bulletinCache.artifactCount
                for query in [
                    "x=\(UUID())", "draft=false&draft=false", "revision=01", "revision=+1", "revision=1&revision=1",
                    "lang=en&lang=en", "draft=true", "lang=fr", "&", "revision",
                ] {
                    let res = try await t.send(.GET, "/bulletins/2026Q2?\(query)")
                    #expect(res.status.code < 500 && res.headers.first(name: .eTag) == nil, "\(query)")
                }
                #expect(try await t.send(.GET, "/bulletins/2026Q2/").headers.first(name: .eTag) == nil)
                #expect(t.app.bulletinCache.artifactCount == kept)
                // The page's own parameters are kept, once each.
                #expect(try await t.send(.GET, "/bulletins/2026Q2?revision=1&lang=zh").headers.first(name: .eTag) != nil)
                // A signed-in reader gets their own header, not the public page.
                let web = try await Web.webLogin(t, "bj", "password-bj")
                let own = try await t.send(.GET, "/bulletins/2026Q2", headers: Web.headers(web.cookie))
                #expect(own.body.string.contains("bj（") && !page.body.string.contains("bj（"))
                #expect(own.headers.first(name: .eTag) == nil)

                // A correction is the latest revision at once: the public page shows it.
                let tj = try await t.login("tj", "password-tj")
                _ = bj
                #expect(
                    try await t.send(.PUT, "/api/v1/reports/2026Q2/120000", token: tj, json: reportJSON(national: 9)).status
                        == .ok)
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/120000/submit", token: tj).status == .ok)
                #expect(try await t.send(.POST, "/api/v1/reports/2026Q2/120000/accept", token: admin).status == .ok)
                #expect(try await t.publish("2026Q2", token: admin).status == .ok)
                let corrected = try await t.send(.GET, "/bulletins/2026Q2")
                #expect(corrected.body.string.contains("更正"))
                #expect(corrected.headers.first(name: .eTag) != etag)
                #expect(try await t.send(.GET, "/bulletins/2026Q2", headers: conditional).status == .ok)
                // The first revision stays as it was, under its own address.
                #expect(try await t.send(.GET, "/bulletins/2026Q2?revision=1").body.string.contains("更正") == false)
            }
        }

        /// On SQLite the verification, the cached bulletins and the import take the direct path:
        /// if a newer SQLiteNIO hid the handle, this fails instead of everything silently slowing.
        @Test func sqliteDirect_isTakenOnSQLite() async throws {
            try await withTestApp { t in
                let sql = try #require(t.app.db as? any SQLDatabase)
                let available = try await SQLiteDirect.isAvailable(on: sql)
                #expect(available == (sql.dialect.name == "sqlite"))
                guard available else { return }
                // Errors come back as Fluent's database errors: a constraint failure is one.
                let refused = await #expect(throws: SQLiteDirect.DirectError.self) {
                    try await SQLiteDirect.run(on: sql) { c in
                        try c.prepare("INSERT INTO units (code, name, kind) VALUES ('110000', 'x', 'region')").run()
                    }
                }
                #expect(refused?.isConstraintFailure == true)
                let syntax = await #expect(throws: SQLiteDirect.DirectError.self) {
                    try await SQLiteDirect.run(on: sql) { c in try c.prepare("SELEC 1").run() }
                }
                #expect(syntax?.isSyntaxError == true)
            }
        }
    }
}
