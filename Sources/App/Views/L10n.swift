import Vapor

/// Interface strings, Chinese first; `?lang=en` (kept in a cookie) switches to English.
enum L10n {
    static let cookie = "zj_lang"

    static func lang(_ req: Request) -> String {
        if let q = req.query[String.self, at: "lang"], q == "en" || q == "zh" { return q }
        return req.cookies[cookie]?.string == "en" ? "en" : "zh"
    }

    static func strings(_ lang: String) -> [String: String] {
        lang == "en" ? en : zh
    }

    static let keys: [(String, String, String)] = [
        ("app", "职业技能鉴定质量监督系统", "Vocational Skill Appraisal Quality Supervision"),
        ("appShort", "职鉴", "Zhijian"),
        ("home", "首页", "Home"),
        ("bulletins", "质量通报", "Bulletins"),
        ("reports", "季度报表", "Quarterly reports"),
        ("login", "登录", "Log in"),
        ("logout", "退出", "Log out"),
        ("username", "用户名", "User name"),
        ("password", "密码", "Password"),
        ("switchLang", "English", "中文"),
        ("hotlines", "劳动保障部职业技能鉴定质量监督电话", "Ministry supervision hotlines"),
        ("intro", "依据劳动和社会保障部2003年8月6日通知建立的职业资格证书制度质量通报制度：各地区、各行业每季度报送28项质量工作指标，部对执行国家职业标准、使用题库、考务管理、证书核发与管理等情况进行公开通报。",
         "The quality bulletin system of the Ministry of Labour and Social Security's notice of 6 August 2003: every quarter each region and industry reports 28 indicators, and the ministry publishes how each applies national standards, uses question banks, runs exams and issues certificates."),
        ("published", "已发布的通报", "Published bulletins"),
        ("noBulletins", "尚无已发布的通报。", "No bulletin has been published yet."),
        ("period", "报告期", "Period"),
        ("revision", "版次", "Revision"),
        ("publishedAt", "发布时间", "Published"),
        ("changes", "更正内容", "Changes"),
        ("unit", "单位", "Unit"),
        ("status", "状态", "Status"),
        ("submittedAt", "报送时间", "Submitted"),
        ("late", "迟报", "Late"),
        ("notReported", "未报", "Not reported"),
        ("missing", "未报单位", "Units that did not report"),
        ("findings", "通报问题", "Findings"),
        ("total", "合计", "Total"),
        ("draft", "草稿", "Draft"),
        ("submitted", "已报送", "Submitted"),
        ("accepted", "已通过", "Accepted"),
        ("returned", "已退回", "Returned"),
        ("none", "未填报", "None"),
        ("open", "打开", "Open"),
        ("save", "保存", "Save"),
        ("submit", "报送", "Submit"),
        ("accept", "审核通过", "Accept"),
        ("return", "退回", "Return"),
        ("comment", "意见", "Comment"),
        ("history", "修改记录", "History"),
        ("publish", "发布通报", "Publish"),
        ("preview", "通报预览（草稿）", "Bulletin preview (draft)"),
        ("download", "下载", "Download"),
        ("print", "打印", "Print"),
        ("deadline", "截止日期", "Deadline"),
        ("errors", "请更正以下错误", "Please correct these errors"),
        ("warnings", "提示：以下情况将列入通报问题", "Note: these will be listed as findings"),
        ("yes", "有", "Yes"), ("no", "无", "No"), ("isYes", "是", "Yes"), ("isNo", "否", "No"),
        ("investigated", "已查处", "Investigated"), ("uninvestigated", "未查处", "Not investigated"),
        ("dueYuan", "应缴款累计（元）", "Due, year to date (yuan)"),
        ("paidYuan", "已缴款累计（元）", "Paid, year to date (yuan)"),
        ("ratio", "缴款比例", "Payment ratio"),
        ("whoReported", "报送情况", "Who has reported"),
        ("myReports", "本单位季度报表", "Our quarterly reports"),
        ("fill", "填报", "Fill in"),
        ("view", "查看", "View"),
        ("when", "时间", "When"), ("who", "操作人", "Who"), ("action", "操作", "Action"),
        ("field", "字段", "Field"), ("old", "原值", "Old"), ("new", "新值", "New"),
        ("chartTitle", "各单位通报问题数", "Findings per unit"),
        ("correctionNote", "本期通报已发布：修改将作为更正版本，经部审核通过后进入通报。", "This period is published: a change makes a correction that enters the bulletin once the ministry accepts it."),
        ("returnedWith", "退回意见", "Returned with"),
        ("reportedCount", "已报", "Reported"),
        ("lateFinding", "迟报", "late"),
        ("error", "出错了", "Something went wrong"),
        ("back", "返回", "Back"),
        ("publicNote", "公众可查看已发布的通报。各单位请登录填报。", "Anyone may read published bulletins. Units log in to report."),
        ("liveDraft", "实时草稿", "Live draft"),
        ("viewPublished", "查看已发布版本", "View published revision"),
        ("viewDraft", "查看草稿", "View draft"),
    ]

    static let zh: [String: String] = Dictionary(uniqueKeysWithValues: keys.map { ($0.0, $0.1) })
    static let en: [String: String] = Dictionary(uniqueKeysWithValues: keys.map { ($0.0, $0.2) })
}
