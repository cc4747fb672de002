import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// The one way Zhijian writes to its database. Every write — a report save, a login failure, a
/// ten-million-row import — is `req.write { db in … }` (or `app.write`): one transaction whose
/// body uses only the `db` it is given. The test `writes_goThroughTheOneWritePath` fails if a
/// transaction or a write is opened any other way.
///
/// **SQLite** allows one writer per file. A deferred transaction (`BEGIN`, what Fluent opens)
/// that reads first and writes later must upgrade its read snapshot to a write lock; when
/// another connection committed in between, SQLite refuses with `busy`/`busyInSnapshot` and no
/// busy handler can help. So writes here are queued through one in-process FIFO gate and open
/// with `BEGIN IMMEDIATE`, taking the write lock before their first read: a write waits its turn
/// and never fails for contention. Writes run on connections of their own (`.sqliteWriter`), so
/// readers never wait for the gate nor for a connection a write holds: in WAL mode they read their
/// own snapshot beside the writer. `busy_timeout` covers other processes on the same file
/// (the CLI commands) as a last resort. Measured with `Benchmarks/soak.sh` (see the README).
///
/// **PostgreSQL** runs many writers at once, in any number of processes, so a write transaction
/// there is a plain `BEGIN`; the invariants that a read-check-write would break under races are
/// held by row locks (`lockForWrite`), conditional updates and constraints.
enum Writes {
    /// Runs `body` as one write transaction; an error rolls everything back.
    static func run<T: Sendable>(
        on db: any Database, gate: WriteGate?,
        _ body: @escaping @Sendable (any Database) async throws -> T
    ) async throws -> T {
        // A write inside a write would wait for itself on SQLite (the gate is held, and the
        // connection of this event loop too): refuse it loudly, on both databases alike.
        guard !inWrite else {
            throw AppError(
                status: .internalServerError, code: "internal", message: "Internal error: a write inside a write",
                messageZh: "服务器内部错误")
        }
        // The drivers run the body in a task of their own, which inherits no task-local value:
        // the flag is set again inside.
        let start = ContinuousClock.now
        func seconds() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        do {
            let result = try await transaction(on: db, gate: gate) { tx in
                try await $inWrite.withValue(true) { try await body(tx) }
            }
            AppMetrics.wrote(seconds: seconds(), committed: true)
            return result
        } catch {
            AppMetrics.wrote(seconds: seconds(), committed: false)
            throw error
        }
    }

    @TaskLocal static var inWrite = false

    private static func transaction<T: Sendable>(
        on db: any Database, gate: WriteGate?,
        _ body: @escaping @Sendable (any Database) async throws -> T
    ) async throws -> T {
        guard let gate else { return try await db.transaction(body) }
        if gate.queued { await gate.acquire() }
        defer { if gate.queued { gate.release() } }
        return try await db.withConnection { conn in
            guard let sql = conn as? any SQLDatabase else { throw AppError.malformed("SQL database required", "需要SQL数据库") }
            try await sql.raw("PRAGMA busy_timeout = \(unsafeRaw: String(busyTimeoutMilliseconds))").run()
            if let sync = gate.synchronous { try await sql.raw("PRAGMA synchronous = \(unsafeRaw: sync)").run() }
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(conn)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// How long a writer waits for another process holding the file's write lock.
    static let busyTimeoutMilliseconds = 10_000
}

/// A first-in, first-out lock for async code: one holder at a time, waiters resumed in order.
/// Also carries the SQLite write settings: `queued` false leaves only `BEGIN IMMEDIATE` and the
/// busy timeout (`ZHIJIAN_SQLITE_WRITES=unqueued`, kept to measure the alternative); `synchronous`
/// `NORMAL` trades the last commits on power loss (never on a crash of the process) for speed.
final class WriteGate: Sendable {
    let queued: Bool
    let synchronous: String?
    /// The connections writes use (their own pool beside the readers'), nil: the default ones.
    let database: DatabaseID?

    init(queued: Bool = true, synchronous: String? = nil, database: DatabaseID? = nil) {
        self.queued = queued
        self.synchronous = synchronous
        self.database = database
    }

    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }
    private let state = NIOLockedValueBox(State())

    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { s -> Bool in
                if !s.held {
                    s.held = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func release() {
        let next = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            guard s.head < s.waiters.count else {
                s.held = false
                s.waiters.removeAll(keepingCapacity: true)
                s.head = 0
                return nil
            }
            let c = s.waiters[s.head]
            s.head += 1
            // The lock passes straight to the next waiter; compact the queue now and then.
            if s.head > 1024 {
                s.waiters.removeFirst(s.head)
                s.head = 0
            }
            return c
        }
        next?.resume()
    }

    /// Writers waiting for their turn (for metrics and tests).
    var waiting: Int { state.withLockedValue { $0.waiters.count - $0.head } }
}

/// The database as services see it: `db` to read, `write` for one write transaction. Services
/// take a `Store` instead of a `Request`, so the API, the pages and the commands share them.
struct Store: Sendable {
    let db: any Database
    /// Where write transactions run: on SQLite the writer's own connections.
    let writer: any Database
    let gate: WriteGate?
    /// The application: its settings and caches.
    let app: Application

    var config: AppConfig { app.config }
    var logger: Logger { app.logger }

    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await Writes.run(on: writer, gate: gate, body)
    }
}

extension DatabaseID {
    /// SQLite's connections for writes, beside the default ones that read.
    static let sqliteWriter = DatabaseID(string: "sqlite-writer")
}

extension Application {
    private struct WriteGateKey: StorageKey { typealias Value = WriteGate }

    /// The SQLite write gate; nil on PostgreSQL.
    var writeGate: WriteGate? {
        get { storage[WriteGateKey.self] }
        set { storage[WriteGateKey.self] = newValue }
    }

    var store: Store { Store(db: db, writer: writeGate?.database.map { db($0) } ?? db, gate: writeGate, app: self) }

    /// One write transaction on the application's database (commands, start-up).
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await store.write(body)
    }
}

extension Request {
    var store: Store {
        let gate = application.writeGate
        return Store(db: db, writer: gate?.database.map { db($0) } ?? db, gate: gate, app: application)
    }

    /// One write transaction for this request; see `Writes`.
    func write<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await store.write(body)
    }
}

extension Database {
    var isPostgres: Bool { (self as? any SQLDatabase)?.dialect.name == "postgresql" }

    /// Locks one row until the transaction ends, so that what is read of it next stays true until
    /// the commit. PostgreSQL only: on SQLite the write transaction already excludes every other
    /// writer. `FOR NO KEY UPDATE` leaves inserts of rows that refer to it (foreign keys) free.
    /// Returns whether the row exists (on PostgreSQL; SQLite answers true without asking).
    @discardableResult
    func lockForWrite(_ table: String, _ column: String, _ value: some Encodable & Sendable) async throws -> Bool {
        // On SQLite there is nothing to lock, and a query saved is a trip to the thread pool saved.
        guard isPostgres, let sql = self as? any SQLDatabase else { return true }
        return try await sql.raw("SELECT 1 AS one FROM \(ident: table) WHERE \(ident: column) = \(bind: value) FOR NO KEY UPDATE")
            .first() != nil
    }

    /// Serialises one kind of work across every process on PostgreSQL until the transaction ends
    /// (allocation of the next serial range, for one); SQLite's writer is already alone.
    func lockForWrite(topic: String) async throws {
        guard isPostgres, let sql = self as? any SQLDatabase else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: topic)))").run()
    }
}

/// UUIDs whose first 48 bits are the time in milliseconds (RFC 9562 version 7): rows keyed by
/// them are written at the end of their indexes, not at random pages. Exam results use them, so
/// that recording a session's results and issuing certificates against them (the unique index
/// on `certificates.result_id`) touch a few pages each batch instead of the whole index: at a
/// million certificates random keys made the import several times slower.
enum TimeOrderedID {
    /// The `sequence`-th id of a batch written at `date`: the milliseconds, then the sequence
    /// (24 bits, so a batch's ids ascend), then 50 random bits.
    static func make(at date: Date, sequence: Int) -> UUID {
        var b = [UInt8](repeating: 0, count: 16)
        for i in 9..<16 { b[i] = UInt8.random(in: 0...255) }
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        for i in 0..<6 { b[i] = UInt8((ms >> (8 * (5 - UInt64(i)))) & 0xFF) }
        let seq = UInt32(truncatingIfNeeded: sequence) & 0xFF_FFFF
        b[6] = 0x70 | UInt8((seq >> 20) & 0x0F)
        b[7] = UInt8((seq >> 12) & 0xFF)
        b[8] = 0x80 | UInt8((seq >> 6) & 0x3F)
        b[9] = UInt8(seq & 0x3F) << 2 | (b[9] & 0x03)
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }
}

extension SQLDatabase {
    /// Runs a bulk write with SQLite's page cache raised to `megabytes`, then back to the
    /// default: a large import whose dirty pages outgrow the default 2 MB spills them to the
    /// WAL and reads them back (`walFindFrame`). Nothing on PostgreSQL. 32 MB, not 128: the
    /// cache is memory the process keeps for the whole import, and with the certificate import's
    /// inserts in key order 32 MB cost no measurable time (peak RSS at 300,000 rows: 300 → 159 MiB
    /// with the other changes of issue 14; 16 MB measured the same peak).
    func withLargeCache<T>(megabytes: Int = 32, _ body: () async throws -> T) async throws -> T {
        guard dialect.name == "sqlite" else { return try await body() }
        try await raw("PRAGMA cache_size = -\(unsafeRaw: String(megabytes * 1024))").run()
        do {
            let result = try await body()
            try await raw("PRAGMA cache_size = -2000").run()
            return result
        } catch {
            try? await raw("PRAGMA cache_size = -2000").run()
            throw error
        }
    }
}
