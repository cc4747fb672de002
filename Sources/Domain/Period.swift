import Foundation

/// A reporting period: one calendar quarter, written `2003Q3`.
public struct Period: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let quarter: Int

    public init?(year: Int, quarter: Int) {
        guard (1990...2999).contains(year), (1...4).contains(quarter) else { return nil }
        self.year = year
        self.quarter = quarter
    }

    /// Parses exactly `YYYYQn`; anything else (lower-case q, spaces, quarter 5) is nil.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[4] == UInt8(ascii: "Q"),
            bytes[0..<4].allSatisfy({ (48...57).contains($0) }),
            let y = Int(String(decoding: bytes[0..<4], as: UTF8.self)),
            let q = Int(String(decoding: bytes[5...5], as: UTF8.self))
        else { return nil }
        self.init(year: y, quarter: q)
    }

    public var description: String { "\(year)Q\(quarter)" }

    /// As an official writes it: 2025年第一季度.
    public var nameZh: String { "\(year)年第\(["一", "二", "三", "四"][quarter - 1])季度" }

    /// In English: Q1 2025.
    public var nameEn: String { "Q\(quarter) \(year)" }

    public static func < (a: Period, b: Period) -> Bool { (a.year, a.quarter) < (b.year, b.quarter) }

    public var previous: Period {
        quarter == 1 ? Period(year: year - 1, quarter: 4) ?? self : Period(year: year, quarter: quarter - 1)!
    }

    public var next: Period {
        quarter == 4 ? Period(year: year + 1, quarter: 1) ?? self : Period(year: year, quarter: quarter + 1)!
    }

    /// The quarters of the same year up to and including this one.
    public var yearToDate: [Period] { (1...quarter).map { Period(year: year, quarter: $0)! } }

    /// Beijing time: the deadlines of a Chinese ministry are counted in China Standard Time.
    public static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
        return c
    }()

    /// The first instant of the quarter.
    public var start: Date {
        Self.calendar.date(from: DateComponents(year: year, month: (quarter - 1) * 3 + 1, day: 1))!
    }

    /// The first instant after the quarter.
    public var end: Date { next.start }

    /// The last calendar day of the quarter, `YYYY-MM-DD`.
    public var lastDay: String {
        let d = Self.calendar.date(byAdding: .day, value: -1, to: end)!
        return Self.dayString(d)
    }

    /// Reports are due by the end of the `days`-th day after the quarter ends
    /// (default 15: 2003Q3 is due by the end of 15 October 2003).
    public func deadline(days: Int) -> Date {
        Self.calendar.date(byAdding: .day, value: days, to: end)!
    }

    /// The last day on which a report is on time, `YYYY-MM-DD` (the day before `deadline(days:)`).
    public func deadlineDay(days: Int) -> String {
        Self.dayString(Self.calendar.date(byAdding: .day, value: -1, to: deadline(days: days))!)
    }

    /// The period that contains an instant.
    public static func containing(_ date: Date) -> Period {
        let c = calendar.dateComponents([.year, .month], from: date)
        return Period(year: c.year!, quarter: (c.month! - 1) / 3 + 1)!
    }

    /// A quarter that has not begun yet takes no reports.
    public func isFuture(now: Date) -> Bool { start > now }

    public func hasEnded(now: Date) -> Bool { end <= now }

    /// A day `YYYY-MM-DD` as a Chinese document dates it: 2025年4月20日 (the text itself if it is not a day).
    public static func dayNameZh(_ day: String) -> String {
        let p = day.split(separator: "-")
        guard p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]) else { return day }
        return "\(y)年\(m)月\(d)日"
    }

    public static func dayString(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }
}
