import Domain
import Foundation
import Vapor

extension Bulletin: Content {}
extension JSONValue: Content {}

/// An answer that is only ever written, never read back.
protocol EncodableAnswer: Encodable, AsyncResponseEncodable {}

extension EncodableAnswer {
    func encodeResponse(for request: Request) async throws -> Response {
        let res = Response(status: .ok)
        try res.content.encode(self, as: .json)
        return res
    }
}
