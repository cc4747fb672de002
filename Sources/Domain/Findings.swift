/// A breach shown by valid data (通报问题): a warning in the form, a listed problem in the bulletin.
public struct Finding: Sendable, Hashable, Codable {
    public let code: String
    public let message: String
    public let messageZh: String
    public let columns: [Int]

    public init(code: String, message: String, messageZh: String, columns: [Int]) {
        self.code = code
        self.message = message
        self.messageZh = messageZh
        self.columns = columns
    }
}

public enum Findings {
    /// The findings of one report for its quarter; `ratio` is the year-to-date payment ratio
    /// compared with the ministry's `threshold` (percent).
    public static func of(_ v: ReportValues, quarter: Int, threshold: Ratio) -> [Finding] {
        var f: [Finding] = []
        if v.standards.unverifiedLocal > 0 {
            f.append(
                .init(
                    code: "unverified_local_standards",
                    message: "Uses \(v.standards.unverifiedLocal) local standard(s) not verified by the ministry",
                    messageZh: "使用未经部论证的地方(行业)标准\(v.standards.unverifiedLocal)个", columns: [3]))
        }
        if v.banks.uncertifiedLocal > 0 {
            f.append(
                .init(
                    code: "uncertified_local_banks",
                    message: "Uses \(v.banks.uncertifiedLocal) local question bank(s) not certified by the ministry",
                    messageZh: "使用未经部认定的地方(行业)题库\(v.banks.uncertifiedLocal)个", columns: [6]))
        }
        if !v.feeStandard {
            f.append(
                .init(
                    code: "no_fee_standard", message: "No government fee standard",
                    messageZh: "无政府规定的收费标准", columns: [8]))
        }
        if v.overcharge.total > 0 {
            f.append(
                .init(
                    code: "overcharge_cases", message: "\(v.overcharge.total) case(s) of charging above the standard",
                    messageZh: "有超标准收费\(v.overcharge.total)起", columns: [9]))
        }
        if v.overcharge.uninvestigated > 0 {
            f.append(
                .init(
                    code: "overcharge_uninvestigated",
                    message: "\(v.overcharge.uninvestigated) overcharging case(s) not investigated",
                    messageZh: "超标准收费未查处\(v.overcharge.uninvestigated)起", columns: [11]))
        }
        if v.crossRegion {
            f.append(
                .init(
                    code: "cross_region", message: "Cross-region or out-of-scope appraisal",
                    messageZh: "开展跨地区或超范围鉴定", columns: [13]))
        }
        if !v.supervision {
            f.append(
                .init(
                    code: "no_supervision", message: "No quality supervision", messageZh: "未开展质量督导",
                    columns: [16]))
        }
        if v.violations.uninvestigated > 0 {
            f.append(
                .init(
                    code: "violations_uninvestigated",
                    message: "\(v.violations.uninvestigated) violation case(s) not investigated",
                    messageZh: "违规违纪未查处\(v.violations.uninvestigated)起", columns: [19]))
        }
        if v.forgery.uninvestigated > 0 {
            f.append(
                .init(
                    code: "forgery_uninvestigated",
                    message: "\(v.forgery.uninvestigated) report(s) of self-made or private certificates not investigated",
                    messageZh: "自制或私制证书举报未查处\(v.forgery.uninvestigated)起", columns: [23]))
        }
        if let ratio = v.payment.ratio, ratio < threshold {
            let col = Catalogue.paymentColumn(quarter: quarter)
            f.append(
                .init(
                    code: "payment_below_threshold",
                    message: "Certificates paid \(ratio)% of the amount due, below \(threshold)%",
                    messageZh: "证书缴款比例\(ratio)%，低于\(threshold)%", columns: [col]))
        }
        return f
    }

    public static func late(deadline: String) -> Finding {
        .init(
            code: "report_late", message: "Report submitted after the deadline \(deadline)",
            messageZh: "报表晚于截止日期\(deadline)报送", columns: [])
    }

    public static func missing(deadline: String, passed: Bool) -> Finding {
        passed
            ? .init(
                code: "report_missing", message: "No report by the deadline \(deadline)",
                messageZh: "截至\(deadline)未报送报表", columns: [])
            : .init(
                code: "report_missing", message: "Not reported yet (due \(deadline))",
                messageZh: "尚未报送（截止日期\(deadline)）", columns: [])
    }
}
