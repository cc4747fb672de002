import Vapor

/// `?page=&per=` of a list, checked: `page` runs 1…`maxPage` and `per` 1…`maxPer`; anything
/// else (including a number that does not fit in 64 bits) is a 400, never an overflow.
struct Paging: Sendable {
    let page: Int
    let per: Int
    static let maxPage = 100_000

    var offset: Int { (page - 1) * per }   // ≤ 100,000 × 500: far inside Int
    var range: Range<Int> { offset..<(offset + per) }

    init(page: Int, per: Int) { self.page = page; self.per = per }

    init(_ req: Request, defaultPer: Int, maxPer: Int) throws {
        func number(_ key: String, default d: Int, max m: Int) throws -> Int {
            guard let raw = req.query[String.self, at: key] else { return d }
            guard let n = Int(raw), (1...m).contains(n) else {
                throw AppError.malformed("\(key) must be a whole number from 1 to \(m)", "\(key) 须为1至\(m)的整数",
                                         code: "invalid_paging")
            }
            return n
        }
        page = try number("page", default: 1, max: Self.maxPage)
        per = try number("per", default: defaultPer, max: maxPer)
    }
}
