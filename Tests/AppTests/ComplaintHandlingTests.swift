import Domain
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import App

/// Issue 11's complaints: the decision to accept or refuse, working-day deadlines and the one
/// extension, complaints about a guidance centre itself, evidence and the two-way thread.
extension AppTests {
    @Suite struct ComplaintHandling {
        typealias C = AppTests.Complaints

        /// A 16×12 JPEG whose EXIF holds a camera, a date and a GPS position (39°54'27"N
        /// 116°23'17"E), with a comment: made by Pillow.
        static let gpsJPEG = Array(
            Data(
                base64Encoded:
                    "/9j/4AAQSkZJRgABAQAAAQABAAD/4QC8RXhpZgAATU0AKgAAAAgAAwEPAAIAAAAIAAAAMgEyAAIAAAAUAAAAOoglAAQAAAABAAAATgAAAABUZXN0Q2FtADIwMjU6MDk6MzAgMTA6MDA6MDAAAAQAAQACAAAAAk4AAAAAAgAFAAAAAwAAAIQAAwACAAAAAkUAAAAABAAFAAAAAwAAAJwAAAAAAAAAJwAAAAEAAAA2AAAAAQAAABsAAAABAAAAdAAAAAEAAAAXAAAAAQAAABEAAAAB//4AEHNlY3JldCBjb21tZW50/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/9sAQwEDBAQFBAUJBQUJFA0LDRQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU/8AAEQgADAAQAwEiAAIRAQMRAf/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/EAB8BAAMBAQEBAQEBAQEAAAAAAAABAgMEBQYHCAkKC//EALURAAIBAgQEAwQHBQQEAAECdwABAgMRBAUhMQYSQVEHYXETIjKBCBRCkaGxwQkjM1LwFWJy0QoWJDThJfEXGBkaJicoKSo1Njc4OTpDREVGR0hJSlNUVVZXWFlaY2RlZmdoaWpzdHV2d3h5eoKDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uLj5OXm5+jp6vLz9PX29/j5+v/aAAwDAQACEQMRAD8A8F/tq3/553f/AIBzf/EUf21b/wDPO7/8A5v/AIir9FfGe0y7/nzP/wAGR/8AlZ/YvJjf+fkf/AH/APJn/9k="
            )!)

        static func upload(
            _ t: TestApp, _ path: String, token: String? = nil, name: String = "photo.jpg", type: String = "image/jpeg",
            bytes: [UInt8], ip: String = "198.51.100.50"
        ) async throws -> TestingHTTPResponse {
            let (body, contentType) = TestApp.multipart([], files: [("file", name, type, bytes)])
            var h = HTTPHeaders()
            h.replaceOrAdd(name: "X-Forwarded-For", value: ip)
            return try await t.send(.POST, path, token: token, headers: h, bytes: body, contentType: contentType)
        }

        static func caseJSON(_ t: TestApp, _ id: String, token: String) async throws -> [String: Any] {
            try t.object(try await t.send(.GET, "/api/v1/complaints/\(id)", token: token))
        }

        static func count(_ t: TestApp, _ table: String) async throws -> Int {
            let sql = try #require(t.app.db as? any SQLDatabase)
            struct N: Decodable { let n: Int }
            return try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decoding: N.self)?.n ?? -1
        }

        @Test func decision_acceptOrRefuseWithAReason_thatTheFilerReads() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                let (receipt, _) = try await C.file(t)
                let id = try await C.caseID(t, token: bj)
                let path = "/api/v1/complaints/\(id)/transition"
                #expect(try await Self.caseJSON(t, id, token: bj)["status"] as? String == "received")
                // Investigation starts only once the complaint is accepted.
                #expect(
                    try t.error(try await t.send(.POST, path, token: bj, json: #"{"to":"investigating","note":"x"}"#)).code
                        == "wrong_state")
                let noReason = try await t.send(.POST, path, token: bj, json: #"{"to":"refused","note":"内部说明"}"#)
                #expect(noReason.status == .unprocessableEntity)
                #expect(try t.error(noReason).details.first?["field"] as? String == "reason")
                #expect(try await Self.caseJSON(t, id, token: bj)["status"] as? String == "received")
                let refused = try t.object(
                    try await t.send(.POST, path, token: bj, json: #"{"to":"refused","reason":"举报事项不属于职业技能鉴定范围"}"#))
                #expect(refused["status"] as? String == "refused" && refused["closedAt"] != nil)
                let pub = try t.object(try await t.send(.GET, "/api/v1/complaints/receipt/\(receipt)"))
                #expect(pub["status"] as? String == "refused" && pub["refusalReason"] as? String == "举报事项不属于职业技能鉴定范围")
                #expect(
                    try t.error(try await t.send(.POST, path, token: bj, json: #"{"to":"accepted","note":"x"}"#)).code
                        == "case_closed")
                // The ministry overrules a refusal: the case is accepted, with a result deadline.
                let reopened = try t.object(
                    try await t.send(.POST, "/api/v1/complaints/\(id)/reopen", token: admin, json: #"{"note":"属于鉴定范围，应当受理"}"#))
                #expect(reopened["status"] as? String == "accepted" && reopened["refusalReason"] == nil)
                #expect(try await t.send(.POST, path, token: bj, json: #"{"to":"investigating","note":"开始调查"}"#).status == .ok)
                let updates = try #require(try await Self.caseJSON(t, id, token: bj)["updates"] as? [[String: Any]])
                #expect(updates.compactMap { $0["to"] as? String } == ["received", "refused", "accepted", "investigating"])
            }
        }

        /// Filed on Tuesday 30 September 2025, the day before the National Day holiday (1–8
        /// October, with Saturday 11 October a make-up working day): the 5 working days are 9, 10,
        /// 11, 13 and 14 October, so the decision is due by the end of 14 October.
        @Test func deadlines_countWorkingDays_acrossAHoliday_withOneExtension() async throws {
            try await withTestApp(now: beijing("2025-09-30T10:00:00")) { t in
                _ = try await C.file(t)
                func fresh() async throws -> (bj: String, admin: String) {
                    (try await t.login("bj", "password-bj"), try await t.admin())
                }
                _ = try await t.user("bj", role: "unit", unit: "110000")
                var (bj, admin) = try await fresh()
                let id = try await C.caseID(t, token: bj)
                #expect(try await Self.caseJSON(t, id, token: bj)["dueAt"] as? String == "2025-10-14T16:00:00Z")
                t.clock.set(beijing("2025-10-14T23:30:00"))
                (bj, admin) = try await fresh()
                #expect(try await Self.caseJSON(t, id, token: bj)["overdue"] as? Bool == false)
                t.clock.set(beijing("2025-10-15T00:30:00"))
                (bj, admin) = try await fresh()
                #expect(try await Self.caseJSON(t, id, token: bj)["overdue"] as? Bool == true)
                #expect(try t.array(try await t.send(.GET, "/api/v1/complaints?overdue=true", token: bj)).count == 1)
                // Accepted on 15 October: 60 working days end on 8 January 2026 (1–3 January off, 4 January on).
                let accepted = try t.object(
                    try await t.send(
                        .POST, "/api/v1/complaints/\(id)/transition", token: bj, json: #"{"to":"accepted","note":"予以受理"}"#))
                #expect(accepted["dueAt"] as? String == "2026-01-08T16:00:00Z" && accepted["overdue"] as? Bool == false)
                let extend = "/api/v1/complaints/\(id)/extend"
                #expect(try await t.send(.POST, extend, token: bj, json: #"{"days":10,"reason":"案情复杂"}"#).status == .forbidden)
                for bad in [#"{"days":31,"reason":"案情复杂"}"#, #"{"days":0,"reason":"案情复杂"}"#, #"{"days":10}"#] {
                    let r = try await t.send(.POST, extend, token: admin, json: bad)
                    #expect(r.status == .unprocessableEntity, "\(bad)")
                }
                let extended = try t.object(
                    try await t.send(.POST, extend, token: admin, json: #"{"days":10,"reason":"需调取外省录像"}"#))
                #expect(extended["dueAt"] as? String == "2026-01-22T16:00:00Z" && extended["extensionDays"] as? Int == 10)
                let again = try await t.send(.POST, extend, token: admin, json: #"{"days":5,"reason":"再延期"}"#)
                #expect(again.status == .conflict)
                #expect(try t.error(again).code == "already_extended")
                #expect(try await Self.caseJSON(t, id, token: bj)["dueAt"] as? String == "2026-01-22T16:00:00Z")
            }
        }

        @Test func aComplaintAboutTheCentreItself_goesToTheMinistry_andTheCentreNeverSeesIt() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let admin = try await t.admin()
                let body = C.filing("overcharge").replacingOccurrences(
                    of: #""channel":"web""#, with: #""channel":"web","aboutCentre":true"#)
                let (_, res) = try await C.file(t, body)
                #expect(res.status == .created)
                #expect(try t.array(try await t.send(.GET, "/api/v1/complaints", token: bj)).isEmpty)
                let mine = try t.array(try await t.send(.GET, "/api/v1/complaints?unitCode=ministry", token: admin))
                #expect(mine.count == 1)
                let c = mine[0]
                let id = try #require(c["id"] as? String)
                #expect(c["ownerCode"] == nil && c["unitCode"] as? String == "110000" && c["aboutCentre"] as? Bool == true)
                #expect(try await t.send(.GET, "/api/v1/complaints/\(id)", token: bj).status == .forbidden)
                let back = try await t.send(
                    .POST, "/api/v1/complaints/\(id)/transition", token: admin,
                    json: #"{"to":"transferred","note":"x","transferTo":"110000"}"#)
                #expect(back.status == .unprocessableEntity)
                #expect(try t.error(back).details.first?["code"] as? String == "conflict_of_interest")
                #expect(try await Self.caseJSON(t, id, token: admin)["ownerCode"] == nil)
                // The centre's own figures do not betray it while the ministry holds it.
                let derived = try t.object(try await t.send(.GET, "/api/v1/reports/2026Q2/110000/derived", token: bj))
                #expect((derived["overcharge"] as? [String: Any])?["uninvestigated"] as? Int == 0)
                // A unit sends up a complaint about itself filed without saying so.
                _ = try await C.file(t, C.filing("other"), ip: "198.51.100.3")
                let own = try await C.caseID(t, token: bj)
                let up = try await t.send(
                    .POST, "/api/v1/complaints/\(own)/transition", token: bj,
                    json: #"{"to":"transferred","note":"举报针对本中心","transferTo":"ministry"}"#)
                #expect(up.status == .ok)
                #expect(try t.object(up)["ownerCode"] == nil)
                #expect(try t.array(try await t.send(.GET, "/api/v1/complaints", token: bj)).isEmpty)
                let again = try await t.send(
                    .POST, "/api/v1/complaints/\(own)/transition", token: admin,
                    json: #"{"to":"transferred","note":"x","transferTo":"ministry"}"#)
                #expect(again.status == .unprocessableEntity)
                let noUnit = C.filing(unit: nil).replacingOccurrences(
                    of: #""channel":"web""#, with: #""channel":"web","aboutCentre":true"#)
                let refused = try await C.file(t, noUnit, ip: "198.51.100.2").res
                #expect(refused.status == .unprocessableEntity)
                #expect(try t.error(refused).details.first?["field"] as? String == "unitCode")
            }
        }

        @Test func evidence_checkedByContent_strippedOfMetadata_andServedOnlyToHandlers() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                let sup = try await t.user("sup", role: "supervisor", unit: "110000")
                let admin = try await t.admin()
                let (receipt, _) = try await C.file(t)
                let id = try await C.caseID(t, token: bj)
                let byReceipt = "/api/v1/complaints/receipt/\(receipt)/attachments"
                let taken = try await Self.upload(t, byReceipt, name: "../../现场.jpg", bytes: Self.gpsJPEG)
                #expect(taken.status == .created)
                #expect(try t.object(taken)["name"] as? String == "现场.jpg" && (try t.object(taken))["url"] == nil)
                // A renamed executable, a damaged photo, an empty file and 11 MB are refused; nothing is stored.
                let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + Array(repeating: 0, count: 120)
                let exe = try await Self.upload(t, byReceipt, name: "photo.jpg", bytes: elf)
                #expect(exe.status == .unsupportedMediaType)
                #expect(try t.error(exe).code == "unsupported_file_type")
                let cut = try await Self.upload(t, byReceipt, bytes: Array(Self.gpsJPEG.prefix(300)))
                #expect(cut.status == .unprocessableEntity)
                #expect(try t.error(cut).code == "unreadable_file")
                let big = try await Self.upload(
                    t, byReceipt, name: "big.pdf", type: "application/pdf",
                    bytes: Array("%PDF-1.4\n".utf8) + Array(repeating: 0x20, count: 11 * 1_048_576) + Array("%%EOF".utf8))
                #expect(big.status == .payloadTooLarge)
                #expect(try t.error(big).code == "file_too_large")
                #expect(try await Self.count(t, "complaint_attachments") == 1)
                let wrongReceipt = try await Self.upload(
                    t, "/api/v1/complaints/receipt/AAAA-BBBB/attachments", bytes: Self.gpsJPEG)
                #expect(wrongReceipt.status == .notFound)

                let files = try #require(try await Self.caseJSON(t, id, token: bj)["attachments"] as? [[String: Any]])
                #expect(
                    files.count == 1 && files[0]["contentType"] as? String == "image/jpeg"
                        && files[0]["fromFiler"] as? Bool == true)
                let url = try #require(files[0]["url"] as? String)
                #expect(url.hasPrefix("/api/v1/complaints/\(id)/attachments/"))
                let got = try await t.send(.GET, url, token: bj)
                #expect(got.status == .ok && got.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(got.headers.first(name: .contentDisposition)?.hasPrefix("attachment") == true)
                let stored = Array(got.body.readableBytesView)
                // Read back: still a JPEG, the same image data, but no EXIF (so no GPS) and no comment.
                #expect(stored.starts(with: [0xFF, 0xD8]) && stored.suffix(2).elementsEqual([0xFF, 0xD9]))
                #expect(Self.segments(stored).allSatisfy { $0 != 0xE1 && $0 != 0xFE })
                #expect(Self.segments(Self.gpsJPEG).contains(0xE1) && Self.segments(Self.gpsJPEG).contains(0xFE))
                #expect(!Data(stored).contains(Data("Exif".utf8)) && !Data(stored).contains(Data("secret comment".utf8)))
                #expect(!Data(stored).contains(Data([0x88, 0x25])))  // the GPS IFD pointer tag
                #expect(Array(stored.suffix(400)) == Array(Self.gpsJPEG.suffix(400)))
                // Only the handling unit and the ministry read it.
                #expect(try await t.send(.GET, url, token: admin).status == .ok)
                #expect(try await t.send(.GET, url, token: tj).status == .forbidden)
                #expect(try await t.send(.GET, url, token: sup).status == .forbidden)
                #expect(try await t.send(.GET, url).status == .unauthorized)
                #expect(try await t.send(.GET, "/api/v1/complaints/\(id)/attachments/\(UUID())", token: bj).status == .notFound)
                #expect(
                    try await Self.upload(t, "/api/v1/complaints/\(id)/attachments", token: tj, bytes: Self.gpsJPEG).status
                        == .forbidden)
                // Five files at most, counted under the case's lock: six at once give five.
                let png = App.DemoData.evidencePNG
                let results = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                    for i in 0..<6 {
                        group.addTask {
                            try await Self.upload(
                                t, "/api/v1/complaints/\(id)/attachments", token: bj, name: "p\(i).png", type: "image/png",
                                bytes: png
                            ).status
                        }
                    }
                    return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
                }
                // Five from the handlers (the filer's files count apart), counted under the case's lock.
                #expect(results.filter { $0 == .created }.count == 5 && results.filter { $0 == .conflict }.count == 1)
                #expect(try await Self.count(t, "complaint_attachments") == 6)
                for i in 2...5 {
                    #expect(
                        try await Self.upload(t, byReceipt, name: "f\(i).png", type: "image/png", bytes: png).status == .created)
                }
                let sixth = try await Self.upload(t, byReceipt, name: "p.png", type: "image/png", bytes: png)
                #expect(sixth.status == .conflict)
                #expect(try t.error(sixth).code == "too_many_files")
                #expect(try await Self.count(t, "complaint_attachments") == 10)
                // A form of thousands of parts is refused before the parser reads it (its time grows with their square).
                let parts = TestApp.multipart((0..<500).map { ("f\($0)", "x") }, files: [("file", "a.png", "image/png", png)])
                let many = try await t.send(
                    .POST, "/api/v1/complaints/\(id)/attachments", token: bj, bytes: parts.bytes, contentType: parts.contentType)
                #expect(many.status == .payloadTooLarge)
                #expect(try t.error(many).code == "too_many_parts")
            }
        }

        /// The markers of a JPEG's segments before the image data.
        static func segments(_ b: [UInt8]) -> [UInt8] {
            var markers: [UInt8] = []
            var i = 2
            while i + 4 <= b.count, b[i] == 0xFF {
                let m = b[i + 1]
                markers.append(m)
                if m == 0xDA { break }
                i += 2 + (Int(b[i + 2]) << 8 | Int(b[i + 3]))
            }
            return markers
        }

        @Test func thread_theHandlerAsks_theFilerAnswersWithTheReceipt() async throws {
            try await withTestApp { t in
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                let tj = try await t.user("tj", role: "unit", unit: "120000")
                let (receipt, _) = try await C.file(t)
                let id = try await C.caseID(t, token: bj)
                let answer = "/api/v1/complaints/receipt/\(receipt)/messages"
                let early = try await t.send(.POST, answer, json: #"{"body":"补充说明"}"#)
                #expect(early.status == .conflict)
                #expect(try t.error(early).code == "no_question")
                let ask = "/api/v1/complaints/\(id)/messages"
                #expect(try await t.send(.POST, ask, token: tj, json: #"{"body":"请问?"}"#).status == .forbidden)
                #expect(try await t.send(.POST, ask, token: bj, json: #"{"body":" "}"#).status == .unprocessableEntity)
                #expect(try await t.send(.POST, ask, token: bj, json: #"{"body":"请说明替考发生的日期和考场。"}"#).status == .created)
                var pub = try t.object(try await t.send(.GET, "/api/v1/complaints/receipt/\(receipt)"))
                #expect(pub["awaitingAnswer"] as? Bool == true)
                #expect((pub["messages"] as? [[String: Any]])?.first?["from"] as? String == "handler")
                #expect(!(try await t.send(.GET, "/api/v1/complaints/receipt/\(receipt)")).body.string.contains("\"bj\""))
                #expect(try await t.send(.POST, answer, json: #"{"body":"5月8日上午，第二考场。"}"#).status == .created)
                pub = try t.object(try await t.send(.GET, "/api/v1/complaints/receipt/\(receipt)"))
                #expect(pub["awaitingAnswer"] as? Bool == false)
                #expect((pub["messages"] as? [[String: Any]])?.compactMap { $0["from"] as? String } == ["handler", "filer"])
                #expect(try await t.send(.POST, answer, json: #"{"body":"再补充"}"#).status == .conflict)
                let thread = try #require(try await Self.caseJSON(t, id, token: bj)["messages"] as? [[String: Any]])
                #expect(thread.count == 2 && thread[1]["body"] as? String == "5月8日上午，第二考场。")
                // The page with the receipt shows the thread and offers the answer while a question waits.
                _ = try await t.send(.POST, ask, token: bj, json: #"{"body":"现场是否有监控？"}"#)
                var html = HTTPHeaders()
                html.replaceOrAdd(name: .accept, value: "text/html")
                let page = try await t.send(.POST, "/complaints/status", headers: html, body: "receipt=\(receipt)")
                #expect(page.body.string.contains("现场是否有监控？") && page.body.string.contains(#"id="answer-form""#))
                // A closed case takes no more messages.
                let path = "/api/v1/complaints/\(id)/transition"
                _ = try await t.send(.POST, path, token: bj, json: #"{"to":"accepted","note":"受理"}"#)
                _ = try await t.send(.POST, path, token: bj, json: #"{"to":"investigating","note":"调查"}"#)
                _ = try await t.send(.POST, path, token: bj, json: #"{"to":"handled","note":"查处"}"#)
                #expect(try t.error(try await t.send(.POST, ask, token: bj, json: #"{"body":"还有问题"}"#)).code == "case_closed")
                #expect(try t.error(try await t.send(.POST, answer, json: #"{"body":"答复"}"#)).code == "case_closed")
            }
        }

        /// The public form files the case and its evidence together: a bad file refuses the whole filing.
        @Test func theFilingForm_recordsTheCaseAndItsEvidenceTogether() async throws {
            try await withTestApp { t in
                var h = HTTPHeaders()
                h.replaceOrAdd(name: .accept, value: "text/html")
                let form = try await t.send(.GET, "/complaints/new", headers: h)
                let token = try #require(form.headers.setCookie?[ComplaintPages.formCookie]?.string)
                h.cookie = HTTPCookies(dictionaryLiteral: (ComplaintPages.formCookie, .init(string: token)))
                let fields = [
                    ("_csrf", token), ("category", "overcharge"), ("unitCode", "110000"), ("aboutCentre", "false"),
                    ("description", "鉴定站收费高于标准，并且不开发票。"),
                ]
                let bad = TestApp.multipart(
                    fields,
                    files: [
                        ("files[]", "a.png", "image/png", App.DemoData.evidencePNG),
                        ("files[]", "b.jpg", "image/jpeg", [1, 2, 3, 4]),
                    ])
                let refused = try await t.send(.POST, "/complaints", headers: h, bytes: bad.bytes, contentType: bad.contentType)
                #expect(refused.status == .unsupportedMediaType && refused.body.string.contains("PDF"))
                #expect(try await Self.count(t, "complaints") == 0)
                #expect(try await Self.count(t, "complaint_attachments") == 0)
                let good = TestApp.multipart(
                    fields,
                    files: [
                        ("files[]", "a.png", "image/png", App.DemoData.evidencePNG),
                        ("files[]", "b.jpg", "image/jpeg", Self.gpsJPEG),
                    ])
                let filed = try await t.send(.POST, "/complaints", headers: h, bytes: good.bytes, contentType: good.contentType)
                #expect(filed.status == .created && filed.body.string.contains(#"id="receipt""#))
                #expect(try await Self.count(t, "complaints") == 1)
                #expect(try await Self.count(t, "complaint_attachments") == 2)
            }
        }

        /// The evidence gate lets two uploads in at a time; the others wait their turn, and all finish.
        @Test func theEvidenceGate_admitsTwoAtATime() async throws {
            let gate = UploadGate(permits: 2)
            actor Tally {
                var now = 0
                var most = 0
                var done = 0
                func enter() {
                    now += 1
                    most = max(most, now)
                }
                func leave() {
                    now -= 1
                    done += 1
                }
            }
            let tally = Tally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await gate.run {
                            await tally.enter()
                            try await Task.sleep(nanoseconds: 20_000_000)
                            await tally.leave()
                        }
                    }
                }
                try await group.waitForAll()
            }
            let most = await tally.most
            let done = await tally.done
            #expect(most == 2 && done == 8)
        }
    }
}
