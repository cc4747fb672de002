import Vapor

/// `?page=&per=` of a list, checked: `page` runs 1…`maxPage` and `per` 1…`maxPer`; anything
/// else (including a number that does not fit in 64 bits) is a 400, never an overflow.
struct Paging: Sendable {
    let page: Int
    let per: Int
    /// Rows read past the page, to learn whether a next page exists.
    var extra = 0
    static let maxPage = 100_000

    var offset: Int { (page - 1) * per }  // ≤ 100,000 × 500: far inside Int
    var range: Range<Int> { offset..<(offset + per + extra) }

    /// The same page and one row more: `count > per` means there is a next page.
    var peeking: Paging {
        var p = self
        p.extra = 1
        return p
    }

    init(page: Int, per: Int) {
        self.page = page
        self.per = per
    }

    init(_ req: Request, defaultPer: Int, maxPer: Int) throws {
        func number(_ key: String, default d: Int, max m: Int) throws -> Int {
            guard let raw = req.query[String.self, at: key] else { return d }
            guard let n = Int(raw), (1...m).contains(n) else {
                throw AppError.malformed(
                    "\(key) must be a whole number from 1 to \(m)", "\(key) 须为1至\(m)的整数",
                    code: "invalid_paging")
            }
            return n
        }
        page = try number("page", default: 1, max: Self.maxPage)
        per = try number("per", default: defaultPer, max: maxPer)
    }
}

/// Previous and next links of a paged list on a page, keeping the other query parameters.
struct Pager: Encodable, Sendable {
    let page: Int
    let prev: String?
    let next: String?

    /// `base`: the list's page (for a page drawn in answer to a form, whose own address is a
    /// POST); the other query parameters are kept as they were sent, already encoded.
    init(_ req: Request, base: SiteURL? = nil, paging: Paging, hasMore: Bool) {
        let path = base?.path ?? req.url.path
        let kept = req.method == .GET ? Pages.query(of: req, without: "page") : []
        func link(_ page: Int) -> String { path + "?" + (kept + ["page=\(page)"]).joined(separator: "&") }
        page = paging.page
        prev = paging.page > 1 ? link(paging.page - 1) : nil
        next = hasMore ? link(paging.page + 1) : nil
    }
}
