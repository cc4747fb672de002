import Foundation
import Testing
import Vapor

@testable import App

extension AppTests {
    /// `zhijian backup` while the server serves writes, and `zhijian restore`: the restored
    /// database holds every row of every table as they were when the backup was taken.
    @Suite struct Backups {
        /// Every table's rows as text: `sqlite3 .dump`, or a plain data-only `pg_dump`.
        static func dump(_ database: AppConfig.DatabaseChoice) throws -> String {
            let p = Process()
            switch database {
            case .sqliteFile(let path):
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = ["sqlite3", path, ".dump"]
            case .postgres(let url):
                p.executableURL = URL(fileURLWithPath: try Backup.tool("pg_dump"))
                p.arguments = ["--data-only", "--format=plain", "--no-owner", url]
            case .sqliteMemory:
                return ""
            }
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            // One line per row (and per schema statement), in a stable order: a restored table may
            // come back in another physical order.
            return String(decoding: data, as: UTF8.self).split(separator: "\n")
                .filter {
                    !$0.hasPrefix("--") && !$0.hasPrefix("SET ") && !$0.hasPrefix("SELECT pg_catalog")
                        && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict")
                }  // pg_dump's random session keys
                .sorted().joined(separator: "\n")
        }

        @Test func backup_whileServingWrites_restoresEveryRow() async throws {
            try await withTestApp { t in
                let admin = try await t.admin()
                let bj = try await t.user("bj", role: "unit", unit: "110000")
                #expect(try await t.send(.PUT, "/api/v1/reports/2026Q1/110000", token: bj, json: reportJSON()).status == .ok)
                _ = try await t.send(
                    .POST, "/api/v1/complaints",
                    json:
                        #"{"category":"overcharge","unitCode":"110000","station":null,"description":"该站收费超标准，请依法查处","contact":"13800138000","channel":"web"}"#
                )
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zj-backup-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: dir) }

                // A backup taken while units save: it opens, and is whole.
                let saving = Task {
                    for n in 0..<40 {
                        _ = try await t.send(
                            .PUT, "/api/v1/reports/2026Q1/110000", token: admin, json: reportJSON(national: 20 + n))
                    }
                }
                try await Backup.backup(t.app, to: dir.appendingPathComponent("during").path)
                try await saving.value

                // Quiet now: the backup must hold exactly what the database holds.
                let file = dir.appendingPathComponent("after").path
                try await Backup.backup(t.app, to: file)
                let before = try Self.dump(t.app.config.database)
                #expect(before.contains("收费超标准"))
                await #expect(throws: (any Error).self) { try await Backup.backup(t.app, to: file) }  // never overwritten

                // Changes after the backup are gone once it is restored.
                #expect(
                    try await t.send(.PUT, "/api/v1/reports/2026Q1/110000", token: admin, json: reportJSON(national: 999)).status
                        == .ok)
                let target: AppConfig.DatabaseChoice
                if case .postgres = t.app.config.database {
                    target = t.app.config.database
                } else {
                    target = .sqliteFile(dir.appendingPathComponent("restored.sqlite").path)
                    try await Self.restoreInto(target, from: dir.appendingPathComponent("during").path)  // the one taken under load opens
                }
                try await Self.restoreInto(target, from: file)
                let after = try Self.dump(target)
                #expect(!after.isEmpty)
                #expect(after == before)

            }
        }

        static func restoreInto(_ database: AppConfig.DatabaseChoice, from file: String) async throws {
            let app = try await Application.make(.testing)
            app.logger.logLevel = .warning
            do {
                try await configure(app, config: AppConfig(database: database, adminPassword: adminPassword, bcryptCost: 4))
                try await Backup.restore(app, from: file)
                try await prepareDatabase(app)
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
        }
    }
}
