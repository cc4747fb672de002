import Domain
import Fluent
import Vapor

/// The web pages: thin handlers that build one Encodable context per page for Leaf.
enum Pages {
    struct Base: Encodable {
        let t: [String: String]
        let lang: String
        let user: UserDTO?
        /// The user as the header shows them: name, role by its name, unit by its name.
        let who: String?
        let csrf: String?
        let title: String
        /// The link to this page in the other language.
        let path: String
        let ministryHotlines = ["010-84201673", "010-84635476"]
        let links = Links()
    }

    /// The fixed pages and form actions, for the templates: every link in a template comes from
    /// `SiteURL`, through here or through a path in the page's own context.
    struct Links: Encodable, Sendable {
        let home = SiteURL.home.path, login = SiteURL.login.path, logout = SiteURL.logout.path
        let bulletins = SiteURL.bulletins.path, rectifications = SiteURL.rectifications.path, reports = SiteURL.reports.path,
            verify = SiteURL.verify.path
        let certificates = SiteURL.certificates.path, certificateOrders = SiteURL.certificateOrders.path
        let certificateIssue = SiteURL.certificateIssue.path, certificateImport = SiteURL.certificateImport.path
        let certificateVoid = SiteURL.certificateVoid.path
        let complaints = SiteURL.complaints.path, complaintNew = SiteURL.complaintNew.path
        let complaintStatus = SiteURL.complaintStatus.path, complaintCases = SiteURL.complaintCases.path
        let complaintStatusAnswer = SiteURL.complaintStatusAnswer.path, complaintStatusAttach = SiteURL.complaintStatusAttach.path
        let complaintCasesOverdue = SiteURL.complaintCases.with([("overdue", "true")])
        let complaintStats = SiteURL.complaintStats.path, complaintStatsCSV = SiteURL.complaintStatsCSV.path
        let hotlines = SiteURL.hotlines.path, registers = SiteURL.registers.path, stations = SiteURL.stations.path
        let admin = SiteURL.admin.path, adminUnits = SiteURL.adminUnits.path, adminUsers = SiteURL.adminUsers.path
        let adminAPIKeys = SiteURL.adminAPIKeys.path, certificateLeads = SiteURL.certificateLeads.path
        let verifyBatch = SiteURL.verifyBatch.path
        let supervision = SiteURL.supervision.path, registerSupervisors = SiteURL.registerSupervisors.path
    }

    struct Page<T: Encodable>: Encodable {
        let base: Base
        let page: T
    }

    /// The fields a form posted, to show them again; lists (`scopeOccupation[]`) and the CSRF
    /// token are left out.
    static func formValues(_ req: Request) -> [String: String] {
        var values: [String: String] = [:]
        for pair in (req.body.string ?? "").split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let key = kv.first, !key.contains("["), key != "_csrf", key.count <= 40 else { continue }
            values[key] = kv.count > 1 ? String(kv[1].prefix(5000)) : ""
        }
        return values
    }

    /// This request's query parameters as sent (still encoded), but for `name`.
    static func query(of req: Request, without name: String) -> [String] {
        (req.url.query ?? "").split(separator: "&").filter { !$0.hasPrefix(name + "=") && $0 != name }.map(String.init)
    }

    /// The same page in the other language: this address with `lang` switched, or, for a page
    /// drawn in answer to a form (a POST), the page's own address.
    static func otherLanguage(_ req: Request, canonical: SiteURL?) -> String {
        let other = L10n.lang(req) == "en" ? "zh" : "en"
        guard req.method == .GET else { return (canonical ?? .home).with([("lang", other)]) }
        return req.url.path + "?" + (query(of: req, without: "lang") + ["lang=\(other)"]).joined(separator: "&")
    }

    static func base(_ req: Request, title: String, canonical: SiteURL? = nil) -> Base {
        let lang = L10n.lang(req)
        let user = req.auth.get(User.self)
        let who = user.map { u in
            let unit = u.$unit.value.flatMap { $0?.name }
            return "\(u.username)（\(Names(L10n.Strings(lang: lang)).role(u.role))\(unit.map { "，" + $0 } ?? "")）"
        }
        return Base(
            t: L10n.strings(lang), lang: lang, user: user.map(UserDTO.init), who: who,
            csrf: req.currentToken?.csrf, title: title, path: otherLanguage(req, canonical: canonical))
    }

    static func render<T: Encodable>(
        _ req: Request, _ template: String, title: String, _ page: T,
        status: HTTPResponseStatus = .ok, canonical: SiteURL? = nil
    ) async throws -> Response {
        let view = try await req.view.render(template, Page(base: base(req, title: title, canonical: canonical), page: page))
        let res = try await view.encodeResponse(status: status, for: req)
        rememberLanguage(req, res)
        return res
    }

    /// Remembers an explicit language choice (`?lang=`) in a cookie.
    static func rememberLanguage(_ req: Request, _ res: Response) {
        if let q = req.query[String.self, at: "lang"], q == "en" || q == "zh" {
            res.cookies[L10n.cookie] = HTTPCookies.Value(string: q, maxAge: 365 * 86400, isHTTPOnly: true, sameSite: .lax)
        }
    }

    /// A page made before (the same for every reader who is signed out), with its validator: a
    /// browser that sends the ETag back gets 304. `no-cache`, so that a browser asks again and a
    /// reader who signs in meanwhile sees their own header.
    static func html(_ page: Data, etag: String, for req: Request) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: etag)
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        headers.replaceOrAdd(name: .vary, value: "Cookie")
        let res =
            req.headers.first(name: .ifNoneMatch) == etag
            ? Response(status: .notModified, headers: headers)
            : Response(status: .ok, headers: headers, body: .init(data: page))
        if res.status == .ok { res.headers.contentType = .html }
        rememberLanguage(req, res)
        return res
    }

    /// The validator of a cached page: the revision, the language, and this build of the
    /// server, so that a browser does not keep an old page's HTML beside a new release's assets.
    static func etag(_ revision: UUID, lang: String) -> String { "\"\(revision)-\(lang)-\(build)\"" }

    /// This executable's size and modification time: the same on every process of one release.
    static let build: String = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: exe)
        let size = (attributes?[.size] as? Int) ?? 0
        let time = Int((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        return String(size ^ time, radix: 36)
    }()

    struct ErrorPage: Encodable {
        let status: Int
        let message: String
    }

    static func errorPage(_ req: Request, error: AppError) async throws -> Response {
        if error.status == .unauthorized {
            return req.redirect(to: SiteURL.login.with([("next", req.url.path)]))
        }
        let msg = L10n.lang(req) == "en" ? error.message : error.messageZh
        return try await render(
            req, "error", title: L10n.t(req)[.error],
            ErrorPage(status: Int(error.status.code), message: msg), status: error.status)
    }

    static func register(_ r: any RoutesBuilder) {
        r.get(.home, use: home)
        r.get(.login, use: AuthPages.loginForm)
        r.post(.login, use: AuthPages.login)
        r.post(.logout, use: AuthPages.logout)
        r.get(.bulletins, use: BulletinPages.list)
        r.get(.bulletin(.key), use: BulletinPages.show)
        r.post(.bulletinPublish(.key), use: BulletinPages.publish)
        r.get(.rectifications, use: RectificationPages.list)
        for a in SiteURL.RectificationAction.allCases {
            r.post(.rectificationAction(.key, a), use: RectificationPages.act(a))
        }
        r.get(.reports, use: ReportPages.index)
        r.get(.reportsOfPeriod(.key), use: ReportPages.workbook)
        r.get(.report(.key, .key), use: ReportPages.show)
        r.post(.report(.key, .key), use: ReportPages.save)
        r.post(.reportAction(.key, .key, .submit), use: ReportPages.submit)
        r.post(.reportAction(.key, .key, .accept), use: ReportPages.accept)
        r.post(.reportAction(.key, .key, .return), use: ReportPages.returnReport)
        // The filled form is read once the writer is known to be allowed, up to the API's limit.
        r.on(.POST, SiteURL.reportAction(.key, .key, .upload).pathComponents, body: .stream, use: ReportPages.upload)
        CertificatePages.register(r)
        VerificationPages.register(r)
        ComplaintPages.register(r)
        AdminPages.register(r)
        RegisterPages.register(r)
        SessionPages.register(r)
        SupervisionPages.register(r)
        StationPages.register(r)
    }

    struct Home: Encodable { let bulletins: [BulletinPages.SummaryRow] }

    @Sendable static func home(_ req: Request) async throws -> Response {
        try await render(
            req, "home", title: L10n.t(req)[.app],
            Home(bulletins: try await BulletinPages.summaries(req)))
    }
}

enum AuthPages {
    struct LoginPage: Encodable {
        let next: String
        let error: String?
        let loginCSRF: String
        let username: String
    }

    @Sendable static func loginForm(_ req: Request) async throws -> Response {
        try await form(req, error: nil, status: .ok)
    }

    static func form(_ req: Request, error: String?, status: HTTPResponseStatus, username: String = "") async throws -> Response {
        let token = Auth.randomSecret()
        let next = safeNext(req.query[String.self, at: "next"] ?? (try? req.content.get(String.self, at: "next")))
        let res = try await Pages.render(
            req, "login", title: L10n.t(req)[.login],
            LoginPage(next: next, error: error, loginCSRF: token, username: username), status: status)
        res.cookies[Auth.loginCSRFCookie] = HTTPCookies.Value(
            string: token, maxAge: 3600, path: "/login",
            isSecure: req.config.secureCookies, isHTTPOnly: true, sameSite: .strict)
        return res
    }

    /// Only local paths: never redirect a user to another site after login. Printable ASCII
    /// only — no tab or CR LF (browsers drop a tab, turning `/\t/evil` into `//evil`; CR LF
    /// would write headers), no backslash, no `//` — so the value is safe in a `Location` header.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), next.utf8.count <= 2000,
            next.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\\") }),
            !next.hasPrefix("//")
        else { return SiteURL.reports.path }
        return next
    }

    struct LoginForm: Content {
        let username: String?
        let password: String?
        let _csrf: String?
        let next: String?
    }

    @Sendable static func login(_ req: Request) async throws -> Response {
        let f = try req.content.decode(LoginForm.self)
        guard let sent = f._csrf, let cookie = req.cookies[Auth.loginCSRFCookie]?.string, sent == cookie else {
            return try await form(
                req, error: L10n.lang(req) == "en" ? "The form has expired; try again" : "表单已失效，请重试",
                status: .forbidden)
        }
        do {
            let user = try await Auth.verify(username: f.username ?? "", password: f.password ?? "", on: req)
            let (secret, token) = try await Auth.issue(for: user, kind: "session", on: req)
            let res = req.redirect(to: safeNext(f.next))
            res.cookies[Auth.sessionCookie] = HTTPCookies.Value(
                string: secret, expires: token.expiresAt,
                isSecure: req.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
            res.cookies[Auth.deviceCookie] = Auth.deviceCookieValue(user, on: req)
            return res
        } catch let e as AppError {
            let res = try await form(
                req, error: L10n.lang(req) == "en" ? e.message : e.messageZh, status: e.status,
                username: f.username ?? "")
            for (name, value) in e.headers { res.headers.replaceOrAdd(name: name, value: value) }
            return res
        }
    }

    @Sendable static func logout(_ req: Request) async throws -> Response {
        if req.currentToken != nil { try req.requireCSRF() }
        if let id = req.currentToken?.id {
            try await req.write { try await UserToken.query(on: $0).filter(\.$id == id).delete() }
        }
        let res = req.redirect(to: SiteURL.home.path)
        res.cookies[Auth.sessionCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), isHTTPOnly: true)
        return res
    }
}
