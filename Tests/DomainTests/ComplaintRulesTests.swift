import Domain
import Foundation
import Testing

/// The working-day calendar, the evidence check and the case-counting rule, without a server.
@Suite struct ComplaintRulesTests {
    static let calendarFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Resources/Calendar/cn-workdays.txt")

    static func calendar() throws -> WorkingDays {
        try WorkingDays(parsing: String(contentsOf: calendarFile, encoding: .utf8))
    }

    static func day(_ s: String) -> Int { WorkingDays.dayNumber(s)! }

    static func beijing(_ s: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: s + "+08:00")!
    }

    @Test func theShippedCalendar_knowsHolidaysAndMakeUpDays_of2025And2026() throws {
        let c = try Self.calendar()
        #expect(c.years.isSuperset(of: [2025, 2026]))
        // Holidays on weekdays are off; make-up Saturdays and Sundays are on.
        for off in ["2025-10-01", "2025-10-08", "2026-01-02", "2026-02-16", "2026-02-23", "2026-10-07", "2025-05-05"] {
            #expect(!c.isWorkingDay(Self.day(off)), "\(off)")
        }
        for on in ["2025-09-28", "2025-10-11", "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-10-10"] {
            #expect(c.isWorkingDay(Self.day(on)), "\(on)")
        }
        // Plain weekdays and weekends.
        #expect(c.isWorkingDay(Self.day("2026-11-27")) && !c.isWorkingDay(Self.day("2026-11-28")))
        #expect(!c.isWorkingDay(Self.day("2026-11-29")) && c.isWorkingDay(Self.day("2026-11-30")))
        // A year the file lacks: weekends only.
        #expect(c.isWorkingDay(Self.day("2030-10-01")) && !c.isWorkingDay(Self.day("2030-10-05")))
    }

    @Test func deadlines_skipTheDayOfReceipt_andEndAtMidnightBeijingTime() throws {
        let c = try Self.calendar()
        // Filed Tuesday 30 September 2025: 9, 10, 11 (make-up Saturday), 13, 14 October.
        #expect(c.deadline(workingDays: 5, from: Self.beijing("2025-09-30T10:00:00")) == Self.beijing("2025-10-15T00:00:00"))
        // Filed late on a Friday before the Spring Festival 2026: 14 February (make-up), 24–27 February.
        #expect(c.deadline(workingDays: 5, from: Self.beijing("2026-02-13T23:59:00")) == Self.beijing("2026-02-28T00:00:00"))
        // 60 working days from 15 October 2025: 8 January 2026.
        #expect(c.deadline(workingDays: 60, from: Self.beijing("2025-10-15T09:00:00")) == Self.beijing("2026-01-09T00:00:00"))
        #expect(c.workingDays(from: Self.beijing("2025-09-30T10:00:00"), to: Self.beijing("2025-10-14T08:00:00")) == 5)
        #expect(c.workingDays(from: Self.beijing("2025-10-14T08:00:00"), to: Self.beijing("2025-10-01T08:00:00")) == 0)
    }

    @Test func aMalformedCalendarLine_isRefusedWithItsNumber() {
        for (text, line) in [
            ("2025-01-01 off 元旦\n2025-13-01 off x", 2), ("# c\n\n2025-01-01 holiday", 3),
            ("2025-01-01 off a\n2025-01-01 work b", 2),
        ] {
            #expect(throws: WorkingDays.ParseError.self) { try WorkingDays(parsing: text) }
            do { _ = try WorkingDays(parsing: text) } catch let e as WorkingDays.ParseError {
                #expect(e.line == line, "\(text)")
            } catch {}
        }
    }

    // MARK: Evidence

    static func jpeg(_ segments: [(UInt8, [UInt8])], scan: [UInt8] = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]) -> [UInt8] {
        var b: [UInt8] = [0xFF, 0xD8]
        for (marker, payload) in segments {
            b += [0xFF, marker, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        }
        b += [0xFF, 0xDA, 0x00, 0x04, 0x01, 0x00] + scan + [0xFF, 0xD9]
        return b
    }

    @Test func jpeg_losesExifXmpIptcAndComments_keepsItsTablesAndImageData() throws {
        let jfif = Array("JFIF\u{0}".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]
        let exif = Array("Exif\u{0}\u{0}MM".utf8) + [0x88, 0x25, 9, 9]
        let icc = Array("ICC_PROFILE\u{0}".utf8) + [1, 1, 7]
        let dqt = [UInt8](repeating: 1, count: 65)
        let input = Self.jpeg([
            (0xE0, jfif), (0xE1, exif), (0xE2, icc), (0xED, Array("Photoshop 3.0".utf8)), (0xFE, Array("GPS here".utf8)),
            (0xDB, dqt),
        ])
        let (kind, out) = try Evidence.sanitise(input)
        #expect(kind == .jpeg)
        #expect(out == Self.jpeg([(0xE0, jfif), (0xE2, icc), (0xDB, dqt)]))
        // Bytes after the end-of-image marker are dropped too.
        #expect(try Evidence.sanitise(input + Array("trailing secret".utf8)).bytes == out)
        // A segment hidden after the first scan (as in a progressive JPEG) is found and dropped.
        let hidden = Self.jpeg(
            [(0xE0, jfif)], scan: [0x11, 0xFF, 0xE1, 0x00, 0x06] + Array("Exif".utf8) + [0xFF, 0xDA, 0x00, 0x02, 0x22])
        let cleaned = try Evidence.sanitise(hidden).bytes
        #expect(!Data(cleaned).contains(Data("Exif".utf8)) && cleaned.suffix(2).elementsEqual([0xFF, 0xD9]))
    }

    @Test func jpeg_keepsTheOrientationAlone_cutsTheJFIFThumbnail_andDropsReservedMarkers() throws {
        // EXIF (big-endian) with Make, then Orientation = 6 (rotate 90°), then a GPS pointer.
        var exif = Array("Exif\u{0}\u{0}".utf8) + [0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8, 0, 3]
        exif += [0x01, 0x0F, 0, 2, 0, 0, 0, 4] + Array("Cam\u{0}".utf8)
        exif += [0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]
        exif += [0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x40, 0, 0, 0, 0]
        let thumb = Array("JFIF\u{0}".utf8) + [1, 1, 0, 0, 1, 0, 1, 2, 2] + [UInt8](repeating: 0xAB, count: 12)
        let input = Self.jpeg([(0xE0, thumb), (0xE1, exif), (0xF3, Array("hidden".utf8)), (0xDB, [0, 1])])
        let out = try Evidence.sanitise(input).bytes
        let jfif = Array("JFIF\u{0}".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0]
        #expect(out == Self.jpeg([(0xE0, jfif), (0xE1, Evidence.orientationSegment(6)), (0xDB, [0, 1])]))
        #expect(Evidence.exifOrientation(Evidence.orientationSegment(6)[...]) == 6)
        // Little-endian EXIF reads the same; orientation 1 (upright) needs no segment.
        let little =
            Array("Exif\u{0}\u{0}".utf8) + [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0]
        #expect(Evidence.exifOrientation(little[...]) == 8)
        // A second start of image is not a picture this reads.
        #expect(throws: Evidence.Refusal.malformed) { try Evidence.sanitise(Self.jpeg([(0xD8, [1, 2])])) }
    }

    @Test func png_losesTextExifAndTime_keepsWhatItLooksLike() throws {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let n = data.count
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + Array(type.utf8) + data + [
                0, 0, 0, 0,
            ]
        }
        let sig: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let ihdr = chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])
        let input =
            sig + ihdr + chunk("gAMA", [0, 1, 0x86, 0xA0]) + chunk("tEXt", Array("GPS\u{0}39.9N".utf8)) + chunk("eXIf", [1, 2])
            + chunk("tIME", [7, 0xE9, 1, 1, 0, 0, 0]) + chunk("prVt", [9]) + chunk("IDAT", [1, 2, 3]) + chunk("IEND", [])
        let (kind, out) = try Evidence.sanitise(input)
        #expect(kind == .png)
        #expect(out == sig + ihdr + chunk("gAMA", [0, 1, 0x86, 0xA0]) + chunk("IDAT", [1, 2, 3]) + chunk("IEND", []))
        // An unknown critical chunk is a file no viewer could show; the ICC profile's free-text name goes with it.
        #expect(throws: Evidence.Refusal.malformed) {
            try Evidence.sanitise(sig + ihdr + chunk("EXIF", [1]) + chunk("IDAT", [1]) + chunk("IEND", []))
        }
        #expect(
            try Evidence.sanitise(
                sig + ihdr + chunk("iCCP", Array("secret\u{0}\u{0}x".utf8)) + chunk("IDAT", [1]) + chunk("IEND", [])
            )
            .bytes == sig + ihdr + chunk("IDAT", [1]) + chunk("IEND", []))
    }

    @Test func theTypeIsReadFromTheContent_andBrokenFilesAreRefused() {
        #expect(throws: Evidence.Refusal.unsupportedType) { try Evidence.sanitise([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1]) }
        #expect(throws: Evidence.Refusal.unsupportedType) { try Evidence.sanitise(Array("GIF89a".utf8)) }
        #expect(throws: Evidence.Refusal.empty) { try Evidence.sanitise([]) }
        #expect(throws: Evidence.Refusal.malformed) { try Evidence.sanitise([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x40, 1]) }
        #expect(throws: Evidence.Refusal.malformed) { try Evidence.sanitise([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02]) }
        #expect(throws: Evidence.Refusal.malformed) {
            try Evidence.sanitise([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 1])
        }
        #expect(throws: Evidence.Refusal.malformed) { try Evidence.sanitise(Array("%PDF-1.7\n1 0 obj".utf8)) }
        #expect((try? Evidence.sanitise(Array("%PDF-1.7\n1 0 obj\n%%EOF\n".utf8)))?.kind == .pdf)
    }

    // MARK: Counting

    @Test func counting_followsTheRule_quarterByQuarter() {
        let q1 = (Self.beijing("2026-01-01T00:00:00"), Self.beijing("2026-04-01T00:00:00"))
        let q2 = (Self.beijing("2026-04-01T00:00:00"), Self.beijing("2026-07-01T00:00:00"))
        let q3 = (Self.beijing("2026-07-01T00:00:00"), Self.beijing("2026-10-01T00:00:00"))
        func step(_ d: String, _ s: ComplaintStatus, _ owner: String? = "110000") -> CaseCounting.Step {
            .init(at: Self.beijing(d + "T10:00:00"), status: s, owner: owner)
        }
        func count(_ steps: [CaseCounting.Step], current: ComplaintStatus, _ q: (Date, Date)) -> CaseCounting.Counted? {
            CaseCounting.count(receivedAt: steps[0].at, current: current, about: "110000", steps: steps, start: q.0, end: q.1)
        }
        // Received in Q1, handled in Q2: open in Q1, handled in Q2, gone in Q3.
        let b = [step("2026-02-10", .received), step("2026-02-11", .accepted), step("2026-05-10", .handled)]
        #expect(count(b, current: .handled, q1) == .init(unit: "110000", handled: false))
        #expect(count(b, current: .handled, q2) == .init(unit: "110000", handled: true))
        #expect(count(b, current: .handled, q3) == nil)
        // Found untrue (or refused) later: never counted, not even in the quarter it was open.
        let c = [step("2026-02-10", .received), step("2026-02-11", .accepted), step("2026-05-10", .unfounded)]
        #expect(count(c, current: .unfounded, q1) == nil)
        #expect(count([step("2026-04-10", .received), step("2026-04-11", .refused)], current: .refused, q2) == nil)
        // Transferred: counted for the unit holding it at the quarter's end; while the ministry holds it, for none.
        let f = [step("2026-05-01", .received), step("2026-07-06", .transferred, "120000")]
        #expect(count(f, current: .transferred, q2)?.unit == "110000" && count(f, current: .transferred, q3)?.unit == "120000")
        #expect(count([step("2026-07-10", .received, nil)], current: .received, q3) == nil)
        #expect(
            count([step("2026-07-10", .received, nil), step("2026-08-10", .transferred)], current: .transferred, q3)
                == .init(unit: "110000", handled: false))
        // Not yet received: nothing.
        #expect(count([step("2026-07-10", .received)], current: .received, q2) == nil)
    }
}
