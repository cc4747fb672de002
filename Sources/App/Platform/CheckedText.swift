import Foundation
import Vapor

/// Free text never holds control characters: a NUL ends a C string (and PostgreSQL refuses it
/// outright), and the others hide text on screen, split log lines or forge headers. Tab, line
/// feed and carriage return stay allowed in multi-line text.
///
/// The check sits in the decoders every handler uses (JSON and form bodies, query strings), so
/// no field can forget it and it runs only once the handler has authorised the request and asks
/// for the body. A refusal is a 422 naming the field.
enum TextCheck {
    static func isForbidden(_ v: Unicode.Scalar) -> Bool {
        switch v.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }

    static func hasControl(_ s: String) -> Bool { s.unicodeScalars.contains(where: isForbidden) }

    /// The byte-level test of a UTF-8 text: a forbidden C0 byte, DEL, or a C1 character (C2 80–9F).
    static func hasControl(bytes: some Sequence<UInt8>) -> Bool {
        var previous: UInt8 = 0
        for b in bytes {
            if (b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D) || b == 0x7F { return true }
            if previous == 0xC2 && (0x80...0x9F).contains(b) { return true }
            previous = b
        }
        return false
    }

    static func refusal(field: String) -> AppError {
        AppError.invalid(field: field, code: "control_character",
                         "\(field) contains a control character", "\(field) 含有不允许的控制字符")
    }

    /// A JSON text's escapes that decode to a forbidden character (`\u0000`…`\u001f` but for tab,
    /// line feed and return; `\u007f`…`\u009f`), or raw C1 bytes.
    static func jsonMaySmuggle(_ bytes: ByteBuffer) -> Bool {
        let view = bytes.readableBytesView
        if hasControl(bytes: view) { return true }
        var i = view.startIndex
        while let slash = view[i...].firstIndex(of: UInt8(ascii: "\\")) {
            let next = view.index(after: slash)
            guard next < view.endIndex else { return false }
            if view[next] == UInt8(ascii: "u") {
                let hex = view[view.index(after: next)...].prefix(4)
                if hex.count == 4, let v = UInt32(String(decoding: hex, as: UTF8.self), radix: 16),
                   let scalar = Unicode.Scalar(v), isForbidden(scalar) { return true }
            }
            i = view.index(after: next)
        }
        return false
    }

    /// The path of the first string (key or value) holding a forbidden character.
    static func offendingPath(_ value: Any, path: String = "") -> String? {
        switch value {
        case let s as String:
            return hasControl(s) ? (path.isEmpty ? "body" : path) : nil
        case let a as [Any]:
            for (i, v) in a.enumerated() { if let p = offendingPath(v, path: "\(path)[\(i)]") { return p } }
        case let d as [String: Any]:
            for (k, v) in d.sorted(by: { $0.key < $1.key }) {
                let p = path.isEmpty ? k : "\(path).\(k)"
                if hasControl(k) { return p }
                if let found = offendingPath(v, path: p) { return found }
            }
        default: break
        }
        return nil
    }

    /// Each `name=value` of a form or query string, decoded.
    static func formPairs(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let plus = s.replacingOccurrences(of: "+", with: " ")
                return plus.removingPercentEncoding ?? plus
            }
            return (decode(kv[0]), kv.count > 1 ? decode(kv[1]) : "")
        }
    }

    static func checkForm(_ text: Substring) throws {
        for (k, v) in formPairs(text) where hasControl(k) || hasControl(v) {
            throw refusal(field: hasControl(k) ? "parameter" : k)
        }
    }
}

/// JSON bodies, checked for control characters before decoding.
struct CheckedJSONDecoder: ContentDecoder {
    let inner: JSONDecoder

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(D.self, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders,
                              userInfo: [CodingUserInfoKey: Sendable]) throws -> D {
        if TextCheck.jsonMaySmuggle(body),
           let tree = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed]),
           let field = TextCheck.offendingPath(tree) {
            throw TextCheck.refusal(field: field)
        }
        return try inner.decode(D.self, from: body, headers: headers, userInfo: userInfo)
    }
}

/// `application/x-www-form-urlencoded` bodies, checked likewise.
struct CheckedFormDecoder: ContentDecoder {
    let inner = URLEncodedFormDecoder()

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(D.self, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders,
                              userInfo: [CodingUserInfoKey: Sendable]) throws -> D {
        try TextCheck.checkForm(Substring(String(decoding: body.readableBytesView, as: UTF8.self)))
        return try inner.decode(D.self, from: body, headers: headers, userInfo: userInfo)
    }
}

/// Query strings, checked likewise.
struct CheckedQueryDecoder: URLQueryDecoder {
    let inner = URLEncodedFormDecoder()

    func decode<D: Decodable>(_ decodable: D.Type, from url: URI) throws -> D {
        try decode(D.self, from: url, userInfo: [:])
    }

    func decode<D: Decodable>(_ decodable: D.Type, from url: URI, userInfo: [CodingUserInfoKey: Sendable]) throws -> D {
        if let q = url.query { try TextCheck.checkForm(Substring(q)) }
        return try inner.decode(D.self, from: url, userInfo: userInfo)
    }
}

/// Refuses a path whose decoded segments hold control characters (400) before any route sees it.
struct PathCheckMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = request.url.path
        if path.contains("%"), TextCheck.hasControl(path.removingPercentEncoding ?? path) || path.removingPercentEncoding == nil {
            throw AppError.malformed("The address holds a control character", "地址中含有控制字符", code: "malformed_path")
        }
        return try await next.respond(to: request)
    }
}
