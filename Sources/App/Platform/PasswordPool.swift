import NIOCore
import NIOPosix
import Vapor

/// Bcrypt on threads of its own: a burst of logins (each ~250 ms of CPU at cost 12) must not
/// hold the threads that serve database work and file reads.
final class PasswordPool: Sendable {
    private let pool: NIOThreadPool
    private let cost: Int

    init(threads: Int, cost: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        self.cost = cost
    }

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await pool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, created hash: String) async throws -> Bool {
        try await pool.runIfActive { try Bcrypt.verify(password, created: hash) }
    }

    func shutdown() async throws { try await pool.shutdownGracefully() }
}

extension Application {
    private struct PasswordPoolKey: StorageKey { typealias Value = PasswordPool }

    var passwordPool: PasswordPool {
        get {
            guard let p = storage[PasswordPoolKey.self] else { fatalError("configure() sets up the password pool") }
            return p
        }
        set { storage[PasswordPoolKey.self] = newValue }
    }
}

/// Stops the password threads when the application shuts down.
struct PasswordPoolLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        try? await application.passwordPool.shutdown()
    }
}
