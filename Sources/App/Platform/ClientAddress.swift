import Foundation
import Vapor

/// An address block such as `10.0.0.0/8`, `192.168.1.7` or `fd00::/8`.
public struct CIDR: Sendable, Equatable, CustomStringConvertible {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let b = CIDR.parse(first) else { return nil }
        bytes = b
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...(b.count * 8)).contains(p) else { return nil }
            prefix = p
        } else {
            prefix = b.count * 8
        }
    }

    /// The address's bytes: 4 for IPv4 (also for IPv4 written as `::ffff:a.b.c.d`), 16 for IPv6.
    static func parse(_ address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return nil }
        let b = withUnsafeBytes(of: &v6) { Array($0) }
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return Array(b[12...]) }
        return b
    }

    func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var bits = prefix
        for i in 0..<bytes.count where bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if address[i] & mask != bytes[i] & mask { return false }
            bits -= 8
        }
        return true
    }

    public var description: String { "\(bytes)/\(prefix)" }
}

extension Request {
    /// The client's address for limits and logs. The socket's peer, unless that peer is one of
    /// `ZHIJIAN_TRUSTED_PROXIES`: then the nearest address in `X-Forwarded-For` (or `Forwarded`)
    /// that is not itself a trusted proxy. Headers from anyone else are ignored, so a client
    /// cannot choose the address its requests are counted under.
    var clientAddress: String {
        guard let peer = remoteAddress?.ipAddress else { return "unknown" }
        let proxies = application.config.trustedProxies
        func trusted(_ a: String) -> Bool {
            guard let b = CIDR.parse(a) else { return false }
            return proxies.contains { $0.contains(b) }
        }
        guard !proxies.isEmpty, trusted(peer) else { return peer }
        var hops: [String] = headers[.xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if hops.isEmpty {
            hops = headers.forwarded.compactMap(\.for).map { f in
                var s = f.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if s.hasPrefix("["), let end = s.firstIndex(of: "]") {
                    s = String(s[s.index(after: s.startIndex)..<end])
                } else if s.filter({ $0 == ":" }).count == 1, let colon = s.firstIndex(of: ":") {
                    s = String(s[..<colon])
                }
                return s
            }
        }
        for hop in hops.reversed() {
            guard CIDR.parse(hop) != nil else { return peer }  // garbage in the chain: trust nothing further
            if !trusted(hop) { return hop }
        }
        return peer
    }
}
