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

    /// The strings of one language for Swift code: `t[.reports]`, never a missing key.
    struct Strings: Sendable {
        let lang: String
        var en: Bool { lang == "en" }
        subscript(_ key: Key) -> String { en ? key.text.en : key.text.zh }
        /// A key made at run time (`"cert_" + status`): the key's text, or `fallback` for an unknown one.
        subscript(dynamic name: String, fallback fallback: String) -> String { Key(rawValue: name).map { self[$0] } ?? fallback }
    }

    static func t(_ req: Request) -> Strings { Strings(lang: lang(req)) }

    /// Every interface string, by key; `text` gives both languages, so no key can lack one.
    enum Key: String, CaseIterable, Sendable {
        case app
        case appShort
        case home
        case bulletins
        case reports
        case login
        case logout
        case username
        case password
        case switchLang
        case hotlines
        case intro
        case published
        case noBulletins
        case period
        case revision
        case publishedAt
        case changes
        case unit
        case status
        case submittedAt
        case late
        case notReported
        case missing
        case findings
        case total
        case draft
        case submitted
        case accepted
        case returned
        case `none`
        case `open`
        case `save`
        case `submit`
        case accept
        case `return`
        case comment
        case history
        case publish
        case preview
        case download
        case `print`
        case deadline
        case errors
        case warnings
        case yes
        case no
        case isYes
        case isNo
        case investigated
        case uninvestigated
        case dueYuan
        case paidYuan
        case ratio
        case whoReported
        case myReports
        case fill
        case `view`
        case when
        case who
        case action
        case field
        case old
        case new
        case chartTitle
        case correctionNote
        case returnedWith
        case reportedCount
        case lateFinding
        case error
        case back
        case publicNote
        case liveDraft
        case viewPublished
        case viewDraft
        case certificates
        case registers
        case occupationsTitle
        case feeStandards
        case stations
        case supervisors
        case visits
        case sessions
        case add
        case scopeHelp
        case suspend
        case revokeStation
        case licenceNo
        case validUntil
        case findingsText
        case violationFound
        case violationHandled
        case document
        case fee
        case candidates
        case passed
        case standardKind
        case bankKind
        case bankCode
        case regionCode
        case admin
        case units
        case users
        case code
        case industryName
        case addIndustry
        case inactive
        case deactivate
        case activate
        case role
        case addUser
        case fileComplaint
        case complaintStatus
        case hotlinesTitle
        case casesTitle
        case statsTitle
        case complaintIntro
        case category
        case unitUnknown
        case station
        case description
        case contact
        case channel
        case channel_web
        case channel_phone
        case channel_letter
        case channel_visit
        case channel_supervision
        case aboutTarget
        case aboutStation
        case aboutCentre
        case evidenceHint
        case evidenceTitle
        case thread
        case askFiler
        case sendMessage
        case yourAnswer
        case fromHandler
        case fromFiler
        case awaitingAnswer
        case refusalReason
        case decisionDue
        case resultDue
        case extend
        case extensionDays
        case extensionReason
        case extended
        case aboutCentreNote
        case noFiler
        case fileReceived
        case answerSent
        case addEvidence
        case workingDaysNote
        case toMinistry
        case send
        case receiptTitle
        case receiptNote
        case copy
        case receipt
        case checkStatus
        case receivedAt
        case dueAt
        case overdue
        case owner
        case transition
        case note
        case publicReply
        case transferTo
        case referredToPolice
        case reopen
        case onlyOverdue
        case editHotlines
        case ledger
        case fillFromLedger
        case downloadForm, uploadForm, uploadFormHint, downloadWorkbook
        case filledFromLedger
        case casesRegister
        case discrepancies
        case sessionsCount
        case reported
        case derivedValue
        case disagrees
        case group_overcharge
        case group_violations
        case group_forgery
        case verifyTitle
        case verifyNav
        case verifyHelp
        case serial
        case holderName
        case idNumber
        case occupation
        case level
        case issuedOn
        case issuer
        case query
        case verify_valid
        case verify_revoked
        case verify_not_found
        case verify_mismatch
        case signatureOK
        case cert_issued
        case cert_revoked
        case cert_voided
        case orders
        case quantity
        case range
        case unitPrice
        case due
        case paid
        case allocatedOn
        case order
        case allocate
        case pay
        case amount
        case paidOn
        case issue
        case importCSV
        case importRegisterFile
        case registerFileFormat
        case upload
        case voidBlank
        case reason
        case revoke
        case search
        case issued
        case breaches
        case leads
        case `count`
        case imported
        case unchanged
        case line
        case `prev`
        case `next`
        case `all`

        case roleMinistry
        case roleUnit
        case roleSupervisor
        case kindRegion
        case kindIndustry
        case standard_national
        case standard_verifiedLocal
        case standard_unverifiedLocal
        case bank_national
        case bank_certifiedLocal
        case bank_uncertifiedLocal
        case scope
        case maxLevel
        case chooseOccupation
        case chooseStation
        case chooseSupervisor
        case noSupervisor
        case confirmRevoke
        case confirmPublish
        case confirmDeactivate
        case confirmSuspend
        case noStations
        case noSessions
        case noSupervisors
        case noVisits
        case noFees
        case noCertificates
        case noCases
        case pageOf
        case breach_crossRegion
        case activeState
        case csvFormat

        case order_pending
        case order_allocated

        case kind

        case skipToContent

        case trail_create
        case trail_update
        case trail_correct
        case trail_value
        case trail_status

        case confirmVoid
        case session
        case results
        case noResults
        case score
        case outcome
        case failed
        case corrected
        case addResult
        case delete
        case confirmDeleteResult
        case certificateNumber
        case passedTypedNote
        case passedFromResults
        case csvResultsHelp
        case resultsLink
        case issuanceTitle
        case issuedInQuarter
        case againstPasses
        case refusedIssuance
        case overCertified
        case certificatesCount
        case numberOrSerial
        case examSession

        case stockOf
        case neverAllocated
        case breach_single
        case breach_import
        case breach_void

        case csvSupervisorHelp
        case stationsNav
        case stationsTitle
        case stationsIntro
        case stationsNotListed
        case reportProvider
        case allRegions
        case allOccupations
        case stationKeyword
        case stationsFound
        case noPublicStations
        case address
        case personInCharge
        case stationLicenceNo
        case licenceExpires
        case licence
        case licenceValid
        case licenceNotRecorded
        case licenceLapsed
        case licenceRevokedAtInspection
        case recordLicence
        case recordLicenceHelp
        case inspections
        case inspectionYear
        case inspectionYearHelp
        case inspectedOn
        case inspectionOutcome
        case inspectionNote
        case recordInspection
        case recordInspectionHelp
        case latestInspection
        case noInspections
        case recordedBy
        case remark
        case supervisionHome
        case supervisionHomeIntro
        case supervisorRegister
        case supervisorRegisterIntro
        case homeUnit
        case supervisorOccupations
        case loginName
        case createLogin
        case noLogin
        case saveSupervisor
        case dispatchTitle
        case dispatchChosen
        case drawAtRandom
        case drawCount
        case drawSeed
        case drawn
        case named
        case noDispatches
        case noEligible
        case dispatchRule
        case dispatchClosed
        case candidatesCount
        case reportState_upcoming
        case reportState_open
        case reportState_reported
        case reportState_missed
        case reportDue
        case fileReport
        case reportSubject
        case chooseSubject
        case checkResult
        case checkOk
        case checkProblem
        case checkNote
        case violationCategory
        case chooseViolation
        case caseOpened
        case noAssignments
        case recordVisit
        case supervisionReports
        case noReports
        case checklist
        case dispatchHow

        case leadsHelp
        case leadKind_never_allocated
        case leadKind_voided
        case leadKind_revoked
        case leadKind_mismatch
        case lookups
        case leadDay
        case leadOwner
        case ministryOwn
        case makeCase
        case viewCase
        case noLeads
        case apiKeys
        case apiKeysHelp
        case organisation
        case keyContact
        case dailyQuota
        case usedToday
        case createKey
        case keyShownOnce
        case keyPrefix
        case revokeKey
        case confirmRevokeKey
        case batchVerify
        case batchHelp
        case apiKey
        case csvFile
        case downloadResults
        case documentNumber
        case documentIssuedOn
        case documentNumberFormat
        case overviewHeading
        case problemsHeading
        case requirementsHeading
        case rankingHeading
        case rankingRule
        case rankCol
        case rankChangeCol
        case findingsCount
        case reportState
        case onTime
        case rectificationFollowUp
        case rectificationFollowUpNote
        case noOutstanding
        case rectificationsTitle
        case rectificationsIntro
        case noRectifications
        case dueOnCol
        case overdueMark
        case rectNote
        case decisionNoteLabel
        case markDone
        case acceptTask
        case reopenTask
        case rect_open
        case rect_done
        case rect_accepted
        case rect_reopened
        case rect_withdrawn
        case publishForm
        case publishFormNote
        case correctionMark
        case documentPending
        case pdfDownload
        case allUnits
        case allStatuses
        case filter
        case mapTitle
        case trendsTitle
        case timelinessTitle

        /// (Chinese, English).
        var text: (zh: String, en: String) {
            switch self {
            case .app: ("职业技能鉴定质量监督系统", "Vocational Skill Appraisal Quality Supervision")
            case .appShort: ("职鉴", "Zhijian")
            case .home: ("首页", "Home")
            case .bulletins: ("质量通报", "Bulletins")
            case .reports: ("季度报表", "Quarterly reports")
            case .login: ("登录", "Log in")
            case .logout: ("退出", "Log out")
            case .username: ("用户名", "User name")
            case .password: ("密码", "Password")
            case .switchLang: ("English", "中文")
            case .hotlines: ("劳动保障部职业技能鉴定质量监督电话", "Ministry supervision hotlines")
            case .intro:
                (
                    "依据劳动和社会保障部2003年8月6日通知建立的职业资格证书制度质量通报制度：各地区、各行业每季度报送28项质量工作指标，部对执行国家职业标准、使用题库、考务管理、证书核发与管理等情况进行公开通报。",
                    "The quality bulletin system of the Ministry of Labour and Social Security's notice of 6 August 2003: "
                        + "every quarter each region and industry reports 28 indicators, and the ministry publishes how each "
                        + "applies national standards, uses question banks, runs exams and issues certificates."
                )
            case .published: ("已发布的通报", "Published bulletins")
            case .noBulletins: ("尚无已发布的通报。", "No bulletin has been published yet.")
            case .period: ("报告期", "Period")
            case .revision: ("版次", "Revision")
            case .publishedAt: ("发布时间", "Published")
            case .changes: ("更正内容", "Changes")
            case .unit: ("单位", "Unit")
            case .status: ("状态", "Status")
            case .submittedAt: ("报送时间", "Submitted")
            case .late: ("迟报", "Late")
            case .notReported: ("未报", "Not reported")
            case .missing: ("未报单位", "Units that did not report")
            case .findings: ("通报问题", "Findings")
            case .total: ("合计", "Total")
            case .draft: ("草稿", "Draft")
            case .submitted: ("已报送", "Submitted")
            case .accepted: ("已通过", "Accepted")
            case .returned: ("已退回", "Returned")
            case .`none`: ("未填报", "None")
            case .`open`: ("打开", "Open")
            case .`save`: ("保存", "Save")
            case .`submit`: ("报送", "Submit")
            case .accept: ("审核通过", "Accept")
            case .`return`: ("退回", "Return")
            case .comment: ("意见", "Comment")
            case .history: ("修改记录", "History")
            case .publish: ("发布通报", "Publish")
            case .preview: ("通报预览（草稿）", "Bulletin preview (draft)")
            case .download: ("下载", "Download")
            case .`print`: ("打印", "Print")
            case .deadline: ("截止日期", "Deadline")
            case .errors: ("请更正以下错误", "Please correct these errors")
            case .warnings: ("提示：以下情况将列入通报问题", "Note: these will be listed as findings")
            case .yes: ("有", "Yes")
            case .no: ("无", "No")
            case .isYes: ("是", "Yes")
            case .isNo: ("否", "No")
            case .investigated: ("已查处", "Investigated")
            case .uninvestigated: ("未查处", "Not investigated")
            case .dueYuan: ("应缴款累计（元）", "Due, year to date (yuan)")
            case .paidYuan: ("已缴款累计（元）", "Paid, year to date (yuan)")
            case .ratio: ("缴款比例", "Payment ratio")
            case .whoReported: ("报送情况", "Who has reported")
            case .myReports: ("本单位季度报表", "Our quarterly reports")
            case .fill: ("填报", "Fill in")
            case .`view`: ("查看", "View")
            case .when: ("时间", "When")
            case .who: ("操作人", "Who")
            case .action: ("操作", "Action")
            case .field: ("字段", "Field")
            case .old: ("原值", "Old")
            case .new: ("新值", "New")
            case .chartTitle: ("各单位通报问题数", "Findings per unit")
            case .correctionNote:
                (
                    "本期通报已发布：修改将作为更正版本，经部审核通过后进入通报。",
                    "This period is published: a change makes a correction that enters the bulletin once the ministry accepts it."
                )
            case .returnedWith: ("退回意见", "Returned with")
            case .reportedCount: ("已报", "Reported")
            case .lateFinding: ("迟报", "late")
            case .error: ("出错了", "Something went wrong")
            case .back: ("返回", "Back")
            case .publicNote: ("公众可查看已发布的通报。各单位请登录填报。", "Anyone may read published bulletins. Units log in to report.")
            case .liveDraft: ("实时草稿", "Live draft")
            case .viewPublished: ("查看已发布版本", "View published revision")
            case .viewDraft: ("查看草稿", "View draft")
            case .certificates: ("证书管理", "Certificates")
            case .registers: ("鉴定站与考务", "Stations and sessions")
            case .occupationsTitle: ("职业目录", "Occupations")
            case .feeStandards: ("收费标准", "Fee standards")
            case .stations: ("鉴定站（所）", "Stations")
            case .supervisors: ("督导员", "Supervisors")
            case .visits: ("督导检查", "Supervision visits")
            case .sessions: ("考试场次", "Exam sessions")
            case .add: ("添加", "Add")
            case .scopeHelp:
                ("授权范围：每行 职业代码:最高等级（如 6-07-06-01:3）", "Scope: one line per occupation, code:highest level (6-07-06-01:3)")
            case .suspend: ("暂停", "Suspend")
            case .revokeStation: ("撤销", "Revoke")
            case .licenceNo: ("督导员证号", "Licence no.")
            case .validUntil: ("有效期至", "Valid until")
            case .findingsText: ("督导情况", "Findings")
            case .violationFound: ("发现违规", "Violation found")
            case .violationHandled: ("已查处", "Handled")
            case .document: ("文件依据", "Document")
            case .fee: ("收费（元）", "Fee (yuan)")
            case .candidates: ("考生", "Candidates")
            case .passed: ("合格", "Passed")
            case .standardKind: ("标准", "Standard")
            case .bankKind: ("题库", "Bank")
            case .bankCode: ("题库代码", "Bank code")
            case .regionCode: ("地区", "Region")
            case .admin: ("单位与用户", "Units and users")
            case .units: ("单位", "Units")
            case .users: ("用户", "Users")
            case .code: ("代码", "Code")
            case .industryName: ("行业名称", "Industry name")
            case .addIndustry: ("新增行业", "Add industry")
            case .inactive: ("已停用", "Inactive")
            case .deactivate: ("停用", "Deactivate")
            case .activate: ("启用", "Activate")
            case .role: ("角色", "Role")
            case .addUser: ("新增用户", "Add user")
            case .fileComplaint: ("举报", "Report a violation")
            case .complaintStatus: ("举报办理进度", "Case status")
            case .hotlinesTitle: ("监督电话", "Supervision hotlines")
            case .casesTitle: ("举报办理", "Complaints")
            case .statsTitle: ("举报统计", "Complaint statistics")
            case .complaintIntro:
                (
                    "欢迎对乱办班、乱考核、乱收费、乱发证以及其他违纪违规行为进行举报。可以匿名举报；提交后将得到一个回执号，凭回执号查询办理进度。",
                    "Report illegal classes, exams, fees, certificates or other violations. "
                        + "You may stay anonymous: you get a receipt to follow the case."
                )
            case .category: ("举报类别", "Category")
            case .unitUnknown: ("不清楚", "Don't know")
            case .station: ("鉴定站（所）", "Appraisal station")
            case .description: ("举报内容", "What happened")
            case .contact: ("联系方式（选填，仅办理单位可见）", "Contact (optional, seen only by the handlers)")
            case .channel: ("渠道", "Channel")
            case .channel_web: ("网上", "Web")
            case .channel_phone: ("电话", "Phone")
            case .channel_letter: ("来信", "Letter")
            case .channel_visit: ("来访", "Visit")
            case .channel_supervision: ("督导发现", "Supervision")
            case .aboutTarget: ("举报对象", "The complaint is about")
            case .aboutStation: ("鉴定站（所）、其他机构或个人", "A station, another body or a person")
            case .aboutCentre:
                ("鉴定指导中心本身（由部直接办理，该中心看不到）", "The guidance centre itself (the ministry handles it; the centre never sees it)")
            case .evidenceHint:
                (
                    "证据材料（选填）：最多5个JPEG、PNG或PDF文件，每个不超过10 MB；照片中的拍摄位置等信息会被删除",
                    "Evidence (optional): up to 5 JPEG, PNG or PDF files of 10 MB each; location and other metadata are removed from photos"
                )
            case .evidenceTitle: ("证据材料", "Evidence")
            case .thread: ("询问与答复", "Questions and answers")
            case .askFiler: ("向举报人提问（举报人凭回执号查看并答复）", "Ask the filer (who reads and answers with the receipt)")
            case .sendMessage: ("发送", "Send")
            case .yourAnswer: ("您的答复", "Your answer")
            case .fromHandler: ("办理单位", "Handler")
            case .fromFiler: ("举报人", "Filer")
            case .awaitingAnswer: ("办理单位有问题等待您答复", "The handler has asked you a question")
            case .refusalReason: ("不予受理理由（举报人可见）", "Why it is not accepted (the filer reads it)")
            case .decisionDue: ("受理决定期限", "Decision due")
            case .resultDue: ("办结期限", "Result due")
            case .extend: ("延长办理期限", "Extend the deadline")
            case .extensionDays: ("延长工作日数", "Working days")
            case .extensionReason: ("延期理由", "Reason")
            case .extended: ("已延期", "Extended")
            case .aboutCentreNote: ("该举报针对鉴定指导中心本身，由部办理", "About the guidance centre itself: the ministry handles it")
            case .noFiler: ("督导发现的违规，无举报人", "Found by supervision: there is no filer")
            case .fileReceived: ("文件已收到", "The file was received")
            case .answerSent: ("答复已发送", "Your answer was sent")
            case .addEvidence: ("补充证据", "Add evidence")
            case .toMinistry: ("部（上报部办理）", "The ministry (send the case up)")
            case .workingDaysNote:
                (
                    "期限按工作日计算（不含周末和法定节假日，含调休上班日）",
                    "Deadlines count working days (weekends and public holidays off, make-up working days on)"
                )
            case .send: ("提交举报", "Submit")
            case .receiptTitle: ("举报已收到，请保存回执号", "Received: keep your receipt")
            case .receiptNote:
                ("回执号只显示这一次，是查询办理进度的唯一凭证。", "The receipt is shown only this once; it alone opens the case's status.")
            case .copy: ("复制", "Copy")
            case .receipt: ("回执号", "Receipt")
            case .checkStatus: ("查询进度", "Check status")
            case .receivedAt: ("收到时间", "Received")
            case .dueAt: ("办理期限", "Due")
            case .overdue: ("逾期", "Overdue")
            case .owner: ("办理单位", "Handled by")
            case .transition: ("办理", "Act")
            case .note: ("办理说明（内部）", "Note (internal)")
            case .publicReply: ("公开答复（选填）", "Public reply (optional)")
            case .transferTo: ("转办至", "Transfer to")
            case .referredToPolice: ("提请公安、司法部门依法惩处", "Referred to police and judiciary")
            case .reopen: ("重新启用", "Reopen")
            case .onlyOverdue: ("只看逾期", "Overdue only")
            case .editHotlines: ("本单位监督电话（每行一个）", "Our hotlines (one per line)")
            case .ledger: ("登记数据：证书缴款台账（自1月1日起累计）", "Registers: certificate ledger (year to date)")
            case .fillFromLedger: ("按登记数据填入", "Fill from the registers")
            case .downloadForm: ("下载Excel报表", "Download the Excel form")
            case .downloadWorkbook: ("下载本季度全部报表（Excel）", "Download every unit's report (Excel)")
            case .uploadForm: ("上传Excel报表", "Upload the Excel form")
            case .uploadFormHint:
                (
                    "用Excel、WPS或LibreOffice填写下载的报表后上传（.xlsx）；按栏号读取，校验与网页填报相同。",
                    "Fill the downloaded form in Excel, WPS or LibreOffice and upload it (.xlsx); it is read by column number and checked as this page is."
                )
            case .filledFromLedger:
                ("已按证书台账和举报登记填入金额和案件数，请核对后保存。", "Amounts and case counts filled from the registers: check them, then save.")
            case .casesRegister: ("登记案件（已查处/未查处）", "Registered cases (investigated/not)")
            case .discrepancies: ("报表与登记数据不一致", "The report disagrees with the registers")
            case .sessionsCount: ("本季度考试场次", "sessions this quarter")
            case .reported: ("报表", "Reported")
            case .derivedValue: ("登记数据", "Registers")
            case .disagrees: ("与登记不符", "disagrees with the registers")
            case .group_overcharge: ("超标准收费", "Overcharging")
            case .group_violations: ("违规违纪", "Violations")
            case .group_forgery: ("自制私制证书", "Certificates")
            case .verifyTitle: ("职业资格证书查询", "Verify a certificate")
            case .verifyNav: ("证书查询", "Verify")
            case .verifyHelp:
                (
                    "请输入证书编号（或印制编号），以及持证人姓名或公民身份号码；也可扫描证书上的二维码。",
                    "Enter the certificate number (or the print serial) and the holder's name or ID number, or scan the certificate's QR code."
                )
            case .serial: ("印制编号", "Print serial")
            case .holderName: ("姓名", "Name")
            case .idNumber: ("公民身份号码", "ID number")
            case .occupation: ("职业（工种）", "Occupation")
            case .level: ("等级", "Level")
            case .issuedOn: ("发证日期", "Issued on")
            case .issuer: ("发证单位", "Issued by")
            case .query: ("查询", "Verify")
            case .verify_valid: ("证书有效", "Valid")
            case .verify_revoked: ("证书已撤销", "Revoked")
            case .verify_not_found: ("查无此证", "Not found")
            case .verify_mismatch: ("证书信息不符", "Details don't match")
            case .signatureOK: ("二维码签名验证通过", "QR code signature verified")
            case .cert_issued: ("有效", "Issued")
            case .cert_revoked: ("已撤销", "Revoked")
            case .cert_voided: ("已作废", "Voided")
            case .orders: ("证书订购", "Orders")
            case .quantity: ("数量", "Quantity")
            case .range: ("编号范围", "Serial range")
            case .unitPrice: ("单价（元）", "Unit price (yuan)")
            case .due: ("应缴（元）", "Due (yuan)")
            case .paid: ("已缴（元）", "Paid (yuan)")
            case .allocatedOn: ("分配日期", "Allocated on")
            case .order: ("订购", "Order")
            case .allocate: ("分配", "Allocate")
            case .pay: ("登记缴款", "Record payment")
            case .amount: ("金额（元）", "Amount (yuan)")
            case .paidOn: ("缴款日期", "Paid on")
            case .issue: ("发放证书", "Issue")
            case .importCSV: ("批量导入（CSV）", "Import (CSV)")
            case .importRegisterFile: ("批量导入（CSV 或 Excel (XLSX)）", "Import (CSV or Excel (XLSX))")
            case .registerFileFormat:
                (
                    "CSV 或 Excel (XLSX) 文件格式（首行为列名，顺序不限，多余的列不读；CSV 可为 UTF-8 或 GB18030 编码）",
                    "CSV or Excel (XLSX) file (the first row names the columns, in any order, others ignored; CSV in UTF-8 or GB18030)"
                )
            case .upload: ("上传", "Upload")
            case .voidBlank: ("作废空白证书", "Void a spoiled blank")
            case .reason: ("原因", "Reason")
            case .revoke: ("撤销证书", "Revoke")
            case .search: ("搜索", "Search")
            case .issued: ("已发证书", "Issued certificates")
            case .breaches: ("越权使用编号记录", "Serials used outside a unit's stock")
            case .leads: ("伪造证书线索", "Forgery leads")
            case .`count`: ("次数", "Count")
            case .imported: ("导入", "Imported")
            case .unchanged: ("未变", "Unchanged")
            case .line: ("行", "Line")
            case .`prev`: ("上一页", "Previous")
            case .`next`: ("下一页", "Next")
            case .`all`: ("全部", "All")
            case .roleMinistry: ("部（职业技能鉴定中心）", "Ministry")
            case .roleUnit: ("单位用户", "Unit user")
            case .roleSupervisor: ("督导员", "Supervisor")
            case .kindRegion: ("地区", "Region")
            case .kindIndustry: ("行业", "Industry")
            case .standard_national: ("国家职业标准", "National standard")
            case .standard_verifiedLocal: ("经审定的地方（行业）标准", "Verified local standard")
            case .standard_unverifiedLocal: ("未经审定的标准", "Unverified standard")
            case .bank_national: ("国家题库", "National bank")
            case .bank_certifiedLocal: ("经认证的地方（行业）题库", "Certified local bank")
            case .bank_uncertifiedLocal: ("未经认证的题库", "Uncertified bank")
            case .scope: ("授权范围", "Scope")
            case .maxLevel: ("最高等级", "Highest level")
            case .chooseOccupation: ("选择职业", "Choose an occupation")
            case .chooseStation: ("选择鉴定站", "Choose a station")
            case .chooseSupervisor: ("选择督导员", "Choose a supervisor")
            case .noSupervisor: ("无督导员", "No supervisor")
            case .confirmRevoke: ("确定撤销？撤销后不能恢复。", "Revoke? This cannot be undone.")
            case .confirmPublish: ("确定发布本期通报？发布后向社会公开。", "Publish this bulletin? It becomes public.")
            case .confirmDeactivate: ("确定停用？", "Deactivate?")
            case .confirmSuspend: ("确定暂停该鉴定站？", "Suspend this station?")
            case .noStations: ("尚无鉴定站。请在下方添加本单位的第一个鉴定站。", "No stations yet. Add the unit's first station below.")
            case .noSessions: ("尚无考试场次。可逐条添加，或上传CSV文件批量导入。", "No exam sessions yet. Add one, or upload a CSV file.")
            case .noSupervisors: ("尚无督导员。", "No supervisors yet.")
            case .noVisits: ("尚无督导检查记录。", "No supervision visits yet.")
            case .noFees: ("尚无收费标准。请按物价部门文件添加各等级的收费标准。", "No fee standards yet. Add one per level, citing the pricing document.")
            case .noCertificates:
                (
                    "没有符合条件的证书。单位订购空白证书并经部分配编号后，可在上方逐张发放或批量导入。",
                    "No certificates match. Once the ministry allocates an order of blanks, "
                        + "a unit issues them above, one by one or from a CSV file."
                )
            case .noCases: ("没有符合条件的举报。", "No complaints match.")
            case .pageOf: ("第 %d 页", "Page %d")
            case .breach_crossRegion: ("跨地区鉴定", "Outside its region")
            case .activeState: ("正常", "Active")
            case .csvFormat: ("CSV文件格式（第一行为列名）", "CSV format (the first line names the columns)")
            case .order_pending: ("待分配", "Awaiting allocation")
            case .order_allocated: ("已分配", "Allocated")
            case .kind: ("类别", "Kind")
            case .skipToContent: ("跳到正文", "Skip to content")
            case .trail_create: ("填报", "Created")
            case .trail_update: ("修改", "Changed")
            case .trail_correct: ("更正", "Corrected")
            case .trail_value: ("填写", "Value")
            case .trail_status: ("状态变更", "Status change")
            case .session: ("考试场次", "Exam session")
            case .results: ("考试成绩", "Results")
            case .noResults:
                (
                    "尚未录入成绩。录入后，合格人数按成绩统计，证书只能凭合格成绩发放。",
                    "No results yet. Once results are recorded, passes are counted from them, and certificates are issued only against a pass."
                )
            case .score: ("成绩", "Score")
            case .outcome: ("结果", "Outcome")
            case .failed: ("不合格", "Failed")
            case .corrected: ("更正", "Corrected")
            case .addResult: ("录入成绩", "Enter a result")
            case .delete: ("删除", "Delete")
            case .confirmDeleteResult: ("确定删除该考生的成绩？", "Delete this candidate's result?")
            case .certificateNumber: ("证书编号", "Certificate number")
            case .passedTypedNote: ("（登记人数，尚无成绩记录）", "(the figure entered; no results recorded)")
            case .passedFromResults: ("（按成绩记录统计）", "(counted from the results)")
            case .csvResultsHelp: ("passed 填 1/0 或 合格/不合格；score 为0至100，可空", "passed 1/0 or pass/fail; score 0–100, may be empty")
            case .resultsLink: ("成绩", "Results")
            case .issuanceTitle: ("证书核发", "Certificate issuance")
            case .issuedInQuarter: ("本季度发证", "Certificates issued this quarter")
            case .againstPasses: ("凭合格成绩发证", "Issued against a recorded pass")
            case .refusedIssuance: ("因无合格记录被拒", "Refused for want of a pass")
            case .overCertified: ("发证数多于合格人数的场次", "Sessions with more certificates than passes")
            case .certificatesCount: ("证书数", "Certificates")
            case .numberOrSerial: ("证书编号或印制编号", "Certificate number or print serial")
            case .examSession: ("考试场次", "Exam session")
            case .confirmVoid: ("确定作废该空白证书？作废后不能恢复。", "Void this blank? This cannot be undone.")
            case .stockOf: ("编号所属", "Stock of")
            case .neverAllocated: ("未分配", "Never allocated")
            case .breach_single: ("发放", "Issue")
            case .breach_import: ("批量导入", "Import")
            case .breach_void: ("作废", "Void")
            case .leadsHelp:
                (
                    "公开查询（单条、批量、扫码）中出现以下情况即记为线索：查询从未分配的编号、已作废或已撤销的证书，以及同一编号一日内姓名或身份证号不符达3次。线索按编号和日期合并计数，归属编号所在号段的领用单位（从未分配的归部）。",
                    "A lead is recorded when a public lookup (single, batch or scanned) names a serial never allocated, a voided "
                        + "blank or a revoked certificate, or when one serial gets 3 or more mismatching names or ID numbers in "
                        + "a day. Leads are counted per serial and day and belong to the unit whose range holds the serial "
                        + "(the ministry's when never allocated)."
                )
            case .leadKind_never_allocated: ("编号从未分配", "Never allocated")
            case .leadKind_voided: ("已作废的空白证书", "Voided blank")
            case .leadKind_revoked: ("已撤销的证书", "Revoked certificate")
            case .leadKind_mismatch: ("姓名或身份证号多次不符", "Repeated mismatches")
            case .lookups: ("当日查询次数", "Lookups that day")
            case .leadDay: ("日期", "Day")
            case .leadOwner: ("归属", "Belongs to")
            case .ministryOwn: ("部（未分配编号）", "Ministry (never allocated)")
            case .makeCase: ("转为举报案件", "Make a complaint case")
            case .viewCase: ("查看案件", "View the case")
            case .noLeads: ("暂无线索。", "No leads.")
            case .apiKeys: ("批量查询接口密钥", "API keys for batch verification")
            case .apiKeysHelp:
                (
                    "向用人单位签发接口密钥，用于批量查询证书（每批最多1000行，按北京时间每日限额计行）。密钥只在签发时显示一次，系统只保存其摘要。",
                    "Keys issued to employers for batch verification (up to 1,000 rows a batch, a daily quota of rows per "
                        + "Beijing day). A key is shown once, when issued; only its hash is kept."
                )
            case .organisation: ("单位名称", "Organisation")
            case .keyContact: ("联系人", "Contact")
            case .dailyQuota: ("每日限额（行）", "Daily quota (rows)")
            case .usedToday: ("今日已用", "Used today")
            case .createKey: ("签发密钥", "Issue a key")
            case .keyShownOnce: ("请立即复制并妥善保存该密钥，它只显示这一次：", "Copy and keep this key now; it is shown only once:")
            case .keyPrefix: ("密钥开头", "Key starts")
            case .revokeKey: ("停用", "Revoke")
            case .confirmRevokeKey: ("确定停用该密钥？停用后不能恢复。", "Revoke this key? This cannot be undone.")
            case .batchVerify: ("批量查询（持接口密钥的用人单位）", "Batch verification (employers with an API key)")
            case .batchHelp:
                (
                    "上传CSV文件（UTF-8，首行为 serial,name,idNumber，每行填姓名或身份证号之一，每批最多1000行），查询结果以CSV文件下载，姓名和身份证号已遮蔽。",
                    "Upload a CSV file (UTF-8, first line serial,name,idNumber, a name or an ID number on each line, at most "
                        + "1,000 lines); the results download as a CSV file, names and ID numbers masked."
                )
            case .apiKey: ("接口密钥", "API key")
            case .csvFile: ("CSV文件", "CSV file")
            case .downloadResults: ("查询并下载结果", "Verify and download the results")
            case .csvSupervisorHelp:
                (
                    "level 为5至1；regionCode 为地区代码；supervisorId 填督导员证号，可空",
                    "level 5 to 1; regionCode a region code; supervisorId the supervisor's licence number, or empty"
                )
            case .stationsNav: ("鉴定机构查询", "Find a station")
            case .stationsTitle: ("经授权的职业技能鉴定站（所）", "Authorised appraisal stations")
            case .stationsIntro:
                (
                    "本名单列出许可证在有效期内、年检未被撤销的职业技能鉴定站（所），以及各站经授权鉴定的职业（工种）和最高等级。",
                    "This list shows the appraisal stations whose licence is valid and was not revoked at the annual inspection, with the occupations they may appraise and the highest level of each."
                )
            case .stationsNotListed:
                (
                    "未列入本名单的机构无权开展职业技能鉴定。如有机构未经授权组织鉴定、收取鉴定费用或发放证书，请向我们举报。",
                    "A provider not on this list is not authorised to appraise skills. If one holds appraisals, charges appraisal fees or issues certificates without authorisation, please report it."
                )
            case .reportProvider: ("举报未经授权的鉴定机构", "Report an unauthorised provider")
            case .allRegions: ("全部地区", "All regions")
            case .allOccupations: ("全部职业（工种）", "All occupations")
            case .stationKeyword: ("名称、编号、许可证号或地址", "Name, code, licence no. or address")
            case .stationsFound: ("符合条件的鉴定站", "Stations found")
            case .noPublicStations:
                (
                    "没有符合条件的鉴定站。未列入名单的机构无权开展职业技能鉴定。",
                    "No authorised station matches. A provider that is not listed is not authorised to appraise skills."
                )
            case .address: ("地址", "Address")
            case .personInCharge: ("负责人", "Person in charge")
            case .stationLicenceNo: ("许可证号", "Licence no.")
            case .licenceExpires: ("许可证有效期至", "Licence valid until")
            case .licence: ("许可证", "Licence")
            case .licenceValid: ("许可有效", "Licence valid")
            case .licenceNotRecorded: ("许可未登记", "Licence not recorded")
            case .licenceLapsed: ("许可证已过期", "Licence expired")
            case .licenceRevokedAtInspection: ("年检撤销", "Revoked at inspection")
            case .recordLicence: ("登记或更新许可证", "Record or renew a licence")
            case .recordLicenceHelp:
                (
                    "四项均须填写；新的许可证信息替换原有信息。许可未登记、已过期或年检撤销的鉴定站不能安排新的考试。",
                    "Fill in all four; the new details replace the old. A station whose licence is not recorded, has expired or was revoked at inspection takes no new sessions."
                )
            case .inspections: ("年检记录", "Annual inspections")
            case .inspectionYear: ("年检年度", "Year inspected")
            case .inspectionYearHelp: ("不填则为年检日期所在年度", "Empty: the year of the date")
            case .inspectedOn: ("年检日期", "Inspected on")
            case .inspectionOutcome: ("年检结论", "Outcome")
            case .inspectionNote: ("说明（限期整改、撤销须写明原因）", "Note (required for rectification or revocation)")
            case .recordInspection: ("登记年检结果", "Record an inspection")
            case .recordInspectionHelp:
                (
                    "每站每年一条；再次登记同一年度即为更正，更正留有记录。",
                    "One per station and year; recording a year again corrects it, and the correction is kept in the audit trail."
                )
            case .latestInspection: ("最近年检", "Latest inspection")
            case .noInspections: ("尚无年检记录。", "No inspections recorded yet.")
            case .recordedBy: ("登记人", "Recorded by")
            case .remark: ("说明", "Note")
            case .supervisionHome: ("我的委派", "My assignments")
            case .supervisionHomeIntro:
                (
                    "委派给我的考试场次和我登记的督导检查。督导报告须在督导当日起{N}日内用本人账号提交；发现违规的，系统自动在举报案件中立案。",
                    "Sessions I am dispatched to and visits I recorded. File each report from your own login within the days shown; a violation found opens a case in the complaints register."
                )
            case .supervisorRegister: ("督导员名册", "Supervisor register")
            case .supervisorRegisterIntro:
                (
                    "督导员名册由部统一管理：证号、有效期、督导职业和所属单位。督导员不得督导本单位的鉴定站；证书过期的不能委派。",
                    "The ministry keeps the supervisor register: licence number, expiry, occupations and home unit. Nobody supervises a station of their own unit; an expired licence cannot be dispatched."
                )
            case .homeUnit: ("所属单位", "Home unit")
            case .supervisorOccupations: ("督导职业", "Occupations")
            case .loginName: ("账号", "Login")
            case .createLogin: ("创建账号", "Create login")
            case .noLogin: ("无账号", "No login")
            case .saveSupervisor: ("保存", "Save")
            case .dispatchTitle: ("督导员委派", "Supervisors dispatched")
            case .dispatchChosen: ("委派所选督导员", "Dispatch those chosen")
            case .drawAtRandom: ("随机抽取", "Draw at random")
            case .drawCount: ("抽取人数", "How many")
            case .drawSeed: ("抽取种子", "Draw seed")
            case .drawn: ("随机抽取", "Drawn")
            case .named: ("指定", "Named")
            case .noDispatches: ("尚未委派督导员。", "No supervisor dispatched yet.")
            case .noEligible: ("没有符合条件的督导员。", "No eligible supervisor.")
            case .dispatchRule:
                (
                    "只列出考试当日证书有效、具备该职业督导资格、且不属于该鉴定站所属单位的在册督导员；随机抽取从同样的名单中进行，并记录种子以备复核。",
                    "Only supervisors whose licence is valid on the session's day, qualified for its occupation and not of the station's unit are listed; a draw picks among the same, and its seed is kept for audit."
                )
            case .dispatchClosed: ("考试已结束，不能再委派督导员。", "The session is over; no more supervisors can be dispatched.")
            case .candidatesCount: ("候选人数", "Candidates")
            case .reportState_upcoming: ("未开始", "Upcoming")
            case .reportState_open: ("待提交", "Due")
            case .reportState_reported: ("已提交", "Filed")
            case .reportState_missed: ("已逾期", "Missed")
            case .reportDue: ("报告截止", "Report due by")
            case .fileReport: ("提交督导报告", "File the report")
            case .reportSubject: ("督导对象", "Supervised")
            case .chooseSubject: ("选择考试场次或督导检查", "Choose a session or a visit")
            case .checkResult: ("检查结果", "Result")
            case .checkOk: ("正常", "OK")
            case .checkProblem: ("有问题", "Problem")
            case .checkNote: ("说明", "Note")
            case .violationCategory: ("违规类别", "Kind of violation")
            case .chooseViolation: ("未发现违规", "No violation")
            case .caseOpened: ("已立案", "Case opened")
            case .noAssignments: ("暂无委派或督导检查。", "Nothing assigned yet.")
            case .recordVisit: ("登记督导检查", "Record a visit")
            case .supervisionReports: ("督导报告", "Supervision reports")
            case .noReports: ("尚无督导报告。", "No supervision reports yet.")
            case .checklist: ("检查项目", "Checklist")
            case .dispatchHow: ("方式", "How")
            case .documentNumber: ("文号", "Document number")
            case .documentIssuedOn: ("成文日期", "Date of issue")
            case .documentNumberFormat:
                (
                    "机关代字、〔年份〕、序号（不编虚位）和“号”，如：人社鉴通〔2025〕3号",
                    "Issuer's code, 〔year〕, serial without leading zeros and 号, e.g. 人社鉴通〔2025〕3号"
                )
            case .overviewHeading: ("总体情况", "Overview")
            case .problemsHeading: ("存在问题", "Problems found")
            case .requirementsHeading: ("整改要求", "Rectification required")
            case .rankingHeading: ("排名", "Ranking")
            case .rankingRule:
                (
                    "排名规则：已报送的单位中，通报问题少者在前；问题数相同的，按全年累计证书缴款比例从高到低；再相同的，按时报送在前、逾期报送在后。未报送的单位无指标可比，并列排在所有已报送单位之后。名次变化与上季度已发布的通报相比。",
                    "Ranking rule: among units that reported, fewest findings first; ties by the year-to-date certificate payment ratio, highest first; then on time before late. Units that did not report have no indicators to compare and share the place after all that did. Changes are against the previous quarter's published bulletin."
                )
            case .rankCol: ("名次", "Rank")
            case .rankChangeCol: ("名次变化", "Change")
            case .findingsCount: ("通报问题数", "Findings")
            case .reportState: ("报送情况", "Report")
            case .onTime: ("按时", "On time")
            case .rectificationFollowUp: ("整改落实情况", "Rectification follow-up")
            case .rectificationFollowUpNote:
                ("以下为以往通报问题中逾期未整改或被退回重改的事项。", "Tasks from earlier bulletins overdue or sent back for more work.")
            case .noOutstanding: ("以往通报的整改事项均已按期报告。", "Every task of earlier bulletins was reported on time.")
            case .rectificationsTitle: ("整改任务", "Rectification")
            case .rectificationsIntro:
                (
                    "通报发布后，每项通报问题即成为被通报单位的整改任务：单位报告整改情况，部里验收或退回重改。",
                    "Each finding of a published bulletin becomes a task for its unit: the unit reports what it did, the ministry accepts it or sends it back."
                )
            case .noRectifications: ("暂无整改任务。", "No rectification tasks.")
            case .dueOnCol: ("整改期限", "Due")
            case .overdueMark: ("逾期", "Overdue")
            case .rectNote: ("整改情况说明", "What was done")
            case .decisionNoteLabel: ("验收意见", "Ministry's note")
            case .markDone: ("报告整改情况", "Report as done")
            case .acceptTask: ("验收通过", "Accept")
            case .reopenTask: ("退回重改", "Send back")
            case .rect_open: ("待整改", "Open")
            case .rect_done: ("已报整改", "Done, awaiting review")
            case .rect_accepted: ("已验收", "Accepted")
            case .rect_reopened: ("退回重改", "Sent back")
            case .rect_withdrawn: ("已撤销（更正后不再通报）", "Withdrawn by a correction")
            case .publishForm: ("发布通报", "Publish the bulletin")
            case .publishFormNote:
                (
                    "文号发布后不可更改；更正沿用原文号。正文各部分已按本期数据生成初稿，可修改，每段一行。",
                    "The document number is fixed once published; a correction keeps it. Each section is drafted from this quarter's figures and can be edited, one paragraph per line."
                )
            case .correctionMark: ("更正", "Correction")
            case .documentPending: ("（草稿，文号待定）", "(draft, number to be assigned)")
            case .pdfDownload: ("PDF（公文格式）", "PDF (official layout)")
            case .allUnits: ("全部单位", "All units")
            case .allStatuses: ("全部状态", "All states")
            case .filter: ("筛选", "Filter")
            case .mapTitle: ("各地区、行业通报问题分布", "Findings by region and industry")
            case .trendsTitle: ("近八个季度通报问题与缴款比例", "Findings and payment ratio over eight quarters")
            case .timelinessTitle: ("报送及时性", "Timeliness of reports")
            }
        }
    }

    /// The table a template reads as `base.t.<key>`.
    static let zh: [String: String] = Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0.rawValue, $0.text.zh) })
    static let en: [String: String] = Dictionary(uniqueKeysWithValues: Key.allCases.map { ($0.rawValue, $0.text.en) })
}
