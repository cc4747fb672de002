import Vapor

/// The API of forgery leads and employers' keys: each handler authorises, decodes, calls one
/// service action, answers.
enum VerificationController {
    @Sendable static func leads(_ req: Request) async throws -> ForgeryLeads.Page {
        let search = ForgeryLeads.Search(
            unitCode: req.query[String.self, at: "unitCode"], kind: req.query[String.self, at: "kind"],
            paging: try Paging(req, defaultPer: 50, maxPer: 500))
        return try await ForgeryLeads.list(search, for: try req.requireUser(), on: req.db)
    }

    @Sendable static func leadCase(_ req: Request) async throws -> Response {
        let c = try await ForgeryLeads.openCase(req.parameters.get("id"), by: try req.requireUser(), on: req.store, now: req.now)
        return try await c.encodeResponse(status: .created, for: req)
    }

    @Sendable static func createKey(_ req: Request) async throws -> Response {
        let user = try req.requireMinistry()
        let k = try await APIKeys.create(try req.content.decode(APIKeys.NewKey.self), by: user, on: req.store, now: req.now)
        return try await k.encodeResponse(status: .created, for: req)
    }

    @Sendable static func listKeys(_ req: Request) async throws -> [APIKeys.KeyDTO] {
        try await APIKeys.list(by: try req.requireMinistry(), on: req.db, now: req.now)
    }

    @Sendable static func revokeKey(_ req: Request) async throws -> APIKeys.KeyDTO {
        try await APIKeys.revoke(req.parameters.get("id"), by: try req.requireMinistry(), on: req.store, now: req.now)
    }
}
