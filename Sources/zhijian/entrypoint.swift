import App
import Foundation
import Logging
import Vapor

@main
enum Entrypoint {
    static func main() async throws {
        var env = try Environment.detect()
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
