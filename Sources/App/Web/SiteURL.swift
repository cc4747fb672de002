import Vapor

/// A path parameter: `.key` where a route is registered (`:name`), `.value(x)` where a link is built.
enum Parameter<T: Sendable>: Sendable {
    case key
    case value(T)
}

/// Every page and API path, once: routes are registered from `pathComponents`, links and form
/// actions are built from `path`, where each value is percent-encoded as one path segment (a
/// code holding `/`, `?`, `#` or `..` cannot reach another page). In the spirit of
/// SwiftPackageIndex-Server's `SiteURL`.
enum SiteURL: Sendable {
    case home, login, logout
    case healthz, jwks, metrics
    // Bulletins and reports
    case bulletins
    case bulletin(Parameter<String>)
    case bulletinPublish(Parameter<String>)
    /// A bulletin's download (`2025Q1.csv`, `.xlsx`, `.json`), served by the same route as the page.
    case bulletinFile(String, BulletinFormat)
    case rectifications
    case rectificationAction(Parameter<String>, RectificationAction)
    case reports
    /// The ministry's workbook of a quarter (`2025Q1.xlsx`); its route is `reportsOfPeriod`.
    case reportsWorkbook(String)
    case reportsOfPeriod(Parameter<String>)
    case report(Parameter<String>, Parameter<String>)
    case reportAction(Parameter<String>, Parameter<String>, ReportAction)
    // Certificates
    case verify, certificates
    case certificate(Parameter<String>)
    case certificateRevoke(Parameter<String>)
    case certificateVoid
    case certificateOrders
    case certificateOrderAllocate(Parameter<String>)
    case certificateOrderPayments(Parameter<String>)
    case certificateIssue, certificateImport
    case certificateLeads
    case certificateLeadCase(Parameter<String>)
    case verifyBatch
    // Complaints
    case complaintNew, complaints, complaintStatus, hotlines, complaintCases
    case complaintCase(Parameter<String>)
    case complaintTransition(Parameter<String>)
    case complaintReopen(Parameter<String>)
    case complaintStats, complaintStatsCSV
    case complaintCaseAttachments(Parameter<String>)
    case complaintCaseAttachment(Parameter<String>, Parameter<String>)
    case complaintCaseMessages(Parameter<String>)
    case complaintCaseExtend(Parameter<String>)
    /// The filer's answer and evidence: the receipt comes in the form's body, never in the address.
    case complaintStatusAnswer, complaintStatusAttach
    // Registers
    case registers, registerOccupations
    case registerOccupationActive(Parameter<String>)
    case registerFees, registerStations
    case registerStationStatus(Parameter<String>)
    case registerSupervisors
    case registerSupervisorActive(Parameter<String>)
    /// The ministry's edit of an entry (expiry, occupations), and the login it creates for it.
    case registerSupervisor(Parameter<String>)
    case registerSupervisorLogin(Parameter<String>)
    case registerSessionDispatch(Parameter<String>)
    /// A supervisor's own page (我的委派) and the report form's action.
    case supervision, supervisionReports
    case registerVisits, registerSessions, registerSessionsImport
    case registerSession(Parameter<String>)
    case registerSessionResults(Parameter<String>)
    case registerSessionResultsImport(Parameter<String>)
    case registerSessionResultDelete(Parameter<String>, Parameter<String>)
    case registerStationLicences, registerStationInspections
    /// The public list of authorised stations.
    case stations
    // Units and users
    case admin, adminUnits
    case adminUnitActive(Parameter<String>)
    case adminUsers
    case adminAPIKeys
    case adminAPIKeyRevoke(Parameter<String>)
    // The HTTP API under /api/v1
    case api(API)

    /// `upload` (a filled XLSX form) is a page action only; the API takes the file by `PUT`.
    enum ReportAction: String, Sendable { case submit, accept, `return`, upload }
    static let apiRoot = "api"
    static let wellKnown = ".well-known"
    enum BulletinFormat: String, Sendable { case csv, xlsx, json, pdf }
    enum RectificationAction: String, Sendable, CaseIterable { case done, accept, reopen }

    /// The HTTP API: the paths of API.md.
    enum API: Sendable {
        case openAPI
        case login, logout, me, password, users, user(Parameter<String>)
        case units, unit(Parameter<String>), unitHotlines(Parameter<String>)
        case reports(Parameter<String>), report(Parameter<String>, Parameter<String>)
        case reportAction(Parameter<String>, Parameter<String>, ReportAction), reportHistory(Parameter<String>, Parameter<String>)
        case reportDerived(Parameter<String>, Parameter<String>), derived(Parameter<String>)
        case certificateOrders, certificateOrderAllocate(Parameter<String>), certificateOrderPayments(Parameter<String>)
        case certificatePayments, certificates, certificatesImport, certificate(Parameter<String>)
        case certificateQR(Parameter<String>), certificateRevoke(Parameter<String>), certificateVoid(Parameter<String>)
        case certificateBreaches, forgeryLeads, verify
        case forgeryLeadCase(Parameter<String>), verifyBatch, apiKeys, apiKeyRevoke(Parameter<String>), publicRevocations
        case complaints, complaintReceipt(Parameter<String>), complaintStats, complaintStatsCSV, complaint(Parameter<String>)
        case complaintTransition(Parameter<String>), complaintReopen(Parameter<String>), hotlines
        case complaintAttachments(Parameter<String>), complaintAttachment(Parameter<String>, Parameter<String>)
        case complaintMessages(Parameter<String>), complaintExtend(Parameter<String>)
        case complaintReceiptAttachments(Parameter<String>), complaintReceiptMessages(Parameter<String>)
        case occupations, occupationsImport, occupation(Parameter<String>), registerEvents, feeStandards
        case stations, station(Parameter<String>), supervisors, supervisor(Parameter<String>), supervisionVisits
        case sessionDispatch(Parameter<String>), supervisionReports
        case sessions, sessionsImport, session(Parameter<String>), sessionResults(Parameter<String>)
        case sessionResultsImport(Parameter<String>), sessionResult(Parameter<String>, Parameter<String>)
        case stationInspections(Parameter<String>), publicStations
        case bulletins, bulletin(Parameter<String>), bulletinPublish(Parameter<String>), bulletinFile(String, BulletinFormat)
        case rectifications, rectificationAction(Parameter<String>, RectificationAction)

        var segments: [Segment] {
            switch self {
            case .openAPI: ["openapi.yaml"]
            case .login: ["auth", "login"]
            case .logout: ["auth", "logout"]
            case .me: ["auth", "me"]
            case .password: ["auth", "password"]
            case .users: ["users"]
            case .user(let u): ["users", .p("username", u)]
            case .units: ["units"]
            case .unit(let c): ["units", .p("code", c)]
            case .unitHotlines(let c): ["units", .p("code", c), "hotlines"]
            case .reports(let p): ["reports", .p("period", p)]
            case .report(let p, let u): ["reports", .p("period", p), .p("unitCode", u)]
            case .reportAction(let p, let u, let a): ["reports", .p("period", p), .p("unitCode", u), .c(a.rawValue)]
            case .reportHistory(let p, let u): ["reports", .p("period", p), .p("unitCode", u), "history"]
            case .reportDerived(let p, let u): ["reports", .p("period", p), .p("unitCode", u), "derived"]
            case .derived(let p): ["derived", .p("period", p)]
            case .certificateOrders: ["certificate-orders"]
            case .certificateOrderAllocate(let id): ["certificate-orders", .p("id", id), "allocate"]
            case .certificateOrderPayments(let id): ["certificate-orders", .p("id", id), "payments"]
            case .certificatePayments: ["certificate-payments"]
            case .certificates: ["certificates"]
            case .certificatesImport: ["certificates", "import"]
            case .certificate(let s): ["certificates", .p("serial", s)]
            case .certificateQR(let s): ["certificates", .p("serial", s), "qr"]
            case .certificateRevoke(let s): ["certificates", .p("serial", s), "revoke"]
            case .certificateVoid(let s): ["certificates", .p("serial", s), "void"]
            case .certificateBreaches: ["certificate-breaches"]
            case .forgeryLeads: ["forgery-leads"]
            case .verify: ["verify"]
            case .forgeryLeadCase(let id): ["forgery-leads", .p("id", id), "case"]
            case .verifyBatch: ["verify", "batch"]
            case .apiKeys: ["api-keys"]
            case .apiKeyRevoke(let id): ["api-keys", .p("id", id), "revoke"]
            case .publicRevocations: ["public", "revocations"]
            case .complaints: ["complaints"]
            case .complaintReceipt(let r): ["complaints", "receipt", .p("receipt", r)]
            case .complaintStats: ["complaints", "stats"]
            case .complaintStatsCSV: ["complaints", "stats.csv"]
            case .complaint(let id): ["complaints", .p("id", id)]
            case .complaintTransition(let id): ["complaints", .p("id", id), "transition"]
            case .complaintReopen(let id): ["complaints", .p("id", id), "reopen"]
            case .complaintAttachments(let id): ["complaints", .p("id", id), "attachments"]
            case .complaintAttachment(let id, let a): ["complaints", .p("id", id), "attachments", .p("attachmentId", a)]
            case .complaintMessages(let id): ["complaints", .p("id", id), "messages"]
            case .complaintExtend(let id): ["complaints", .p("id", id), "extend"]
            case .complaintReceiptAttachments(let r): ["complaints", "receipt", .p("receipt", r), "attachments"]
            case .complaintReceiptMessages(let r): ["complaints", "receipt", .p("receipt", r), "messages"]
            case .hotlines: ["hotlines"]
            case .occupations: ["occupations"]
            case .occupationsImport: ["occupations", "import"]
            case .occupation(let c): ["occupations", .p("code", c)]
            case .registerEvents: ["register-events"]
            case .feeStandards: ["fee-standards"]
            case .stations: ["stations"]
            case .station(let c): ["stations", .p("code", c)]
            case .supervisors: ["supervisors"]
            case .supervisor(let id): ["supervisors", .p("id", id)]
            case .supervisionVisits: ["supervision-visits"]
            case .sessionDispatch(let id): ["sessions", .p("id", id), "dispatch"]
            case .supervisionReports: ["supervision-reports"]
            case .sessions: ["sessions"]
            case .sessionsImport: ["sessions", "import"]
            case .session(let id): ["sessions", .p("id", id)]
            case .sessionResults(let id): ["sessions", .p("id", id), "results"]
            case .sessionResultsImport(let id): ["sessions", .p("id", id), "results", "import"]
            case .sessionResult(let id, let person): ["sessions", .p("id", id), "results", .p("idNumber", person)]
            case .stationInspections(let c): ["stations", .p("code", c), "inspections"]
            case .publicStations: ["public", "stations"]
            case .bulletins: ["bulletins"]
            case .bulletin(let p): ["bulletins", .p("period", p)]
            case .bulletinPublish(let p): ["bulletins", .p("period", p), "publish"]
            case .bulletinFile(let p, let f): ["bulletins", .file("period", p, f.rawValue)]
            case .rectifications: ["rectifications"]
            case .rectificationAction(let id, let a): ["rectifications", .p("id", id), .c(a.rawValue)]
            }
        }
    }

    /// One path segment: a constant, or a parameter (its name, and its value when building a link).
    enum Segment: Sendable, ExpressibleByStringLiteral {
        case c(String)
        case param(String, String?)
        /// A parameter with a file extension: the value encoded, then `.` and the extension.
        case file(String, String, String)

        init(stringLiteral value: String) { self = .c(value) }

        static func p(_ name: String, _ value: Parameter<String>) -> Segment {
            switch value {
            case .key: .param(name, nil)
            case .value(let v): .param(name, v)
            }
        }
    }

    var segments: [Segment] {
        switch self {
        case .home: []
        case .login: ["login"]
        case .logout: ["logout"]
        case .healthz: ["healthz"]
        case .metrics: ["metrics"]
        case .jwks: [.c(Self.wellKnown), "jwks.json"]
        case .bulletins: ["bulletins"]
        case .bulletin(let p): ["bulletins", .p("period", p)]
        case .bulletinPublish(let p): ["bulletins", .p("period", p), "publish"]
        case .bulletinFile(let p, let f): ["bulletins", .file("period", p, f.rawValue)]
        case .rectifications: ["rectifications"]
        case .rectificationAction(let id, let a): ["rectifications", .p("id", id), .c(a.rawValue)]
        case .reports: ["reports"]
        case .reportsWorkbook(let p): ["reports", .file("period", p, "xlsx")]
        case .reportsOfPeriod(let p): ["reports", .p("period", p)]
        case .report(let p, let u): ["reports", .p("period", p), .p("unitCode", u)]
        case .reportAction(let p, let u, let a): ["reports", .p("period", p), .p("unitCode", u), .c(a.rawValue)]
        case .verify: ["verify"]
        case .certificates: ["certificates"]
        case .certificate(let s): ["certificates", .p("serial", s)]
        case .certificateRevoke(let s): ["certificates", .p("serial", s), "revoke"]
        case .certificateVoid: ["certificates", "void"]
        case .certificateOrders: ["certificates", "orders"]
        case .certificateOrderAllocate(let id): ["certificates", "orders", .p("id", id), "allocate"]
        case .certificateOrderPayments(let id): ["certificates", "orders", .p("id", id), "payments"]
        case .certificateIssue: ["certificates", "issue"]
        case .certificateImport: ["certificates", "import"]
        case .certificateLeads: ["certificates", "leads"]
        case .certificateLeadCase(let id): ["certificates", "leads", .p("id", id), "case"]
        case .verifyBatch: ["verify", "batch"]
        case .complaintNew: ["complaints", "new"]
        case .complaints: ["complaints"]
        case .complaintStatus: ["complaints", "status"]
        case .hotlines: ["hotlines"]
        case .complaintCases: ["complaints", "cases"]
        case .complaintCase(let id): ["complaints", "cases", .p("id", id)]
        case .complaintTransition(let id): ["complaints", "cases", .p("id", id), "transition"]
        case .complaintReopen(let id): ["complaints", "cases", .p("id", id), "reopen"]
        case .complaintCaseAttachments(let id): ["complaints", "cases", .p("id", id), "attachments"]
        case .complaintCaseAttachment(let id, let a): ["complaints", "cases", .p("id", id), "attachments", .p("attachmentId", a)]
        case .complaintCaseMessages(let id): ["complaints", "cases", .p("id", id), "messages"]
        case .complaintCaseExtend(let id): ["complaints", "cases", .p("id", id), "extend"]
        case .complaintStatusAnswer: ["complaints", "status", "answer"]
        case .complaintStatusAttach: ["complaints", "status", "attach"]
        case .complaintStats: ["complaints", "stats"]
        case .complaintStatsCSV: ["complaints", "stats.csv"]
        case .registers: ["registers"]
        case .registerOccupations: ["registers", "occupations"]
        case .registerOccupationActive(let c): ["registers", "occupations", .p("code", c), "active"]
        case .registerFees: ["registers", "fee-standards"]
        case .registerStations: ["registers", "stations"]
        case .registerStationStatus(let c): ["registers", "stations", .p("code", c), "status"]
        case .registerSupervisors: ["registers", "supervisors"]
        case .registerSupervisorActive(let id): ["registers", "supervisors", .p("id", id), "active"]
        case .registerSupervisor(let id): ["registers", "supervisors", .p("id", id)]
        case .registerSupervisorLogin(let id): ["registers", "supervisors", .p("id", id), "login"]
        case .registerSessionDispatch(let id): ["registers", "sessions", .p("id", id), "dispatch"]
        case .supervision: ["supervision"]
        case .supervisionReports: ["supervision", "reports"]
        case .registerVisits: ["registers", "visits"]
        case .registerSessions: ["registers", "sessions"]
        case .registerSessionsImport: ["registers", "sessions", "import"]
        case .registerSession(let id): ["registers", "sessions", .p("id", id)]
        case .registerSessionResults(let id): ["registers", "sessions", .p("id", id), "results"]
        case .registerSessionResultsImport(let id): ["registers", "sessions", .p("id", id), "results", "import"]
        case .registerSessionResultDelete(let id, let person):
            ["registers", "sessions", .p("id", id), "results", .p("idNumber", person), "delete"]
        case .registerStationLicences: ["registers", "station-licences"]
        case .registerStationInspections: ["registers", "station-inspections"]
        case .stations: ["stations"]
        case .admin: ["admin"]
        case .adminUnits: ["admin", "units"]
        case .adminUnitActive(let c): ["admin", "units", .p("code", c), "active"]
        case .adminUsers: ["admin", "users"]
        case .adminAPIKeys: ["admin", "api-keys"]
        case .adminAPIKeyRevoke(let id): ["admin", "api-keys", .p("id", id), "revoke"]
        case .api(let a): [.c(Self.apiRoot), "v1"] + a.segments
        }
    }

    /// The route's components: constants, and `:name` for each parameter.
    var pathComponents: [PathComponent] {
        segments.map { s in
            switch s {
            case .c(let c): .constant(c)
            case .param(let name, _), .file(let name, _, _): .parameter(name)
            }
        }
    }

    /// The link: `/` and each segment percent-encoded; a parameter without a value is a bug of
    /// the caller and shows as `:name`, which no route matches.
    var path: String {
        "/"
            + segments.map { s in
                switch s {
                case .c(let c): c
                case .param(let name, nil): ":" + name
                case .param(_, let v?): Self.encode(v)
                case .file(_, let v, let ext): Self.encode(v) + "." + ext
                }
            }.joined(separator: "/")
    }

    /// Letters, digits and `-_~` stay; everything else, `.` included (so `..` cannot climb), is encoded.
    static let segmentCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~")

    static func encode(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? ""
    }

    /// Paths whose errors are always the JSON error body, even when no route matched them: the
    /// API, the health check, the metrics and the published keys.
    static func answersJSON(_ path: String) -> Bool {
        let first = path.split(separator: "/", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        return first == apiRoot || first == wellKnown || path == SiteURL.healthz.path || path == SiteURL.metrics.path
    }

    /// The path with a query string.
    func with(_ query: [(String, String)]) -> String {
        var c = URLComponents()
        c.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        return path + (query.isEmpty ? "" : "?" + (c.percentEncodedQuery ?? ""))
    }
}

extension RoutesBuilder {
    @discardableResult
    func get<Response: AsyncResponseEncodable>(
        _ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(.GET, url.pathComponents, use: closure)
    }

    @discardableResult
    func post<Response: AsyncResponseEncodable>(
        _ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(.POST, url.pathComponents, use: closure)
    }

    @discardableResult
    func put<Response: AsyncResponseEncodable>(
        _ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(.PUT, url.pathComponents, use: closure)
    }

    @discardableResult
    func delete<Response: AsyncResponseEncodable>(
        _ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(.DELETE, url.pathComponents, use: closure)
    }

    @discardableResult
    func patch<Response: AsyncResponseEncodable>(
        _ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(.PATCH, url.pathComponents, use: closure)
    }

    @discardableResult
    func on<Response: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ url: SiteURL, body: HTTPBodyStreamStrategy,
        use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(method, url.pathComponents, body: body, use: closure)
    }
}
