import App
import Foundation
import Logging
import Vapor

@main
enum Entrypoint {
    static func main() async throws {
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
