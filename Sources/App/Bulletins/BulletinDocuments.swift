import Domain
import Fluent
import Foundation
import Vapor

/// A period's document number, fixed by its first publication (`M014_BulletinDocuments`).
final class BulletinDocumentModel: Model, @unchecked Sendable {
    static let schema = "bulletin_documents"

    @ID(key: .id) var id: UUID?
    @Field(key: "period") var period: String
    @Field(key: "document_number") var documentNumber: String
    @Field(key: "issued_on") var issuedOn: String
    @Field(key: "by") var by: String
    @Field(key: "at") var at: Date

    init() {}
}

/// The publish body: `{"documentNumber","issuedOn","overview","problems","requirements"}`.
struct PublishInput: Content {
    var documentNumber: String?
    var issuedOn: String?
    var overview: String?
    var problems: String?
    var requirements: String?

    /// The most characters of one narrative section (about ten pages of text).
    static let maxSection = 20_000

    struct Checked: Sendable {
        var documentNumber: DocumentNumber?
        var issuedOn: String?
        var overview: String?
        var problems: String?
        var requirements: String?
    }

    static let numberRequired = AppError.invalid(
        field: "documentNumber", code: "required",
        "A bulletin is published with its document number, e.g. 人社鉴通〔2025〕3号", "发布通报须填写文号，如：人社鉴通〔2025〕3号")

    static func numberTaken(_ number: String, _ period: String?) -> AppError {
        AppError.conflict(
            "document_number_taken", "\(number) is the number of another document\(period.map { " (\($0))" } ?? "")",
            "文号\(number)已被\(period.flatMap { Period($0)?.nameZh }.map { $0 + "的" } ?? "其他")通报使用")
    }

    /// Every field checked at once, each refusal naming its field. Brackets typed as [ ], 【 】
    /// or ［ ］ around the year are taken for the standard's 〔 〕.
    func checked(for p: Period, now: Date) throws -> Checked {
        var issues: [ValidationIssue] = []
        var out = Checked()
        func issue(_ field: String, _ code: String, _ en: String, _ zh: String) {
            issues.append(ValidationIssue(field: field, column: nil, code: code, message: en, messageZh: zh))
        }
        let number = (documentNumber ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if !number.isEmpty {
            var n = number
            for (from, to) in [("[", "〔"), ("]", "〕"), ("【", "〔"), ("】", "〕"), ("［", "〔"), ("］", "〕")] {
                n = n.replacingOccurrences(of: from, with: to)
            }
            if number.count <= 40, let parsed = DocumentNumber(n) {
                out.documentNumber = parsed
            } else {
                issue(
                    "documentNumber", "invalid_document_number",
                    "Write the number as the issuer's code, the year in 〔〕 and the serial without leading zeros: 人社鉴通〔2025〕3号",
                    "文号格式为机关代字、〔年份〕和不编虚位的序号，如：人社鉴通〔2025〕3号")
            }
        }
        let day = (issuedOn ?? "").trimmingCharacters(in: .whitespaces)
        if !day.isEmpty {
            let today = Period.dayString(now)
            if WorkingDays.dayNumber(day) == nil {
                issue("issuedOn", "invalid_date", "The date of issue is a day, YYYY-MM-DD", "成文日期格式为YYYY-MM-DD")
            } else if day <= p.lastDay {
                issue(
                    "issuedOn", "before_period_end", "A bulletin is issued after its quarter, after \(p.lastDay)",
                    "成文日期须在\(p.lastDay)之后")
            } else if day > today {
                issue("issuedOn", "in_future", "The date of issue cannot be after today", "成文日期不能晚于今天")
            } else {
                out.issuedOn = day
            }
        }
        func section(_ raw: String?, _ field: String) -> String? {
            let text = BulletinDocument.paragraphs(raw ?? "").joined(separator: "\n")
            guard !text.isEmpty else { return nil }
            guard text.count <= Self.maxSection else {
                issue(
                    field, "too_long", "At most \(Self.maxSection) characters", "不能超过\(Self.maxSection)字")
                return nil
            }
            return text
        }
        out.overview = section(overview, "overview")
        out.problems = section(problems, "problems")
        out.requirements = section(requirements, "requirements")
        if !issues.isEmpty { throw AppError.invalid(issues) }
        return out
    }
}
