import App
import Foundation
import Logging
import Vapor

#if canImport(Glibc)
    import Glibc

    /// glibc's `mallopt(M_ARENA_MAX, n)`, found at run time: malloc.h is not in Swift's Glibc module.
    func limitMallocArenas(_ n: Int32) {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(-8, n)  // -8: M_ARENA_MAX
    }
#endif

@main
enum Entrypoint {
    static func main() async throws {
        #if canImport(Glibc)
            // glibc gives every thread that allocates its own arena (up to eight per core), and a
            // request's memory is often freed on another thread than the one that took it: with
            // two arenas a 300,000-row import peaked 40 MB lower at the same speed.
            // MALLOC_ARENA_MAX in the environment still wins.
            if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil { limitMallocArenas(2) }
        #endif
        var env = try Environment.detect()
        // A server runs in production unless told otherwise (`--env development`, `VAPOR_ENV`):
        // templates cached, request logs at notice. `make run` asks for development.
        let asked =
            CommandLine.arguments.contains { $0 == "--env" || $0 == "-e" || $0.hasPrefix("--env=") }
            || ProcessInfo.processInfo.environment["VAPOR_ENV"] != nil
        if !asked { env = Environment(name: Environment.production.name, arguments: env.arguments) }
        try bootstrapLogging(&env)
        let app = try await Application.make(env)
        do {
            try await configure(app, config: AppConfig.fromEnvironment())
            registerCommands(app)
            try await app.execute()
        } catch {
            // A clear message and exit status 1, never a trap: scripts and service managers read it.
            app.logger.critical("zhijian stopped: \(String(describing: error))")
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }
}
