import CertificateKit
import Foundation

/// Candidates' results in an exam session (考试成绩): one per person and session, the pass a
/// certificate is later issued against.
public enum ExamResults {
    public static let csvHeader = ["name", "idNumber", "passed", "score"]

    /// A result as sent: every field optional, checked by `check`.
    public struct Input: Sendable, Hashable {
        public var name: String?, idNumber: String?, passed: Bool?, score: Double?
        public init(name: String?, idNumber: String?, passed: Bool?, score: Double?) {
            self.name = name
            self.idNumber = idNumber
            self.passed = passed
            self.score = score
        }
    }

    /// A checked result: the name trimmed, the ID number with a capital X.
    public struct Entry: Sendable, Hashable {
        public let name: String, idNumber: String, passed: Bool, score: Double?
        public init(name: String, idNumber: String, passed: Bool, score: Double?) {
            self.name = name
            self.idNumber = idNumber
            self.passed = passed
            self.score = score
        }
    }

    /// Checks one result; `field` prefixes the fields named in the issues (`results[3].`).
    public static func check(_ i: Input, field prefix: String = "") -> Result<Entry, ValidationFailure> {
        var issues: [ValidationIssue] = []
        func add(_ f: String, _ code: String, _ en: String, _ zh: String) {
            issues.append(RegisterRules.issue(prefix + f, code, en, zh))
        }
        let name = RegisterRules.trimmed(i.name)
        if name.isEmpty || name.count > 50 || name.unicodeScalars.contains(where: isControl) {
            add("name", "invalid_name", "The name: 1–50 characters, no control characters", "姓名须为1至50个字符，不含控制字符")
        }
        let id = IDNumber.normalised(RegisterRules.trimmed(i.idNumber))
        if let p = IDNumber.problem(id) {
            let why = RegisterRules.explain(p)
            add("idNumber", "invalid_id_number", why.en, why.zh)
        }
        if i.passed == nil { add("passed", "required", "Passed: true or false", "须注明是否合格") }
        if let s = i.score, !(s.isFinite && s >= 0 && s <= 100 && (s * 10).rounded() == s * 10) {
            add("score", "invalid_score", "The score: 0–100, at most one decimal", "成绩须为0至100，最多一位小数")
        }
        return RegisterRules.result(issues) { Entry(name: name, idNumber: id, passed: i.passed ?? false, score: i.score) }
    }

    static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 32 || (0x7F...0x9F).contains(u.value) || u == "\\" }

    /// `passed` as written in a file: 1/0, true/false, yes/no, pass/fail, 是/否, 合格/不合格.
    public static func passed(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "1", "true", "yes", "y", "pass", "passed", "是", "合格", "通过": true
        case "0", "false", "no", "n", "fail", "failed", "否", "不合格", "未通过": false
        default: nil
        }
    }

    /// A score as written in a file: empty for none.
    public static func score(_ text: String) -> Result<Double?, ValidationFailure> {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return .success(nil) }
        guard let d = Double(t), t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else {
            return .failure(
                ValidationFailure(issues: [
                    RegisterRules.issue("score", "invalid_score", "The score: 0–100, at most one decimal", "成绩须为0至100，最多一位小数")
                ]))
        }
        return .success(d)
    }
}
