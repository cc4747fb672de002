import FluentKit
import FluentSQLiteDriver
import Foundation
import VaporCSQLite

/// Prepared statements run straight through SQLite's C API, on the very connection Fluent leased
/// (inside a write: the transaction's own), for the two hot paths where the driver's per-query
/// costs dominate the work: public verification and bulk issuance.
///
/// Through SQLiteNIO every query is a hop to its thread pool, every row a task submitted back to
/// the event loop, every value decoded through `Codable`; a one-row lookup spent most of its time
/// there (verification answered at 0.43 × the server's no-route 404 before this). Here a lookup
/// is `sqlite3_prepare_v3`, `bind`, `step`, read the columns, on the calling thread.
///
/// The library is the copy SQLiteNIO links (`VaporCSQLite`, its symbols prefixed `sqlite_nio_`):
/// a second copy of SQLite in one process would not see the first one's POSIX locks and could
/// corrupt the file (https://sqlite.org/howtocorrupt.html#multiple_copies). The handle is read
/// from `SQLiteConnection` by reflection, since SQLiteNIO keeps it internal; if a newer SQLiteNIO
/// renames it, `handle(of:)` answers nil, every caller falls back to SQLKit (correct, slower) and
/// `Caches.sqliteDirect_isTakenOnSQLite` fails, so nobody ships the slow path unknowingly.
enum SQLiteDirect {
    /// Runs `body` with the raw handle of one connection of `db`, or answers nil when `db` is not
    /// SQLite (or the handle cannot be reached). The connection is opened `FULLMUTEX` by SQLiteNIO,
    /// so a call from this thread while the driver works on the same connection waits its turn.
    /// `offload`: run `body` on the thread pool, for work long enough (a batch of thousands of
    /// rows) that it should not hold a thread of Swift's cooperative pool; a lookup runs here.
    static func run<T: Sendable>(
        on db: any SQLDatabase, offload: Bool = false, _ body: @escaping @Sendable (Connection) throws -> T
    ) async throws -> T? {
        guard let lite = db as? any SQLiteDatabase else { return nil }
        return try await lite.withConnection { conn -> T? in
            guard let raw = handle(of: conn) else { return nil }
            let c = Connection(raw: raw)
            guard offload else { return try body(c) }
            return try await NIOThreadPool.singleton.runIfActive { try body(c) }
        }
    }

    /// The `sqlite3 *` of a SQLiteNIO connection.
    static func handle(of connection: SQLiteConnection) -> OpaquePointer? {
        guard let box = Mirror(reflecting: connection).children.first(where: { $0.label == "handle" })?.value else { return nil }
        return Mirror(reflecting: box).children.first(where: { $0.label == "raw" })?.value as? OpaquePointer
    }

    /// Whether the direct path is available with the linked SQLiteNIO (checked by a test).
    static func isAvailable(on db: any SQLDatabase) async throws -> Bool {
        try await run(on: db) { _ in true } ?? false
    }

    struct Connection: @unchecked Sendable {
        let raw: OpaquePointer

        /// A statement prepared for this call; finalised when the value is released.
        func prepare(_ sql: String) throws -> Statement {
            var stmt: OpaquePointer?
            let rc = sqlite_nio_sqlite3_prepare_v3(raw, sql, -1, 0, &stmt, nil)
            guard rc == SQLITE_OK, let stmt else { throw error(rc) }
            return Statement(stmt: stmt, connection: self)
        }

        func error(_ rc: Int32) -> DirectError {
            DirectError(code: rc, message: String(cString: sqlite_nio_sqlite3_errmsg(raw)))
        }
    }

    final class Statement {
        let stmt: OpaquePointer
        let connection: Connection

        init(stmt: OpaquePointer, connection: Connection) {
            self.stmt = stmt
            self.connection = connection
        }

        deinit { sqlite_nio_sqlite3_finalize(stmt) }

        /// Binds the values (1-based, in order) after a reset, for the next run.
        func bind(_ values: String?...) throws { try bind(values) }

        func bind(_ values: [String?]) throws {
            reset()
            for (i, v) in values.enumerated() { try bind(Int32(i + 1), v) }
        }

        /// Readies the statement for another run with new values.
        func reset() {
            sqlite_nio_sqlite3_reset(stmt)
            sqlite_nio_sqlite3_clear_bindings(stmt)
        }

        /// Binds one text (1-based).
        func bind(_ index: Int32, _ value: String?) throws {
            let rc: Int32
            if let value {
                // SQLITE_TRANSIENT: SQLite copies the text before the Swift string goes.
                rc = sqlite_nio_sqlite3_bind_text(stmt, index, value, -1, transient)
            } else {
                rc = sqlite_nio_sqlite3_bind_null(stmt, index)
            }
            guard rc == SQLITE_OK else { throw connection.error(rc) }
        }

        /// Binds one number after `bind(_:)` bound the texts (1-based).
        func bind(_ index: Int32, _ value: Double) throws {
            let rc = sqlite_nio_sqlite3_bind_double(stmt, index, value)
            guard rc == SQLITE_OK else { throw connection.error(rc) }
        }

        /// The next row: true while there is one.
        func step() throws -> Bool {
            switch sqlite_nio_sqlite3_step(stmt) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            case let rc:
                let e = connection.error(rc)
                sqlite_nio_sqlite3_reset(stmt)
                throw e
            }
        }

        /// Runs a statement that returns no rows.
        func run() throws { while try step() {} }

        func text(_ column: Int32) -> String? {
            guard let p = sqlite_nio_sqlite3_column_text(stmt, column) else { return nil }
            return String(cString: p)
        }

        func int(_ column: Int32) -> Int64 { sqlite_nio_sqlite3_column_int64(stmt, column) }
    }

    /// SQLite's error, as Fluent's `DatabaseError` so the error middleware maps a constraint
    /// failure to 409 as it does for the driver's.
    struct DirectError: Error, DatabaseError, CustomStringConvertible {
        let code: Int32
        let message: String
        var isSyntaxError: Bool { code & 0xFF == SQLITE_ERROR }
        var isConnectionClosed: Bool { false }
        var isConstraintFailure: Bool { code & 0xFF == SQLITE_CONSTRAINT }
        var description: String { "SQLite error \(code): \(message)" }
    }
}

/// `SQLITE_TRANSIENT`, which the C macro defines as the pointer -1: SQLite copies the value.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
