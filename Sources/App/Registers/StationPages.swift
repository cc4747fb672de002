import CertificateKit
import Domain
import Vapor

/// The public list of authorised stations (`/stations`): a citizen filters by region, occupation
/// and words, and reads which stations may appraise what. The same query as
/// `GET /api/v1/public/stations`.
enum StationPages {
    static func register(_ r: any RoutesBuilder) {
        r.get(.stations, use: list)
    }

    struct Row: Encodable {
        let code: String
        let name: String
        let unit: String
        let region: String
        let address: String
        let licenceNo: String
        let licenceExpires: String
        let latestInspection: String
        let scope: String
    }

    struct View: Encodable {
        let region: String
        let occupation: String
        let q: String
        let regions: [Names.Option]
        let occupations: [Names.Option]
        let rows: [Row]
        let total: Int
        let pager: Pager?
        let action: String
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        try await req.rateLimit(req.application.stationsLimiter)
        let t = L10n.t(req)
        let names = Names(t)
        let paging = try Paging(req, defaultPer: 20, maxPer: 100)
        let query = try Registers.PublicStationQuery(
            region: req.query[String.self, at: "region"], occupation: req.query[String.self, at: "occupation"],
            q: req.query[String.self, at: "q"], paging: paging)
        let result = try await Registers.publicStations(query, on: req.store, now: req.now)
        let occupations = try await Registers.occupations(matching: nil, on: req.db).filter(\.active)
        let view = View(
            region: query.region ?? "", occupation: query.occupation ?? "", q: query.q ?? "",
            regions: names.regions,
            occupations: occupations.map { Names.Option(value: $0.code, name: "\($0.name)（\($0.code)）") },
            rows: result.items.map { s in
                Row(
                    code: s.code, name: s.name, unit: s.unitName, region: s.regionName, address: s.address,
                    licenceNo: s.licenceNo, licenceExpires: s.licenceExpires,
                    latestInspection: s.latestInspection.map { names.inspection(year: $0.year, outcome: $0.outcome) } ?? "",
                    scope: names.scope(
                        s.scope.map { Registers.ScopeDTO(occupation: $0.occupation, maxLevel: $0.maxLevel) },
                        occupations: Dictionary(
                            s.scope.map { ($0.occupation, $0.occupationName) }, uniquingKeysWith: { a, _ in a })))
            },
            total: result.total,
            pager: result.total > paging.per
                ? Pager(req, base: .stations, paging: paging, hasMore: paging.offset + result.items.count < result.total) : nil,
            action: SiteURL.stations.path)
        return try await Pages.render(req, "stations", title: t[.stationsTitle], view, canonical: .stations)
    }
}
