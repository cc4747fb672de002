import Vapor

func routes(_ app: Application) throws {
    let root = app.grouped(UserAuthMiddleware())

    root.get("healthz", use: MetaController.health)

    let api = root.grouped("api", "v1")
    api.get("openapi.yaml", use: MetaController.openAPI)

    // Auth and users
    api.post("auth", "login", use: AuthController.login)
    api.post("auth", "logout", use: AuthController.logout)
    api.get("auth", "me", use: AuthController.me)
    api.get("users", use: AuthController.listUsers)
    api.post("users", use: AuthController.createUser)
    api.patch("users", ":username", use: AuthController.updateUser)
    api.post("auth", "password", use: AuthController.changePassword)

    // Units
    api.get("units", use: UnitsController.list)
    api.post("units", use: UnitsController.create)
    api.patch("units", ":code", use: UnitsController.update)

    // Reports
    let reports = api.grouped("reports", ":period")
    reports.get(use: ReportsController.overview)
    let report = reports.grouped(":unitCode")
    report.get(use: ReportsController.get)
    report.put(use: ReportsController.put)
    report.post("submit", use: ReportsController.submit)
    report.post("accept", use: ReportsController.accept)
    report.post("return", use: ReportsController.return)
    report.get("history", use: ReportsController.history)

    report.get("derived", use: ReportsController.derived)

    // Certificates
    let orders = api.grouped("certificate-orders")
    orders.get(use: CertificatesController.listOrders)
    orders.post(use: CertificatesController.createOrder)
    orders.post(":id", "allocate", use: CertificatesController.allocate)
    orders.post(":id", "payments", use: CertificatesController.pay)
    api.get("certificate-payments", use: CertificatesController.listPayments)
    let certificates = api.grouped("certificates")
    certificates.get(use: CertificatesController.list)
    certificates.post(use: CertificatesController.issue)
    // Bodies of imports are read only once the caller is known to be allowed (RequireRole runs
    // before the body is collected or streamed).
    certificates.grouped(RequireRole([.unit])).on(.POST, "import", body: .stream, use: CertificatesController.importCSV)
    certificates.get(":serial", use: CertificatesController.get)
    certificates.get(":serial", "qr", use: CertificatesController.qr)
    certificates.post(":serial", "revoke", use: CertificatesController.revoke)
    certificates.post(":serial", "void", use: CertificatesController.void)
    api.get("certificate-breaches", use: CertificatesController.breaches)
    api.get("forgery-leads", use: CertificatesController.forgeryLeads)
    api.get("verify", use: VerifyController.verify)
    root.get(".well-known", "jwks.json", use: VerifyController.jwks)

    // Complaints and hotlines
    let complaints = api.grouped("complaints")
    complaints.post(use: ComplaintsController.file)
    complaints.get(use: ComplaintsController.list)
    complaints.get("receipt", ":receipt", use: ComplaintsController.byReceipt)
    complaints.get("stats", use: ComplaintsController.statsJSON)
    complaints.get("stats.csv", use: ComplaintsController.statsCSV)
    complaints.get(":id", use: ComplaintsController.get)
    complaints.post(":id", "transition", use: ComplaintsController.transition)
    complaints.post(":id", "reopen", use: ComplaintsController.reopen)
    api.get("hotlines", use: ComplaintsController.hotlines)
    api.put("units", ":code", "hotlines", use: ComplaintsController.setHotlines)

    // Registers: occupations, fee standards, stations, supervisors, visits, exam sessions
    api.get("occupations", use: RegistersController.listOccupations)
    api.post("occupations", use: RegistersController.createOccupation)
    api.post("occupations", "import", use: RegistersController.importOccupations)
    api.patch("occupations", ":code", use: RegistersController.updateOccupation)
    api.get("register-events", use: RegistersController.events)
    api.get("fee-standards", use: RegistersController.listFees)
    api.post("fee-standards", use: RegistersController.createFee)
    api.get("stations", use: RegistersController.listStations)
    api.post("stations", use: RegistersController.createStation)
    api.patch("stations", ":code", use: RegistersController.updateStation)
    api.get("supervisors", use: RegistersController.listSupervisors)
    api.post("supervisors", use: RegistersController.createSupervisor)
    api.patch("supervisors", ":id", use: RegistersController.updateSupervisor)
    api.get("supervision-visits", use: RegistersController.listVisits)
    api.post("supervision-visits", use: RegistersController.createVisit)
    api.get("sessions", use: SessionsController.list)
    api.post("sessions", use: SessionsController.create)
    api.grouped(RequireRole([.ministry, .unit])).on(.POST, "sessions", "import", body: .collect(maxSize: "32mb"),
                                                    use: SessionsController.importCSV)
    api.get("derived", ":period", use: SessionsController.derivedAll)

    // Bulletins
    api.get("bulletins", use: BulletinsController.list)
    api.get("bulletins", ":period", use: BulletinsController.get)
    api.post("bulletins", ":period", "publish", use: BulletinsController.publish)

    // Web pages
    Pages.register(root)
}
