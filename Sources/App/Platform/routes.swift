import Vapor

/// Every route, registered from `SiteURL`. The API group authenticates bearer tokens and answers
/// every error as the JSON error body; the web group authenticates the session cookie, and its
/// errors become pages (or JSON for clients that do not ask for HTML) in `ErrorMiddleware`.
func routes(_ app: Application) throws {
    app.get(.healthz, use: MetaController.health)
    app.get(.jwks, use: VerifyController.jwks)
    app.get(.metrics, use: AppMetrics.scrape)

    let api = app.grouped(APIErrorMiddleware(), UserAuthMiddleware(.api))
    // An unknown path under /api/v1 is the API's 404, as JSON.
    for method in [HTTPMethod.GET, .POST, .PUT, .PATCH, .DELETE, .OPTIONS] {
        for path: [PathComponent] in [[.constant(SiteURL.apiRoot)], [.constant(SiteURL.apiRoot), .catchall]] {
            api.on(method, path) { _ -> Response in throw AppError.notFound("No such resource", "找不到该资源") }
        }
    }
    api.get(.api(.openAPI), use: MetaController.openAPI)

    // Auth and users
    api.post(.api(.login), use: AuthController.login)
    api.post(.api(.logout), use: AuthController.logout)
    api.get(.api(.me), use: AuthController.me)
    api.get(.api(.users), use: AuthController.listUsers)
    api.post(.api(.users), use: AuthController.createUser)
    api.patch(.api(.user(.key)), use: AuthController.updateUser)
    api.post(.api(.password), use: AuthController.changePassword)

    // Units
    api.get(.api(.units), use: UnitsController.list)
    api.post(.api(.units), use: UnitsController.create)
    api.patch(.api(.unit(.key)), use: UnitsController.update)

    // Reports
    api.get(.api(.reports(.key)), use: ReportsController.overview)
    api.get(.api(.report(.key, .key)), use: ReportsController.get)
    // The body (JSON or a filled XLSX form) is read once the writer is known to be allowed.
    api.on(.PUT, .api(.report(.key, .key)), body: .stream, use: ReportsController.put)
    api.post(.api(.reportAction(.key, .key, .submit)), use: ReportsController.submit)
    api.post(.api(.reportAction(.key, .key, .accept)), use: ReportsController.accept)
    api.post(.api(.reportAction(.key, .key, .return)), use: ReportsController.return)
    api.get(.api(.reportHistory(.key, .key)), use: ReportsController.history)
    api.get(.api(.reportDerived(.key, .key)), use: ReportsController.derived)

    // Certificates
    api.get(.api(.certificateOrders), use: CertificatesController.listOrders)
    api.post(.api(.certificateOrders), use: CertificatesController.createOrder)
    api.post(.api(.certificateOrderAllocate(.key)), use: CertificatesController.allocate)
    api.post(.api(.certificateOrderPayments(.key)), use: CertificatesController.pay)
    api.get(.api(.certificatePayments), use: CertificatesController.listPayments)
    api.get(.api(.certificates), use: CertificatesController.list)
    api.post(.api(.certificates), use: CertificatesController.issue)
    // Bodies of imports are read only once the caller is known to be allowed (RequireRole runs
    // before the body is collected or streamed).
    api.grouped(RequireRole([.unit])).on(.POST, .api(.certificatesImport), body: .stream, use: CertificatesController.importCSV)
    api.get(.api(.certificate(.key)), use: CertificatesController.get)
    api.get(.api(.certificateQR(.key)), use: CertificatesController.qr)
    api.post(.api(.certificateRevoke(.key)), use: CertificatesController.revoke)
    api.post(.api(.certificateVoid(.key)), use: CertificatesController.void)
    api.get(.api(.certificateBreaches), use: CertificatesController.breaches)
    api.get(.api(.forgeryLeads), use: VerificationController.leads)
    api.post(.api(.forgeryLeadCase(.key)), use: VerificationController.leadCase)
    // Future-based, so that the common answer needs no task (see `VerifyController.verify`).
    api.on(.GET, SiteURL.api(.verify).pathComponents, use: VerifyController.verify)
    // The key is checked before a byte of the body is read; the body is at most 1,000 rows.
    api.grouped(RequireAPIKey()).on(.POST, .api(.verifyBatch), body: .collect(maxSize: "1mb"), use: VerifyBatch.batch)
    api.get(.api(.apiKeys), use: VerificationController.listKeys)
    api.post(.api(.apiKeys), use: VerificationController.createKey)
    api.post(.api(.apiKeyRevoke(.key)), use: VerificationController.revokeKey)
    api.get(.api(.publicRevocations), use: VerifyController.revocations)

    // Complaints and hotlines
    api.post(.api(.complaints), use: ComplaintsController.file)
    api.get(.api(.complaints), use: ComplaintsController.list)
    api.get(.api(.complaintReceipt(.key)), use: ComplaintsController.byReceipt)
    api.get(.api(.complaintStats), use: ComplaintsController.statsJSON)
    api.get(.api(.complaintStatsCSV), use: ComplaintsController.statsCSV)
    api.get(.api(.complaint(.key)), use: ComplaintsController.get)
    api.post(.api(.complaintTransition(.key)), use: ComplaintsController.transition)
    api.post(.api(.complaintReopen(.key)), use: ComplaintsController.reopen)
    api.post(.api(.complaintExtend(.key)), use: ComplaintsController.extend)
    api.post(.api(.complaintMessages(.key)), use: ComplaintsController.ask)
    api.post(.api(.complaintReceiptMessages(.key)), use: ComplaintsController.answer)
    api.get(.api(.complaintAttachment(.key, .key)), use: ComplaintsController.download)
    // Evidence is streamed in only after the case (or the receipt) is authorised.
    api.on(.POST, .api(.complaintAttachments(.key)), body: .stream, use: ComplaintsController.attach)
    api.on(.POST, .api(.complaintReceiptAttachments(.key)), body: .stream, use: ComplaintsController.attachByReceipt)
    api.get(.api(.hotlines), use: ComplaintsController.hotlines)
    api.put(.api(.unitHotlines(.key)), use: ComplaintsController.setHotlines)

    // Registers: occupations, fee standards, stations, supervisors, visits, exam sessions
    api.get(.api(.occupations), use: RegistersController.listOccupations)
    api.post(.api(.occupations), use: RegistersController.createOccupation)
    api.grouped(RequireRole([.ministry])).on(
        .POST, .api(.occupationsImport), body: .collect(maxSize: "2mb"), use: RegistersController.importOccupations)
    api.patch(.api(.occupation(.key)), use: RegistersController.updateOccupation)
    api.get(.api(.registerEvents), use: RegistersController.events)
    api.get(.api(.feeStandards), use: RegistersController.listFees)
    api.post(.api(.feeStandards), use: RegistersController.createFee)
    api.get(.api(.stations), use: RegistersController.listStations)
    api.post(.api(.stations), use: RegistersController.createStation)
    api.patch(.api(.station(.key)), use: RegistersController.updateStation)
    api.get(.api(.stationInspections(.key)), use: RegistersController.listInspections)
    api.post(.api(.stationInspections(.key)), use: RegistersController.recordInspection)
    api.get(.api(.publicStations), use: RegistersController.publicStations)
    api.get(.api(.supervisors), use: RegistersController.listSupervisors)
    api.post(.api(.supervisors), use: RegistersController.createSupervisor)
    api.patch(.api(.supervisor(.key)), use: RegistersController.updateSupervisor)
    api.get(.api(.supervisionVisits), use: RegistersController.listVisits)
    api.post(.api(.supervisionVisits), use: RegistersController.createVisit)
    api.get(.api(.sessionDispatch(.key)), use: SupervisionController.dispatches)
    api.post(.api(.sessionDispatch(.key)), use: SupervisionController.dispatch)
    api.get(.api(.supervisionReports), use: SupervisionController.reports)
    api.post(.api(.supervisionReports), use: SupervisionController.file)
    api.get(.api(.sessions), use: SessionsController.list)
    api.post(.api(.sessions), use: SessionsController.create)
    api.grouped(RequireRole([.ministry, .unit])).on(
        .POST, .api(.sessionsImport), body: .collect(maxSize: "32mb"),
        use: SessionsController.importCSV)
    api.get(.api(.session(.key)), use: SessionsController.get)
    api.get(.api(.sessionResults(.key)), use: SessionsController.results)
    api.grouped(RequireRole([.ministry, .unit])).on(
        .POST, .api(.sessionResults(.key)), body: .collect(maxSize: "16mb"), use: SessionsController.recordResults)
    api.grouped(RequireRole([.ministry, .unit])).on(
        .POST, .api(.sessionResultsImport(.key)), body: .collect(maxSize: "16mb"), use: SessionsController.importResults)
    api.delete(.api(.sessionResult(.key, .key)), use: SessionsController.deleteResult)
    api.get(.api(.derived(.key)), use: SessionsController.derivedAll)

    // Bulletins
    api.get(.api(.bulletins), use: BulletinsController.list)
    api.get(.api(.bulletin(.key)), use: BulletinsController.get)
    api.post(.api(.bulletinPublish(.key)), use: BulletinsController.publish)
    api.get(.api(.rectifications), use: RectificationsController.list)
    for a in SiteURL.RectificationAction.allCases {
        api.post(.api(.rectificationAction(.key, a)), use: RectificationsController.act(a))
    }

    // Web pages
    Pages.register(app.grouped(UserAuthMiddleware(.session)))
}
