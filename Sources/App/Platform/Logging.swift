import Logging
import Vapor

/// Sets up logging for the process: Vapor's console logger, never below `debug`. Trace-level
/// messages of the database drivers carry SQL bind values (ID numbers, complainants' contacts),
/// so `--log trace` is served as `debug`.
public func bootstrapLogging(_ env: inout Environment) throws {
    try LoggingSystem.bootstrap(from: &env) { level in
        let console = Terminal()
        return { label in LogLevelCap(ConsoleLogger(label: label, console: console, level: max(level, .debug))) }
    }
}

/// A log handler whose level can never be lowered under `debug`.
struct LogLevelCap: LogHandler {
    var inner: any LogHandler
    init(_ inner: any LogHandler) { self.inner = inner }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = max(newValue, .debug) }
    }
    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= .debug else { return }
        inner.log(event: event)
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        guard level >= .debug else { return }
        inner.log(level: level, message: message, metadata: metadata, source: source, file: file, function: function, line: line)
    }
}
