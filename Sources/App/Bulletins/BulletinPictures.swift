import Domain
import Fluent
import Foundation
import Vapor

/// The bulletin's pictures and its PDF, both made from the bulletin and its history.
enum BulletinPictures {
    /// The bulletins of the eight quarters ending with `b`: each earlier quarter's latest revision
    /// published by the time `b` was (a published revision's pictures never change, whatever is
    /// corrected later, so every process draws and caches the same), then `b` itself.
    static func history(_ b: Bulletin, on store: Store) async throws -> [Bulletin] {
        guard let p = Period(b.period) else { return [b] }
        var periods: [Period] = []
        var q = p
        for _ in 0..<7 {
            q = q.previous
            periods.insert(q, at: 0)
        }
        var out: [Bulletin] = []
        for q in periods {
            var query = BulletinModel.query(on: store.db).filter(\.$period == q.description)
            if let at = b.publishedAt { query = query.filter(\.$publishedAt <= at) }
            guard let ref = try await query.sort(\.$revision, .descending).field(\.$id).first(), let id = ref.id,
                let s = try await Bulletins.load(id, on: store)
            else { continue }
            out.append(s.bulletin)
        }
        return out + [b]
    }

    /// The three pictures, in the order the page and the PDF show them.
    static func all(_ b: Bulletin, history: [Bulletin], lang: String) -> [String] {
        [
            BulletinCharts.tileMap(b, lang: lang), BulletinCharts.smallMultiples(history, lang: lang),
            BulletinCharts.timeliness(history, lang: lang),
        ]
    }

    /// The pictures for the page: a published revision's are drawn once per process and language,
    /// and kept one by one as the page's table is (no decoding on the way out).
    static func forPage(
        _ b: Bulletin, snapshot: Bulletins.Snapshot?, lang: String, for req: Request
    ) async throws
        -> [String]
    {
        let cache = req.application.bulletinCache
        let kinds = ["map", "trends", "timeliness"].map { "picture-\($0)-\(lang)" }
        if let snapshot {
            let hits = kinds.compactMap { cache.cached(snapshot.id, $0) }
            if hits.count == kinds.count { return hits.map { String(decoding: $0, as: UTF8.self) } }
        }
        let drawn = all(b, history: try await history(b, on: req.store), lang: lang)
        if let snapshot {
            for (kind, svg) in zip(kinds, drawn) { _ = cache.artifact(snapshot.id, kind) { Data(svg.utf8) } }
        }
        return drawn
    }

    /// At most two PDFs typeset at a time per process: typesetting is CPU work on the thread pool.
    static let gate = UploadGate(permits: 2)

    /// The PDF of a bulletin: a published revision's is made once per process and kept.
    static func pdf(_ b: Bulletin, snapshot: Bulletins.Snapshot?, for req: Request) async throws -> Data {
        let cache = req.application.bulletinCache
        if let snapshot, let hit = cache.cached(snapshot.id, "pdf") { return hit }
        let history = try await history(b, on: req.store)
        let issuer = req.application.config.issuer
        let pool = req.application.threadPool
        return try await gate.run {
            try await pool.runIfActive {
                let make = { try BulletinPDF.render(b, issuer: issuer, pictures: all(b, history: history, lang: "zh")) }
                guard let snapshot else { return try make() }
                return try cache.artifact(snapshot.id, "pdf", make: make)
            }
        }
    }
}
