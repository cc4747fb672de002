import Domain
import Fluent
import Vapor

enum BulletinsController {
    enum Format { case json, csv, xlsx, pdf }

    /// `2003Q3`, `2003Q3.json`, `2003Q3.csv`, `2003Q3.xlsx` or `2003Q3.pdf`.
    static func parse(_ raw: String?) throws -> (Period, Format) {
        let raw = raw ?? ""
        if raw.hasSuffix(".json") { return (try Reports.period(String(raw.dropLast(5))), .json) }
        if raw.hasSuffix(".csv") { return (try Reports.period(String(raw.dropLast(4))), .csv) }
        if raw.hasSuffix(".xlsx") { return (try Reports.period(String(raw.dropLast(5))), .xlsx) }
        if raw.hasSuffix(".pdf") { return (try Reports.period(String(raw.dropLast(4))), .pdf) }
        return (try Reports.period(raw), .json)
    }

    struct Query: Content {
        let draft: Bool?
        let revision: Int?
    }

    @Sendable static func get(_ req: Request) async throws -> Response {
        let (p, format) = try parse(req.parameters.get("period"))
        let q = try req.query.decode(Query.self)
        let viewer = req.auth.get(User.self)
        if format == .json, viewer?.role == .ministry, q.draft != false, q.revision == nil {
            // The ministry's live draft: its JSON is made once per compilation (`draftEntry`).
            let entry = try await Bulletins.draftEntry(p, now: req.now, on: req.store)
            let json = try await entry.artifact("json") {
                Data(try await entry.bulletin.encodeResponse(for: req).body.buffer?.readableBytesView ?? .init())
            }
            let res = Response(status: .ok, body: .init(data: json))
            res.headers.contentType = .json
            return res
        }
        let (b, snapshot) = try await Bulletins.visible(
            p, draft: q.draft, revision: q.revision, for: viewer, on: req.store, now: req.now)
        return try await answer(b, snapshot: snapshot, format: format, for: req)
    }

    /// A bulletin as JSON, CSV or XLSX: for the API and for the page's download links alike.
    static func answer(_ b: Bulletin, snapshot: Bulletins.Snapshot?, format: Format, for req: Request) async throws -> Response {
        // A published revision's exports are made once per process; a draft's on every request.
        func made(_ kind: String, _ make: () throws -> Data) rethrows -> Data {
            guard let snapshot else { return try make() }
            return try req.application.bulletinCache.artifact(snapshot.id, kind, make: make)
        }
        let name = "zhijian-bulletin-\(b.period)-r\(b.revision)\(b.status == "draft" ? "-draft" : "")"
        switch format {
        case .json:
            // A published revision is answered with the JSON it was stored as.
            guard let snapshot else { return try await b.encodeResponse(for: req) }
            let res = Response(status: .ok, body: .init(data: snapshot.json))
            res.headers.contentType = .json
            return res
        case .csv:
            let res = Response(status: .ok, body: .init(data: made("csv") { BulletinExport.csv(b) }))
            res.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            res.headers.contentDisposition = .init(.attachment, filename: name + ".csv")
            return res
        case .xlsx:
            let data: Data
            if let snapshot {
                data = try await req.application.threadPool.runIfActive {
                    try req.application.bulletinCache.artifact(snapshot.id, "xlsx") { try BulletinExport.xlsx(b) }
                }
            } else {
                data = try await req.application.threadPool.runIfActive { try BulletinExport.xlsx(b) }
            }
            let res = Response(status: .ok, body: .init(data: data))
            res.headers.contentType = .xlsx
            res.headers.contentDisposition = .init(.attachment, filename: name + ".xlsx")
            return res
        case .pdf:
            let res = Response(status: .ok, body: .init(data: try await BulletinPictures.pdf(b, snapshot: snapshot, for: req)))
            res.headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
            res.headers.contentDisposition = .init(.inline, filename: name + ".pdf")
            return res
        }
    }

    @Sendable static func publish(_ req: Request) async throws -> Bulletin {
        let p = try Reports.period(req.parameters.get("period"))
        let user = try req.requireMinistry()
        // Authorised before the body is read; an empty body is an empty document (422 below).
        let input = req.body.data == nil ? PublishInput() : try req.content.decode(PublishInput.self)
        return try await Bulletins.publish(p, input, by: user, on: req.store, now: req.now)
    }

    @Sendable static func list(_ req: Request) async throws -> [Bulletins.Summary] {
        try await Bulletins.list(on: req.store)
    }
}

enum MetaController {
    struct Health: Content { let status: String }

    @Sendable static func health(_ req: Request) async throws -> Health {
        _ = try await UnitModel.query(on: req.db).count()
        return Health(status: "ok")
    }

    @Sendable static func openAPI(_ req: Request) async throws -> Response {
        let path = req.application.directory.workingDirectory + "openapi.yaml"
        let res = try await req.fileio.asyncStreamFile(at: path)
        res.headers.contentType = HTTPMediaType(type: "application", subType: "yaml", parameters: ["charset": "utf-8"])
        return res
    }
}
