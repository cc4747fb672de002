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

    // Bulletins
    api.get("bulletins", use: BulletinsController.list)
    api.get("bulletins", ":period", use: BulletinsController.get)
    api.post("bulletins", ":period", "publish", use: BulletinsController.publish)

    // Web pages
    Pages.register(root)
}
