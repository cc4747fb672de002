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
        AppError.invalid(
            field: field, code: "control_character",
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
                    let scalar = Unicode.Scalar(v), isForbidden(scalar)
                {
                    return true
                }
            }
            i = view.index(after: next)
        }
        return false
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

    /// Walks a decoded value's strings (through optionals, collections, dictionaries, structs and
    /// enums; never into classes or raw bytes) and refuses the first holding a forbidden
    /// character, naming its path. Bounded: at most `limit` nodes are visited.
    static func checkDecoded(_ value: Any, limit: Int = 200_000) throws {
        var budget = limit
        if let path = offendingString(value, path: "", depth: 0, budget: &budget) {
            throw refusal(field: path.isEmpty ? "body" : path)
        }
    }

    private static func offendingString(_ value: Any, path: String, depth: Int, budget: inout Int) -> String? {
        budget -= 1
        guard budget > 0, depth < 32 else { return nil }
        if let s = value as? String { return hasControl(s) ? path : nil }
        if let s = value as? Substring { return hasControl(String(s)) ? path : nil }
        if value is ByteBuffer || value is Data { return nil }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .class?, nil:
            return nil
        case .dictionary?:
            for child in mirror.children {
                let pair = Mirror(reflecting: child.value).children.map(\.value)
                guard pair.count == 2 else { continue }
                let key = (pair[0] as? String) ?? "\(pair[0])"
                let p = path.isEmpty ? key : "\(path).\(key)"
                if hasControl(key) { return p }
                if let found = offendingString(pair[1], path: p, depth: depth + 1, budget: &budget) { return found }
            }
        case .collection?, .set?:
            for (i, child) in mirror.children.enumerated() {
                if let found = offendingString(child.value, path: "\(path)[\(i)]", depth: depth + 1, budget: &budget) {
                    return found
                }
            }
        case .optional?:
            if let child = mirror.children.first {
                return offendingString(child.value, path: path, depth: depth + 1, budget: &budget)
            }
        default:  // struct, enum (its payload), tuple
            for child in mirror.children {
                let label = child.label.map { $0.hasPrefix("_") ? String($0.dropFirst()) : $0 }
                // An enum's payload (JSONValue.string) or a tuple's element keeps its parent's path.
                let isPayload = mirror.displayStyle == .enum || mirror.displayStyle == .tuple
                let p = isPayload || label == nil ? path : (path.isEmpty ? label! : "\(path).\(label!)")
                if let found = offendingString(child.value, path: p, depth: depth + 1, budget: &budget) { return found }
            }
        }
        return nil
    }

    static func checkForm(_ text: Substring) throws {
        for (k, v) in formPairs(text) where hasControl(k) || hasControl(v) {
            throw refusal(field: hasControl(k) ? "parameter" : k)
        }
    }
}

/// A body decoder whose result is checked: what the handler receives holds no control character,
/// whatever the parser made of duplicate keys, huge numbers or ignored fields. For JSON
/// (`application/json`, `application/vnd.api+json`) a cheap scan of the raw text first tells
/// whether a forbidden character could be there at all; multipart forms are always checked.
struct CheckedDecoder: ContentDecoder {
    let inner: any ContentDecoder
    /// Whether the raw body could hold a forbidden character; nil: always check.
    let mayHold: (@Sendable (ByteBuffer) -> Bool)?

    static func json(_ decoder: JSONDecoder) -> CheckedDecoder {
        CheckedDecoder(inner: decoder, mayHold: TextCheck.jsonMaySmuggle)
    }
    static let multipart = CheckedDecoder(inner: FormDataDecoder(), mayHold: nil, maxParts: 64)

    /// For multipart bodies, the most parts read: the parser's time grows with the square of
    /// the parts (8,000 empty parts, 455 KB, took seconds), and no form here has more than a few.
    var maxParts: Int? = nil

    /// How many boundary lines the body holds, counting at most `limit + 1`, in one pass.
    static func boundaries(in body: ByteBuffer, boundary: String, limit: Int) -> Int {
        let needle = Array(("--" + boundary).utf8)
        return body.withUnsafeReadableBytes { raw -> Int in
            guard let base = raw.baseAddress, !needle.isEmpty else { return 0 }
            var count = 0
            var offset = 0
            while offset < raw.count, count <= limit {
                // memchr for the first byte, memcmp for the rest (memmem is a GNU extension).
                guard let hit = memchr(base + offset, Int32(needle[0]), raw.count - offset) else { break }
                let at = base.distance(to: UnsafeRawPointer(hit))
                guard at + needle.count <= raw.count else { break }
                if memcmp(base + at, needle, needle.count) == 0 {
                    count += 1
                    offset = at + needle.count
                } else {
                    offset = at + 1
                }
            }
            return count
        }
    }

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(D.self, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(
        _ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders,
        userInfo: [CodingUserInfoKey: Sendable]
    ) throws -> D {
        if let maxParts, let boundary = headers.contentType?.parameters["boundary"],
            Self.boundaries(in: body, boundary: boundary, limit: maxParts + 1) > maxParts + 1
        {
            throw AppError(
                status: .payloadTooLarge, code: "too_many_parts", message: "The form has more than \(maxParts) parts",
                messageZh: "表单字段过多（超过\(maxParts)个）")
        }
        let value = try inner.decode(D.self, from: body, headers: headers, userInfo: userInfo)
        if mayHold?(body) ?? true { try TextCheck.checkDecoded(value) }
        return value
    }
}

/// `application/x-www-form-urlencoded` bodies, checked likewise.
struct CheckedFormDecoder: ContentDecoder {
    let inner = URLEncodedFormDecoder()

    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        try decode(D.self, from: body, headers: headers, userInfo: [:])
    }

    func decode<D: Decodable>(
        _ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders,
        userInfo: [CodingUserInfoKey: Sendable]
    ) throws -> D {
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
