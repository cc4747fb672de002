import App
import Foundation
import Logging
import Vapor

#if canImport(Glibc)
    /// glibc's `mallopt` (malloc.h, which Swift's Glibc module does not export) and `M_ARENA_MAX`.
    @_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
    let M_ARENA_MAX: Int32 = -8
#endif

@main
enum Entrypoint {
    static func main() async throws {
        #if canImport(Glibc)
            // glibc gives every thread that allocates its own arena (up to eight per core), and a
            // request's memory is often freed on another thread than the one that took it: with
            // two arenas a 300,000-row import peaked 40 MB lower at the same speed.
            // MALLOC_ARENA_MAX in the environment still wins.
            if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil { _ = mallopt(M_ARENA_MAX, 2) }
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
