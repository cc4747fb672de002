import Foundation
import Logging
import Vapor

/// Sets up logging for the process: Vapor's console logger, never below `debug`. Trace-level
/// messages of the database drivers carry SQL bind values (ID numbers, complainants' contacts),
/// so `--log trace` is served as `debug`.
/// `ZHIJIAN_LOG_FORMAT=json` writes one JSON object per line (time, level, label, message,
/// metadata such as the request id) for a log collector.
public func bootstrapLogging(_ env: inout Environment) throws {
    let json = Environment.get("ZHIJIAN_LOG_FORMAT") == "json"
    try LoggingSystem.bootstrap(from: &env) { level in
        let console = Terminal()
        return { label in
            json
                ? LogLevelCap(JSONLineLogHandler(label: label, logLevel: max(level, .debug)))
                : LogLevelCap(ConsoleLogger(label: label, console: console, level: max(level, .debug)))
        }
    }
}

/// One JSON object per line on standard error.
struct JSONLineLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        log(
            level: event.level, message: event.message, metadata: event.metadata, source: event.source,
            file: event.file, function: event.function, line: event.line)
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        var fields: [String: String] = [
            "time": ISO8601DateFormatter().string(from: Date()), "level": level.rawValue, "label": label,
            "message": message.description,
        ]
        for (k, v) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }) { fields[k] = "\(v)" }
        guard var data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
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

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        guard level >= .debug else { return }
        inner.log(level: level, message: message, metadata: metadata, source: source, file: file, function: function, line: line)
    }
}
