import CertificateKit
import Domain
import Fluent
import SQLKit
import Vapor

extension Station {
    /// The licence and the inspections loaded with the station (none when they were not loaded).
    var licence: RegisterRules.StationLicence {
        .init(licenceNo: licenceNo, expires: licenceExpires, inspections: $inspections.value?.map(\.rule) ?? [])
    }

    func record(_ l: RegisterRules.LicenceEntry) {
        licenceNo = l.licenceNo
        licenceExpires = l.licenceExpires
        address = l.address
        personInCharge = l.personInCharge
    }
}

/// Stations' licences and annual inspections, and the public list of authorised stations: the
/// same `Registers` actions the API and the pages call.
extension Registers {
    /// The API's word for what `StationLicence.refusal` says today.
    static func licenceState(_ refusal: RegisterRules.LicenceRefusal?) -> String {
        switch refusal {
        case nil: "valid"
        case .unlicensed?: "not_recorded"
        case .lapsed?: "lapsed"
        case .revoked?: "revoked"
        }
    }

    static func licenceDetail(_ l: RegisterRules.LicenceEntry) -> String {
        "licenceNo=\(l.licenceNo) expires=\(l.licenceExpires) address=\(l.address) personInCharge=\(l.personInCharge)"
    }

    // MARK: Annual inspections

    struct NewInspection: Content {
        let year: Int?
        let inspectedOn: String?
        let outcome: String?
        let note: String?
    }

    struct InspectionDTO: Content {
        let stationCode: String
        let year: Int
        let inspectedOn: String
        let outcome: String
        let note: String
        let recordedBy: String
        let recordedAt: Date
        init(_ i: StationInspection) {
            stationCode = i.$station.id
            year = i.year
            inspectedOn = i.inspectedOn
            outcome = i.outcome.rawValue
            note = i.note
            recordedBy = i.recordedBy
            recordedAt = i.recordedAt
        }
    }

    /// The station, if this user may see it: 404 for none, 403 for another unit's.
    static func visibleStation(_ code: String, for user: User, write: Bool, on db: any Database) async throws -> Station {
        guard let s = try await Station.find(code, on: db) else { throw AppError.notFound("No such station", "没有该鉴定站") }
        if write { try user.requireWrite(unit: s.$unit.id) } else { try user.requireRead(unit: s.$unit.id) }
        return s
    }

    /// Records a station's inspection of a year (its unit's writers or the ministry); a year
    /// recorded before is corrected. Returns the record and whether it was a correction.
    static func recordInspection(
        _ code: String, _ input: NewInspection, by user: User, on store: Store, now: Date
    ) async throws -> (inspection: InspectionDTO, corrected: Bool) {
        let station = try await visibleStation(code, for: user, write: true, on: store.db)
        let e = try checked(
            RegisterRules.inspection(
                year: input.year, inspectedOn: input.inspectedOn, outcome: input.outcome, note: input.note,
                today: Period.dayString(now)))
        let unit = station.$unit.id
        return try await store.write { db in
            try await Reports.lockUnit(unit, active: true, on: db)
            // One writer per station at a time, so two recordings of a year cannot both create it.
            _ = try await db.lockForWrite("stations", "code", code)
            let existing = try await StationInspection.query(on: db).filter(\.$station.$id == code).filter(\.$year == e.year)
                .first()
            // A unit does not overturn the ministry's findings: a revocation, or any inspection the
            // ministry recorded, is corrected by the ministry only.
            if let existing, user.role != .ministry {
                let byMinistry =
                    try await User.query(on: db).filter(\.$username == existing.recordedBy).first()?.role == .ministry
                if existing.outcome == .revoked || byMinistry {
                    throw AppError(
                        status: .forbidden, code: "inspection_locked",
                        message:
                            "The \(e.year) inspection was recorded by the ministry or revoked the station: only the ministry corrects it",
                        messageZh: "\(e.year)年度检查由部里记录或已撤销该站，只能由部里更正")
                }
            }
            let i = existing ?? StationInspection()
            let before = existing.map { "\($0.outcome.rawValue) \($0.inspectedOn) → " } ?? ""
            i.$station.id = code
            i.year = e.year
            i.inspectedOn = e.inspectedOn
            i.outcome = e.outcome
            i.note = e.note
            i.recordedBy = user.username
            i.recordedAt = now
            try await i.save(on: db)
            try await audit(
                "station-inspection", "\(code)/\(e.year)", existing == nil ? "create" : "correct",
                "\(before)\(e.outcome.rawValue) \(e.inspectedOn) \(e.note)", user, now, on: db)
            return (InspectionDTO(i), existing != nil)
        }
    }

    /// A station's inspections, the latest year first.
    static func inspections(of code: String, for user: User, on db: any Database) async throws -> [InspectionDTO] {
        _ = try await visibleStation(code, for: user, write: false, on: db)
        return try await StationInspection.query(on: db).filter(\.$station.$id == code).sort(\.$year, .descending).all()
            .map(InspectionDTO.init)
    }

    /// The latest inspections recorded at the stations a user sees (the ministry may name a unit).
    static func recentInspections(
        for user: User, unitCode: String? = nil, limit: Int = 50, on db: any Database
    ) async throws -> [InspectionDTO] {
        var q = StationInspection.query(on: db).join(Station.self, on: \StationInspection.$station.$id == \Station.$id)
            .sort(\.$year, .descending).sort(\.$inspectedOn, .descending)
        if let unit = user.readableUnit ?? unitCode { q = q.filter(Station.self, \.$unit.$id == unit) }
        return try await q.limit(limit).all().map(InspectionDTO.init)
    }

    // MARK: The public list of authorised stations

    /// What a citizen asks: a region, an occupation, words in the name, code, licence number or
    /// address; each optional.
    struct PublicStationQuery: Sendable {
        let region: String?
        let occupation: String?
        let q: String?
        let paging: Paging

        init(region: String?, occupation: String?, q: String?, paging: Paging) throws {
            func value(_ name: String, _ raw: String?, max: Int) throws -> String? {
                let v = (raw ?? "").trimmingCharacters(in: .whitespaces)
                guard v.count <= max else {
                    throw AppError.malformed("\(name): at most \(max) characters", "\(name)不能超过\(max)个字符", code: "invalid_query")
                }
                return v.isEmpty ? nil : v
            }
            self.region = try value("region", region, max: 20)
            self.occupation = try value("occupation", occupation, max: 20)
            self.q = try value("q", q, max: 100)
            self.paging = paging
        }
    }

    struct PublicScope: Content {
        let occupation: String
        let occupationName: String
        let maxLevel: String
        let maxLevelName: String
    }

    struct PublicInspection: Content {
        let year: Int
        let outcome: String
    }

    /// A station as anybody may see it: no person's name.
    struct PublicStation: Content {
        let code: String
        let name: String
        let unitCode: String
        let unitName: String
        let regionCode: String
        let regionName: String
        let address: String
        let licenceNo: String
        let licenceExpires: String
        let latestInspection: PublicInspection?
        let scope: [PublicScope]
    }

    struct PublicStationPage: Content {
        let items: [PublicStation]
        let page: Int
        let per: Int
        let total: Int
    }

    /// `LIKE` text: `!` escapes the wildcards (and itself), matched without regard to ASCII case.
    static func likePattern(_ q: String) -> String {
        var p = ""
        for c in q.lowercased() {
            if c == "!" || c == "%" || c == "_" { p.append("!") }
            p.append(c)
        }
        return "%" + p + "%"
    }

    /// The authorised stations — active, of an active unit, licence recorded and unexpired today,
    /// not revoked at the latest inspection (`RegisterRules.isPubliclyListed`, said in SQL) — that match, by region
    /// and code, one page.
    static func publicStations(_ f: PublicStationQuery, on store: Store, now: Date) async throws -> PublicStationPage {
        guard let sql = store.db as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
        let today = Period.dayString(now)
        var conditions: [SQLQueryString] = [
            "s.status = 'active' AND s.licence_no IS NOT NULL AND s.licence_no <> '' AND s.licence_expires >= \(bind: today)",
            """
            NOT EXISTS (SELECT 1 FROM station_inspections i WHERE i.station_code = s.code AND i.outcome = 'revoked' \
            AND i.inspected_on <= \(bind: today) AND NOT EXISTS (SELECT 1 FROM station_inspections j \
            WHERE j.station_code = s.code AND j.inspected_on <= \(bind: today) AND j.year > i.year))
            """,
        ]
        // A deactivated unit's stations leave the public list with it.
        conditions.append("EXISTS (SELECT 1 FROM units u WHERE u.code = s.unit_code AND u.active = \(bind: true))")
        if let region = f.region { conditions.append("s.region_code = \(bind: region)") }
        if let occupation = f.occupation {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM station_scopes sc JOIN occupations o ON o.code = sc.occupation_code \
                WHERE sc.station_code = s.code AND sc.occupation_code = \(bind: occupation) AND o.active = \(bind: true))
                """)
        }
        if let q = f.q {
            let p = likePattern(q)
            conditions.append(
                """
                (LOWER(s.name) LIKE \(bind: p) ESCAPE '!' OR LOWER(s.code) LIKE \(bind: p) ESCAPE '!' \
                OR LOWER(s.licence_no) LIKE \(bind: p) ESCAPE '!' OR LOWER(s.address) LIKE \(bind: p) ESCAPE '!')
                """)
        }
        let filter = conditions.joined(separator: " AND ")
        struct Count: Decodable { let n: Int }
        let countQuery: SQLQueryString = "SELECT COUNT(*) AS n FROM stations s WHERE "
        let total = try await sql.raw(countQuery + filter).first(decoding: Count.self)?.n ?? 0
        struct Row: Decodable {
            let code: String
            let name: String
            let unit_code: String
            let region_code: String
            let address: String?
            let licence_no: String?
            let licence_expires: String?
        }
        let select: SQLQueryString =
            "SELECT s.code, s.name, s.unit_code, s.region_code, s.address, s.licence_no, s.licence_expires FROM stations s WHERE "
        let order: SQLQueryString = " ORDER BY s.region_code, s.code LIMIT \(bind: f.paging.per) OFFSET \(bind: f.paging.offset)"
        let rows = try await sql.raw(select + filter + order).all(decoding: Row.self)
        let codes = rows.map(\.code)
        guard !codes.isEmpty else { return PublicStationPage(items: [], page: f.paging.page, per: f.paging.per, total: total) }
        let scopes = Dictionary(
            grouping: try await StationScope.query(on: store.db).filter(\.$station.$id ~~ codes).all(), by: \.$station.id)
        let occupations = Dictionary(
            uniqueKeysWithValues: try await Occupation.query(on: store.db).filter(\.$active == true)
                .filter(\.$id ~~ Set(scopes.values.joined().map { $0.$occupation.id })).all().map { ($0.id ?? "", $0.name) })
        let inspections = Dictionary(
            grouping: try await StationInspection.query(on: store.db).filter(\.$station.$id ~~ codes).all(), by: \.$station.id)
        let regionNames = Dictionary(uniqueKeysWithValues: Regions.all.map { ($0.code, $0.name) })
        var items: [PublicStation] = []
        for r in rows {
            let latest = RegisterRules.StationLicence(
                licenceNo: r.licence_no, expires: r.licence_expires, inspections: (inspections[r.code] ?? []).map(\.rule)
            ).latestInspection(on: today)
            items.append(
                PublicStation(
                    code: r.code, name: r.name, unitCode: r.unit_code,
                    unitName: try await store.app.unitNames.name(r.unit_code, on: store.db) ?? r.unit_code,
                    regionCode: r.region_code, regionName: regionNames[r.region_code] ?? r.region_code,
                    address: r.address ?? "", licenceNo: r.licence_no ?? "", licenceExpires: r.licence_expires ?? "",
                    latestInspection: latest.map { PublicInspection(year: $0.year, outcome: $0.outcome.rawValue) },
                    scope: (scopes[r.code] ?? []).sorted { $0.$occupation.id < $1.$occupation.id }.compactMap { sc in
                        // A withdrawn occupation is no longer examined anywhere.
                        guard let name = occupations[sc.$occupation.id] else { return nil }
                        return PublicScope(
                            occupation: sc.$occupation.id, occupationName: name, maxLevel: sc.maxLevel,
                            maxLevelName: Level(rawValue: sc.maxLevel)?.nameZh ?? sc.maxLevel)
                    }))
        }
        return PublicStationPage(items: items, page: f.paging.page, per: f.paging.per, total: total)
    }
}
