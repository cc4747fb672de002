import CertificateKit
import Domain
import Fluent
import Vapor

/// One page for the registers behind columns 1–24: lists with search and pages, forms whose
/// choices come from the registers, each refusal shown next to its field.
enum RegisterPages {
    static func register(_ r: any RoutesBuilder) {
        r.get(.registers, use: index)
        r.post(.registerOccupations, use: addOccupation)
        r.post(.registerFees, use: addFee)
        r.post(.registerStations, use: addStation)
        r.post(.registerStationStatus(.key), use: stationStatus)
        r.post(.registerOccupationActive(.key), use: occupationActive)
        r.post(.registerStationLicences, use: recordLicence)
        r.post(.registerStationInspections, use: recordInspection)
        r.post(.registerSessions, use: addSession)
        r.grouped(RequireRole([.ministry, .unit])).on(
            .POST, .registerSessionsImport, body: .collect(maxSize: "32mb"), use: importSessions)
    }

    /// The form that was refused, its fields' messages and the values to show again.
    struct Refusal: Encodable {
        let form: String
        let message: String?
        let fields: [String: String]
        let values: [String: String]
    }

    struct View: Encodable {
        let isMinistry: Bool
        let canWrite: Bool
        let q: String
        /// A refusal's message, and its reasons and the values typed, by form and field, so each
        /// shows beside its own field of its own form.
        let message: String?
        let errors: [String: [String: String]]
        let values: [String: [String: String]]
        let importResult: Issuance.ImportResult?
        let occupations: [OccupationRow]
        let fees: [FeeRow]
        let stations: [StationRow]
        let visits: [VisitRow]
        let inspections: [InspectionRow]
        let sessions: [SessionRow]
        let sessionPages: Pager?
        let today: String
        let regions: [Names.Option]
        let levels: [Names.Option]
        let standardKinds: [Names.Option]
        let bankKinds: [Names.Option]
        let occupationChoices: [Names.Option]
        let stationChoices: [Names.Option]
        /// Every station the user sees, whatever its state: a licence or an inspection may be recorded for any.
        let allStationChoices: [Names.Option]
        let outcomes: [Names.Option]
        let unitChoices: [Names.Option]
        let unit: String
        let csvHeader: String
        let scopeRows: [Int]
        let actions: Actions
    }

    struct Actions: Encodable {
        let search = SiteURL.registers.path, occupations = SiteURL.registerOccupations.path, fees = SiteURL.registerFees.path
        let stations = SiteURL.registerStations.path, supervisors = SiteURL.registerSupervisors.path
        let sessions = SiteURL.registerSessions.path
        let sessionsImport = SiteURL.registerSessionsImport.path
        let licences = SiteURL.registerStationLicences.path, inspections = SiteURL.registerStationInspections.path
    }

    struct OccupationRow: Encodable {
        let code: String
        let name: String
        let active: Bool
        let action: String
    }
    struct FeeRow: Encodable {
        let unit: String
        let level: String
        let feeYuan: String
        let document: String
        let active: Bool
    }
    struct StationRow: Encodable {
        let code: String
        let name: String
        let unit: String
        let region: String
        let status: String
        let active: Bool
        let scope: String
        let action: String
        /// The licence in words: number and expiry, or 许可未登记.
        let licence: String
        let licenceState: String
        let licenceOK: Bool
        let address: String
        let personInCharge: String
        let latestInspection: String
    }
    struct InspectionRow: Encodable {
        let station: String
        let year: Int
        let inspectedOn: String
        let outcome: String
        let serious: Bool
        let note: String
        let recordedBy: String
    }
    struct VisitRow: Encodable {
        let visitedOn: String
        let station: String
        let supervisor: String
        let findings: String
        let violationFound: Bool
        let violationHandled: Bool
    }
    struct SessionRow: Encodable {
        let date: String
        let station: String
        let occupation: String
        let level: String
        let region: String
        let standard: String
        let bank: String
        let candidates: Int
        let passed: Int
        /// The passes are the figure typed: no results recorded yet.
        let passedTyped: Bool
        let feeYuan: String
        let breaches: String
        let link: String
    }

    static let sessionsPerPage = 50

    static func render(
        _ req: Request, refusal: Refusal? = nil, importResult: Issuance.ImportResult? = nil,
        status: HTTPResponseStatus = .ok
    ) async throws -> Response {
        let user = try req.requireUser()
        let names = Names(L10n.t(req))
        let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
        // The ministry narrows every list to one unit; a unit's users see only their own anyway.
        let only = user.role == .ministry ? (req.query[String.self, at: "unit"]).flatMap { $0.isEmpty ? nil : $0 } : nil
        func mine(_ unit: String) -> Bool { only == nil || only == unit }
        let db = req.db
        let units = try await UnitNames.all(on: db)
        let occupations = try await Registers.occupations(matching: nil, on: db)
        let occupationName = Dictionary(uniqueKeysWithValues: occupations.map { ($0.code, $0.name) })
        let regionName = Dictionary(uniqueKeysWithValues: Regions.all.map { ($0.code, $0.name) })
        let today = Period.dayString(req.now)
        // Every station the user sees names sessions and visits and fills the choices; the list shows those asked for.
        let allStations = try await Registers.stations(for: user, today: today, on: db)
        let stations = allStations.filter { mine($0.unitCode) && $0.matches(q) }
        let stationName = Dictionary(uniqueKeysWithValues: allStations.map { ($0.code, $0.name) })
        let supervisors = try await Registers.supervisors(for: user, on: db)
        let supervisorName = Dictionary(uniqueKeysWithValues: supervisors.map { ($0.id, $0.name) })

        var sessions: [SessionRow] = []
        var pager: Pager?
        if user.role != .supervisor {
            let paging = try Paging(req, defaultPer: sessionsPerPage, maxPer: 200)
            let page = try await Registers.sessions(for: user, .init(unitCode: only, period: nil, paging: paging.peeking), on: db)
            pager = Pager(req, base: .registers, paging: paging, hasMore: page.count > paging.per)
            let scopes = Dictionary(
                uniqueKeysWithValues: allStations.map { s in
                    (
                        s.code,
                        ExamSessions.StationFacts(
                            unitCode: s.unitCode, status: .active, regionCode: s.regionCode,
                            scope: s.scope.compactMap { sc in
                                Level(rawValue: sc.maxLevel).map { .init(occupation: sc.occupation, maxLevel: $0) }
                            })
                    )
                })
            sessions = page.prefix(paging.per).map { s in
                let breaches =
                    scopes[s.stationCode].flatMap { st in
                        Level(rawValue: s.level).map {
                            ExamSessions.breaches(regionCode: s.regionCode, occupation: s.occupation, level: $0, at: st)
                        }
                    } ?? []
                return SessionRow(
                    date: s.date, station: stationName[s.stationCode] ?? s.stationCode,
                    occupation: occupationName[s.occupation] ?? s.occupation, level: names.level(s.level),
                    region: regionName[s.regionCode] ?? s.regionCode, standard: names.standardKind(s.standardKind),
                    bank: "\(names.bankKind(s.bankKind)) \(s.bankCode)", candidates: s.candidates, passed: s.passed,
                    passedTyped: s.passedSource == "typed", feeYuan: s.feeYuan,
                    breaches: breaches.map { names.en ? $0.nameEn : $0.nameZh }.joined(separator: "、"),
                    link: SiteURL.registerSession(.value(s.id.uuidString)).path)
            }
        }
        let visits = try await Registers.visits(for: user, unitCode: only, limit: 50, on: db)
        let inspections = try await Registers.recentInspections(for: user, unitCode: only, limit: 50, on: db)
        let view = View(
            isMinistry: user.role == .ministry, canWrite: user.role != .supervisor, q: q,
            message: refusal.map { $0.message ?? L10n.t(req)[.errors] },
            errors: refusal.map { [$0.form: $0.fields] } ?? [:], values: refusal.map { [$0.form: $0.values] } ?? [:],
            importResult: importResult,
            occupations: occupations.map {
                OccupationRow(
                    code: $0.code, name: $0.name, active: $0.active,
                    action: SiteURL.registerOccupationActive(.value($0.code)).path)
            },
            fees: try await Registers.fees(for: user, on: db).filter { mine($0.unitCode) }.map {
                FeeRow(
                    unit: units[$0.unitCode] ?? $0.unitCode, level: names.level($0.level), feeYuan: $0.feeYuan,
                    document: $0.document, active: $0.active)
            },
            stations: stations.map { s in
                StationRow(
                    code: s.code, name: s.name, unit: units[s.unitCode] ?? s.unitCode,
                    region: regionName[s.regionCode] ?? s.regionCode,
                    status: names.stationStatus(s.status), active: s.status == "active",
                    scope: names.scope(s.scope, occupations: occupationName),
                    action: SiteURL.registerStationStatus(.value(s.code)).path,
                    licence: s.licenceNo.map { no in
                        "\(no)，\(names.t[.licenceExpires]) \(s.licenceExpires ?? "")"
                    } ?? names.t[.licenceNotRecorded],
                    licenceState: names.licenceState(s.licenceState), licenceOK: s.licenceState == "valid",
                    address: s.address ?? "", personInCharge: s.personInCharge ?? "",
                    latestInspection: s.latestInspection.map { names.inspection(year: $0.year, outcome: $0.outcome) } ?? "")
            },
            visits: visits.map { v in
                VisitRow(
                    visitedOn: v.visitedOn, station: stationName[v.stationCode] ?? v.stationCode,
                    supervisor: supervisorName[v.supervisorId] ?? "", findings: v.findings,
                    violationFound: v.violationFound, violationHandled: v.violationHandled)
            },
            inspections: inspections.map { i in
                InspectionRow(
                    station: stationName[i.stationCode] ?? i.stationCode, year: i.year, inspectedOn: i.inspectedOn,
                    outcome: names.inspectionOutcome(i.outcome), serious: i.outcome != "qualified", note: i.note,
                    recordedBy: i.recordedBy)
            },
            sessions: sessions, sessionPages: pager, today: today,
            regions: names.regions, levels: names.levels, standardKinds: names.standardKinds, bankKinds: names.bankKinds,
            occupationChoices: occupations.filter(\.active).map { Names.Option(value: $0.code, name: "\($0.name)（\($0.code)）") },
            stationChoices: allStations.filter { $0.status == "active" }.map {
                Names.Option(value: $0.code, name: "\($0.name)（\($0.code)）")
            },
            allStationChoices: allStations.map { Names.Option(value: $0.code, name: "\($0.name)（\($0.code)）") },
            outcomes: names.inspectionOutcomes,
            unitChoices: user.role == .ministry
                ? units.sorted { $0.key < $1.key }.map { Names.Option(value: $0.key, name: $0.value) } : [],
            unit: only ?? "",
            csvHeader: Registers.sessionCSVHeader.joined(separator: ","), scopeRows: [0, 1, 2, 3],
            actions: Actions())
        return try await Pages.render(
            req, "registers", title: L10n.t(req)[.registers], view, status: status, canonical: .registers)
    }

    @Sendable static func index(_ req: Request) async throws -> Response { try await render(req) }

    /// Runs one `Registers` action behind a form: back to the page on success, the page with the
    /// reasons next to the fields (and the values typed) otherwise.
    static func form(_ req: Request, _ name: String, _ action: (User) async throws -> Void) async throws -> Response {
        let user = try req.requireUser()
        try req.requireCSRF()
        do {
            try await action(user)
            return req.redirect(to: SiteURL.registers.path)
        } catch let e as AppError where e.status.code < 500 && e.status != .unauthorized {
            let en = L10n.lang(req) == "en"
            let refusal = Refusal(
                form: name, message: e.details.isEmpty ? (en ? e.message : e.messageZh) : nil,
                fields: e.fieldMessages(en: en), values: Pages.formValues(req))
            return try await render(req, refusal: refusal, status: e.status)
        }
    }

    static func text(_ s: String?) -> String? { (s ?? "").isEmpty ? nil : s }

    @Sendable static func addOccupation(_ req: Request) async throws -> Response {
        try await form(req, "occupation") { user in
            _ = try await Registers.createOccupation(
                try req.content.decode(Registers.NewOccupation.self), by: user,
                on: req.store, now: req.now)
        }
    }

    struct FeeForm: Content {
        let level: String?
        let feeYuan: String?
        let document: String?
    }

    @Sendable static func addFee(_ req: Request) async throws -> Response {
        try await form(req, "fee") { user in
            let f = try req.content.decode(FeeForm.self)
            let input = Registers.NewFee(
                unitCode: nil, level: f.level, feeYuan: f.feeYuan.map { .string($0) }, document: f.document)
            _ = try await Registers.createFee(input, by: user, on: req.store, now: req.now)
        }
    }

    /// The scope as rows of two lists (occupation, highest level); empty rows are skipped.
    struct StationForm: Content {
        let code: String?
        let name: String?
        let regionCode: String?
        let scopeOccupation: [String]?
        let scopeLevel: [String]?
        let licenceNo: String?
        let licenceExpires: String?
        let address: String?
        let personInCharge: String?
    }

    @Sendable static func addStation(_ req: Request) async throws -> Response {
        try await form(req, "station") { user in
            let f = try req.content.decode(StationForm.self)
            let scope = zip(f.scopeOccupation ?? [], f.scopeLevel ?? []).filter { !$0.0.isEmpty }
                .map { Registers.ScopeDTO(occupation: $0.0, maxLevel: $0.1) }
            let input = Registers.NewStation(
                code: f.code, name: f.name, unitCode: nil, regionCode: f.regionCode, scope: scope, licenceNo: f.licenceNo,
                licenceExpires: f.licenceExpires, address: f.address, personInCharge: f.personInCharge)
            _ = try await Registers.createStation(input, by: user, on: req.store, now: req.now)
        }
    }

    struct StatusForm: Content { let status: String? }

    @Sendable static func stationStatus(_ req: Request) async throws -> Response {
        try await form(req, "station") { user in
            let patch = Registers.StationPatch(status: try req.content.decode(StatusForm.self).status)
            _ = try await Registers.updateStation(req.parameters.get("code") ?? "", patch, by: user, on: req.store, now: req.now)
        }
    }

    struct LicenceForm: Content {
        let stationCode: String?
        let licenceNo: String?
        let licenceExpires: String?
        let address: String?
        let personInCharge: String?
    }

    /// The four fields together (empty ones are refused by name), for any station the user writes for.
    @Sendable static func recordLicence(_ req: Request) async throws -> Response {
        try await form(req, "licence") { user in
            let f = try req.content.decode(LicenceForm.self)
            let patch = Registers.StationPatch(
                licenceNo: f.licenceNo ?? "", licenceExpires: f.licenceExpires ?? "", address: f.address ?? "",
                personInCharge: f.personInCharge ?? "")
            _ = try await Registers.updateStation(f.stationCode ?? "", patch, by: user, on: req.store, now: req.now)
        }
    }

    struct InspectionForm: Content {
        let stationCode: String?
        let year: String?
        let inspectedOn: String?
        let outcome: String?
        let note: String?
    }

    @Sendable static func recordInspection(_ req: Request) async throws -> Response {
        try await form(req, "inspection") { user in
            let f = try req.content.decode(InspectionForm.self)
            var year: Int?
            if let y = text(f.year?.trimmingCharacters(in: .whitespaces)) {
                guard let n = Int(y) else {
                    throw AppError.invalid(field: "year", code: "invalid", "Year: 1900–2999", "年度须为1900至2999")
                }
                year = n
            }
            let input = Registers.NewInspection(year: year, inspectedOn: f.inspectedOn, outcome: f.outcome, note: f.note)
            _ = try await Registers.recordInspection(f.stationCode ?? "", input, by: user, on: req.store, now: req.now)
        }
    }

    struct ActiveForm: Content { let active: String? }

    @Sendable static func occupationActive(_ req: Request) async throws -> Response {
        try await form(req, "occupation") { user in
            let patch = Registers.OccupationPatch(name: nil, active: try req.content.decode(ActiveForm.self).active == "true")
            _ = try await Registers.updateOccupation(
                req.parameters.get("code") ?? "", patch, by: user, on: req.store, now: req.now)
        }
    }

    struct SessionForm: Content {
        let stationCode: String?
        let occupation: String?
        let level: String?
        let date: String?
        let regionCode: String?
        let standardKind: String?
        let bankKind: String?
        let bankCode: String?
        let candidates: String?
        let passed: String?
        let feeYuan: String?
        let supervisorId: String?
    }

    @Sendable static func addSession(_ req: Request) async throws -> Response {
        try await form(req, "session") { user in
            let f = try req.content.decode(SessionForm.self)
            let input = Registers.SessionInput(
                stationCode: f.stationCode, occupation: f.occupation, level: f.level, date: f.date, regionCode: f.regionCode,
                standardKind: f.standardKind, bankKind: f.bankKind, bankCode: f.bankCode,
                candidates: f.candidates.flatMap { Int($0) },
                passed: f.passed.flatMap { Int($0) }, feeYuan: f.feeYuan.map { .string($0) },
                supervisorId: text(f.supervisorId).flatMap(UUID.init(uuidString:)))
            _ = try await Registers.createSession(input, by: user, on: req.store, now: req.now)
        }
    }

    struct ImportForm: Content { let file: File? }

    @Sendable static func importSessions(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        try req.requireCSRF()
        let en = L10n.lang(req) == "en"
        guard let file = try req.content.decode(ImportForm.self).file, file.data.readableBytes > 0 else {
            let refusal = Refusal(
                form: "import", message: en ? "Choose a CSV or Excel (XLSX) file" : "请选择CSV或Excel (XLSX)文件", fields: [:],
                values: [:])
            return try await render(req, refusal: refusal, status: .unprocessableEntity)
        }
        do {
            return try await render(
                req,
                importResult: try await Registers.importSessions(
                    file.data, contentType: file.contentType, by: user, on: req.store, now: req.now))
        } catch let e as AppError where e.status.code < 500 {
            let refusal = Refusal(form: "import", message: en ? e.message : e.messageZh, fields: [:], values: [:])
            return try await render(req, refusal: refusal, status: e.status)
        }
    }
}
