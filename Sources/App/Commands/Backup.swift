import Fluent
import Foundation
import SQLKit
import Vapor

/// Backups that can be taken while the server serves writes, and their restore.
/// - SQLite: `VACUUM INTO`, SQLite's online backup into one consistent file (the state of one
///   instant: it runs as a read transaction beside the writer). Restore puts the file in place of
///   the database (with the server stopped: the start lock is taken, and the WAL files go).
/// - PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and `pg_restore --clean`.
enum Backup {
    static func backup(_ app: Application, to file: String) async throws {
        guard !FileManager.default.fileExists(atPath: file) else { throw ConfigError("\(file) exists; choose a new file") }
        switch app.config.database {
        case .sqliteFile, .sqliteMemory:
            guard let sql = app.db as? any SQLDatabase else { return }
            try await sql.raw("VACUUM INTO \(bind: file)").run()
        case .postgres(let url):
            try run(tool("pg_dump"), ["--format=custom", "--no-owner", "--file", file, url])
        }
    }

    static func restore(_ app: Application, from file: String) async throws {
        guard FileManager.default.fileExists(atPath: file) else { throw ConfigError("no backup at \(file)") }
        switch app.config.database {
        case .sqliteFile(let path):
            try checkSQLite(file)
            try await withStartLock(app) {
                let fm = FileManager.default
                for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: path + suffix) }
                let staged = path + ".restoring"
                try? fm.removeItem(atPath: staged)
                try fm.copyItem(atPath: file, toPath: staged)
                // rename(2) replaces the database in one step: never half a file in its place.
                guard rename(staged, path) == 0 else { throw ConfigError("cannot move the backup into \(path)") }
            }
        case .sqliteMemory:
            throw ConfigError("an in-memory database has nothing to restore into")
        case .postgres(let url):
            try run(tool("pg_restore"), ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname", url, file])
        }
    }

    /// A backup is an SQLite file that passes its integrity check.
    static func checkSQLite(_ file: String) throws {
        let header = FileManager.default.contents(atPath: file)?.prefix(16) ?? Data()
        guard header == Data("SQLite format 3\0".utf8) else { throw ConfigError("\(file) is not an SQLite database") }
    }

    /// A PostgreSQL client tool: on the PATH, else the newest installed under /usr/lib/postgresql.
    static func tool(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for v in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let path = "/usr/lib/postgresql/\(v)/bin/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ConfigError("\(name) is not installed (Debian: apt-get install postgresql-client)")
    }

    static func run(_ executable: String, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ConfigError(
                "\((executable as NSString).lastPathComponent) failed: \(String(decoding: message, as: UTF8.self).prefix(500))")
        }
    }
}

/// `zhijian backup FILE`: a consistent copy of the database, taken while the server serves.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "Where the backup goes (a new file)") var file: String
    }
    var help: String { "Writes a consistent backup of the database while the server keeps serving." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await Backup.backup(context.application, to: signature.file)
        context.console.print("backup written to \(signature.file)")
    }
}

/// `zhijian restore FILE`: puts a backup in place of the database (stop the servers first).
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "A file written by zhijian backup") var file: String
    }
    var help: String { "Replaces the database with a backup; stop every server first." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await Backup.restore(context.application, from: signature.file)
        try await prepareDatabase(context.application)
        context.console.print("restored from \(signature.file)")
    }
}
