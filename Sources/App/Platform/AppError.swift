import Domain
import Fluent
import PostgresNIO
import Vapor

/// An error with a safe bilingual message, mapped to its HTTP status at the edge.
struct AppError: Error, Sendable {
    let status: HTTPResponseStatus
    let code: String
    let message: String
    let messageZh: String
    var details: [ValidationIssue] = []
    var headers: HTTPHeaders = [:]

    static func malformed(_ en: String, _ zh: String, code: String = "malformed") -> AppError {
        AppError(status: .badRequest, code: code, message: en, messageZh: zh)
    }
    static let unauthenticated = AppError(
        status: .unauthorized, code: "unauthenticated",
        message: "Log in first", messageZh: "请先登录")
    static let forbidden = AppError(
        status: .forbidden, code: "forbidden",
        message: "Your role may not do this", messageZh: "您的角色无权执行此操作")
    static let otherUnit = AppError(
        status: .forbidden, code: "other_unit",
        message: "This belongs to another unit", messageZh: "这是其他单位的数据，您无权访问")
    static func unitInactive(_ u: UnitModel) -> AppError {
        conflict("unit_inactive", "\(u.name) is deactivated and can change nothing", "\(u.name)已停用，不能填报或修改数据")
    }
    static func notFound(_ en: String, _ zh: String) -> AppError {
        AppError(status: .notFound, code: "not_found", message: en, messageZh: zh)
    }
    static func conflict(_ code: String, _ en: String, _ zh: String) -> AppError {
        AppError(status: .conflict, code: code, message: en, messageZh: zh)
    }
    static func invalid(_ details: [ValidationIssue]) -> AppError {
        AppError(
            status: .unprocessableEntity, code: "validation_failed",
            message: "Some values are invalid: " + details.map(\.message).joined(separator: "; "),
            messageZh: "部分数据不符合要求：" + details.map(\.messageZh).joined(separator: "；"), details: details)
    }
    static func invalid(field: String, code: String, _ en: String, _ zh: String) -> AppError {
        invalid([ValidationIssue(field: field, column: nil, code: code, message: en, messageZh: zh)])
    }
}

extension AppError {
    /// The reasons by field, for a page that shows each beside its field: a list's element
    /// (`scope[2].occupation`) goes to the list's field (`scope`), several reasons are joined.
    /// `element`: the form posts one element of the list (`results[0].idNumber` goes to `idNumber`).
    func fieldMessages(en: Bool, element: Bool = false) -> [String: String] {
        var fields: [String: String] = [:]
        for d in details {
            let field =
                element
                ? String(d.field.split(separator: ".").last ?? Substring(d.field))
                : String(d.field.prefix { $0 != "[" && $0 != "." })
            fields[field, default: ""] += (fields[field] == nil ? "" : "；") + (en ? d.message : d.messageZh)
        }
        return fields
    }
}

/// The body of every error answer under /api.
struct ErrorBody: Content {
    struct Inner: Content {
        let code: String
        let message: String
        let messageZh: String
        let details: [ValidationIssue]
    }
    let error: Inner
}

/// The API group's errors: always the JSON error body, whatever the client accepts.
struct APIErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let e = ErrorMiddleware.map(error, request: request)
            if e.status.code >= 500 { ErrorMiddleware.log(error, request) }
            return try ErrorMiddleware.json(e)
        }
    }
}

/// Turns every other error into a status and a safe message: an HTML page for a browser, JSON
/// for clients that do not ask for HTML. Raw errors are logged, never echoed.
struct ErrorMiddleware: AsyncMiddleware {
    static func json(_ e: AppError) throws -> Response {
        let res = Response(status: e.status, headers: e.headers)
        try res.content.encode(
            ErrorBody(error: .init(code: e.code, message: e.message, messageZh: e.messageZh, details: e.details)))
        return res
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let e = Self.map(error, request: request)
            if e.status.code >= 500 { Self.log(error, request) }
            // The API's own paths answer JSON whatever the client accepts, also where no route or
            // group was reached (an unknown method or path, a refusal before routing). Pages answer
            // HTML to a client that accepts it (a browser, or `*/*`), JSON to one that does not.
            let wantsHTML = request.headers.accept.contains { $0.mediaType == .html }
            if SiteURL.answersJSON(request.url.path) || !wantsHTML { return try Self.json(e) }
            do {
                return try await Pages.errorPage(request, error: e)
            } catch {
                // The error page itself cannot be drawn (templates missing, say): a plain answer
                // with the status still goes out, never a dropped connection.
                Self.log(error, request)
                return Self.plain(e)
            }
        }
    }

    /// Logs a server error without what it may carry of the request's data: a database error's
    /// full reflection holds its SQL, and the bulk import's SQL holds names and ID numbers as
    /// literals; only the error's type, SQLSTATE and the server's message are written.
    static func log(_ error: any Error, _ request: Request) {
        if let pg = error as? PSQLError {
            let state = pg.serverInfo?[.sqlState] ?? "-"
            let message = pg.serverInfo?[.message] ?? "\(pg.code)"
            request.logger.error("database error \(state): \(message)")
        } else if error is any DatabaseError {
            request.logger.error("database error: \(String(describing: error))")
        } else {
            request.logger.report(error: error)
        }
    }

    /// A bilingual plain-text answer that needs no template.
    static func plain(_ e: AppError) -> Response {
        var headers = e.headers
        headers.contentType = .plainText
        return Response(
            status: e.status, headers: headers,
            body: .init(string: "\(e.status.code) \(e.messageZh)\n\(e.message)\n"))
    }

    static func map(_ error: any Error, request: Request) -> AppError {
        switch error {
        case let e as AppError:
            return e
        case let e as any DatabaseError where e.isConstraintFailure:
            return .conflict("conflict", "This conflicts with existing data", "与已有数据冲突")
        case is DecodingError:
            return .malformed("The request body is not valid JSON of the expected shape", "请求内容不是符合要求的 JSON")
        case let e as any AbortError:
            switch e.status {
            case .notFound:
                return .notFound("No such page or resource", "找不到该页面或资源")
            case .unsupportedMediaType, .badRequest, .payloadTooLarge, .methodNotAllowed:
                return AppError(
                    status: e.status, code: e.status == .payloadTooLarge ? "too_large" : "malformed",
                    message: "The request is malformed: \(e.status.reasonPhrase)",
                    messageZh: "请求格式不正确")
            default:
                return AppError(
                    status: e.status, code: "error", message: e.status.reasonPhrase,
                    messageZh: "请求无法处理")
            }
        case _ where String(reflecting: type(of: error)).hasPrefix("MultipartKit."):
            // A form body the multipart parser cannot read (its error types are not all public).
            return .malformed("The form's multipart body is malformed", "表单数据格式不正确")
        default:
            return AppError(
                status: .internalServerError, code: "internal",
                message: "Internal error; it has been logged", messageZh: "服务器内部错误，已记录")
        }
    }
}
