import Foundation

/// The working-day calendar (工作日) the complaint deadlines are counted on: weekends off, the
/// official public holidays off, and the make-up working days (调休上班) on, read from one data
/// file (`Resources/Calendar/cn-workdays.txt`). Days are Beijing days.
public struct WorkingDays: Sendable {
    /// Day number (days since 1970-01-01) → true for an extra working day, false for a holiday.
    private var exceptions: [Int: Bool] = [:]
    /// The years the file covers; outside them only weekends are days off.
    public private(set) var years: Set<Int> = []

    /// Weekends only: what a year missing from the file gets.
    public init() {}

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let line: Int
        public let text: String
        public var description: String { "calendar line \(line): \(text)" }
    }

    /// Reads the file's format: `YYYY-MM-DD off|work name`, `#` comments and blank lines ignored.
    public init(parsing text: String) throws {
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard parts.count >= 2, let day = Self.dayNumber(String(parts[0])), parts[1] == "off" || parts[1] == "work" else {
                throw ParseError(line: i + 1, text: String(line.prefix(80)))
            }
            let work = parts[1] == "work"
            // A holiday on a weekend or a make-up day on a weekday says nothing new, but is kept.
            guard exceptions[day] == nil || exceptions[day] == work else { throw ParseError(line: i + 1, text: "listed twice") }
            exceptions[day] = work
            years.insert(Int(parts[0].prefix(4))!)
        }
    }

    /// Whether a Beijing day is a working day.
    public func isWorkingDay(_ day: Int) -> Bool {
        if let work = exceptions[day] { return work }
        // 1970-01-01 was a Thursday: (day + 3) % 7 gives 0 = Monday … 5 = Saturday, 6 = Sunday.
        let weekday = ((day + 3) % 7 + 7) % 7
        return weekday < 5
    }

    /// The deadline of `count` working days from an instant: the day of the instant does not
    /// count, and the deadline is the end (24:00 Beijing time) of the `count`-th working day after
    /// it. Returns that end as an instant (the first moment of the following day).
    public func deadline(workingDays count: Int, from instant: Date) -> Date {
        var day = Self.dayNumber(of: instant)
        var left = max(0, count)
        while left > 0 {
            day += 1
            if isWorkingDay(day) { left -= 1 }
        }
        return Self.start(ofDay: day + 1)
    }

    /// The working days from the day after `from` up to and including the day of `to` (0 when `to`
    /// is on or before `from`'s day): how many working days of a deadline have passed.
    public func workingDays(from: Date, to: Date) -> Int {
        let a = Self.dayNumber(of: from)
        let b = Self.dayNumber(of: to)
        guard b > a else { return 0 }
        return (a + 1...b).reduce(0) { $0 + (isWorkingDay($1) ? 1 : 0) }
    }

    /// Whether the file covers the year of an instant.
    public func covers(_ instant: Date) -> Bool {
        years.contains(Period.calendar.component(.year, from: instant))
    }

    // MARK: Beijing day numbers

    private static let offset = 8 * 3600

    public static func dayNumber(of instant: Date) -> Int {
        Int(((instant.timeIntervalSince1970 + Double(offset)) / 86400).rounded(.down))
    }

    public static func start(ofDay day: Int) -> Date {
        Date(timeIntervalSince1970: Double(day * 86400 - offset))
    }

    /// `YYYY-MM-DD` → day number, or nil for anything else.
    public static func dayNumber(_ s: String) -> Int? {
        let p = s.split(separator: "-")
        guard s.count == 10, p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m),
            (1...31).contains(d),
            let date = Period.calendar.date(from: DateComponents(year: y, month: m, day: d)),
            Period.dayString(date) == s
        else { return nil }
        return dayNumber(of: date)
    }
}
