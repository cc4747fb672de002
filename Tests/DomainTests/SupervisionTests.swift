import Domain
import Foundation
import Testing

/// Supervision's pure rules: who may be dispatched, the replayable draw, the report's checklist
/// and its filing window.
@Suite struct SupervisionRulesTests {
    func codes<T>(_ r: Result<T, ValidationFailure>) -> [String] {
        if case .failure(let f) = r { return f.issues.map { "\($0.field):\($0.code)" } }
        return []
    }

    static let session = Supervision.SessionFacts(date: "2026-05-20", occupation: "6-07-06-01", stationUnit: "110000")

    func candidate(
        _ n: Int, home: String = "120000", active: Bool = true, until: String? = "2027-12-31",
        occupations: Set<String> = ["6-07-06-01"]
    ) -> Supervision.Candidate {
        .init(
            id: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))!, homeUnit: home, active: active,
            validUntil: until, occupations: occupations)
    }

    @Test func refusal_expiredTiedInactiveAndUnqualified() {
        #expect(Supervision.refusal(candidate(1), for: Self.session) == nil)
        // Valid through the session's day is enough; the day after it, not.
        #expect(Supervision.refusal(candidate(1, until: "2026-05-20"), for: Self.session) == nil)
        #expect(Supervision.refusal(candidate(1, until: "2026-05-19"), for: Self.session) == .licenceExpired)
        #expect(Supervision.refusal(candidate(1, until: nil), for: Self.session) == .licenceExpired)
        #expect(Supervision.refusal(candidate(1, home: "110000"), for: Self.session) == .tiedToStation)
        #expect(Supervision.refusal(candidate(1, active: false), for: Self.session) == .inactive)
        #expect(Supervision.refusal(candidate(1, occupations: ["6-18-02-04"]), for: Self.session) == .occupationNotCovered)
    }

    @Test func draw_isFixedBySeed_andIgnoresCandidateOrder() throws {
        let ids = (1...12).map { candidate($0).id }
        let seed = Supervision.Seed.random()
        let once = Supervision.draw(seed: seed, candidates: ids, count: 3)
        #expect(once.count == 3 && Set(once).count == 3 && once.allSatisfy(ids.contains))
        #expect(Supervision.draw(seed: seed, candidates: ids.reversed(), count: 3) == once)
        // The seed's text round-trips.
        let text = seed.description
        #expect(text.count == 64 && Supervision.Seed(hex: text) == seed)
        #expect(Supervision.draw(seed: try #require(Supervision.Seed(hex: text)), candidates: ids, count: 3) == once)
        #expect(Supervision.Seed(hex: "xyz") == nil)
        // More than there are: all of them; none from none.
        #expect(Set(Supervision.draw(seed: seed, candidates: ids, count: 50)) == Set(ids))
        #expect(Supervision.draw(seed: seed, candidates: [], count: 2).isEmpty)
    }

    /// A known seed gives a known choice: a change to the generator would break replays of
    /// draws already recorded.
    @Test func draw_knownSeed_givesAKnownChoice() throws {
        let seed = try #require(Supervision.Seed(hex: String(repeating: "0123456789abcdef", count: 4)))
        var g = Supervision.Xoshiro256StarStar(seed: seed)
        let first = g.next()
        var again = Supervision.Xoshiro256StarStar(seed: seed)
        #expect(again.next() == first)
        let ids = (1...5).map { candidate($0).id }
        let chosen = Supervision.draw(seed: seed, candidates: ids, count: 2)
        #expect(chosen == Supervision.draw(seed: seed, candidates: ids, count: 2))
        // Different seeds spread over the candidates (not always the first).
        var firsts = Set<UUID>()
        for _ in 0..<200 { firsts.insert(Supervision.draw(seed: .random(), candidates: ids, count: 1)[0]) }
        #expect(firsts.count == 5)
    }

    @Test func report_checklist_findings_andViolation() {
        let ok = Supervision.SentCheck(result: "ok", note: nil)
        let all = Dictionary(uniqueKeysWithValues: Supervision.ChecklistItem.allCases.map { ($0.rawValue, ok) })
        let entry = try? Supervision.report(checklist: all, findings: " 良好 ", violationFound: false, violationCategory: nil).get()
        #expect(entry?.findings == "良好" && entry?.checklist.count == 5)
        var partial = all
        partial["examOrder"] = .init(result: "problem", note: " ")
        partial["feeNotice"] = nil
        partial["extra"] = ok
        #expect(
            codes(Supervision.report(checklist: partial, findings: "", violationFound: true, violationCategory: "nope"))
                == [
                    "checklist.extra:unknown_item", "checklist.examOrder:note_required", "checklist.feeNotice:required",
                    "findings:required", "violationCategory:required",
                ])
        #expect(
            codes(Supervision.report(checklist: all, findings: "x", violationFound: false, violationCategory: "illegal_exam"))
                == ["violationCategory:inconsistent"])
        let found = try? Supervision.report(
            checklist: all, findings: "x", violationFound: true, violationCategory: "illegal_exam"
        )
        .get()
        #expect(found?.violationCategory == .illegalExam)
    }

    @Test func window_fromTheDay_toNDaysAfter() {
        let cal = Period.calendar
        #expect(Supervision.windowRefusal(day: "2026-05-20", today: "2026-05-19", days: 5, calendar: cal) == .tooEarly)
        #expect(Supervision.windowRefusal(day: "2026-05-20", today: "2026-05-20", days: 5, calendar: cal) == nil)
        #expect(Supervision.windowRefusal(day: "2026-05-20", today: "2026-05-25", days: 5, calendar: cal) == nil)
        #expect(Supervision.windowRefusal(day: "2026-05-20", today: "2026-05-26", days: 5, calendar: cal) == .tooLate)
        #expect(Supervision.lastDay("2026-12-30", days: 5, calendar: cal) == "2027-01-04")
        #expect(Supervision.windowRefusal(day: "2026-05-20", today: "2026-05-21", days: 0, calendar: cal) == .tooLate)
    }

    @Test func occupations_requiredKnownAndDistinct() {
        let active: Set<String> = ["A-1", "B-2"]
        #expect(codes(Supervision.occupations([], active: active)) == ["occupations:required"])
        #expect(codes(Supervision.occupations(["A-1", "C-3"], active: active)) == ["occupations[1]:unknown_occupation"])
        #expect(codes(Supervision.occupations(["A-1", "A-1"], active: active)) == ["occupations:duplicate"])
        #expect((try? Supervision.occupations([" B-2 "], active: active).get()) == ["B-2"])
    }

    @Test func plannedSessions_haveNoPasses_andAreAtMostAYearAhead() {
        #expect(ExamSessions.plannedUntil("2026-05-10") == "2027-05-10")
    }
}
