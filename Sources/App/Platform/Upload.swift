import Foundation
import NIOCore
import Vapor

/// Uploaded files are spooled to disk as they arrive, so a large import costs the server a
/// bounded amount of memory whatever the file's size (and two imports at once cost twice a
/// small buffer, not twice the file). The file is readable by the server's user only and is
/// removed once the import is done.
struct Upload: Sendable {
    let url: URL

    /// Streams the request body into a temporary file; more than `maxBytes` is a 413.
    static func spool(_ req: Request, maxBytes: Int) async throws -> Upload {
        let upload = try make()
        do {
            let handle = try FileHandle(forWritingTo: upload.url)
            defer { try? handle.close() }
            var total = 0
            for try await chunk in req.body {
                total += chunk.readableBytes
                guard total <= maxBytes else {
                    throw AppError(
                        status: .payloadTooLarge, code: "too_large",
                        message: "The file is larger than \(maxBytes / 1_048_576) MB",
                        messageZh: "文件超过\(maxBytes / 1_048_576) MB")
                }
                try handle.write(contentsOf: chunk.readableBytesView)
            }
            return upload
        } catch {
            upload.remove()
            throw error
        }
    }

    /// An upload made of bytes already in memory (a multipart form field).
    static func from(_ buffer: ByteBuffer) throws -> Upload {
        let upload = try make()
        do { try Data(buffer.readableBytesView).write(to: upload.url) } catch {
            upload.remove()
            throw error
        }
        return upload
    }

    private static func make() throws -> Upload {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("zhijian-upload-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw Abort(.internalServerError, reason: "cannot create a temporary file")
        }
        return Upload(url: url)
    }

    var size: Int { (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0 }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// Runs `body` with the file's CSV rows in batches, then removes the file.
    func withRows<T>(_ body: (inout CSVFileReader) async throws -> T) async throws -> T {
        defer { remove() }
        var reader = try CSVFileReader(url: url)
        return try await body(&reader)
    }
}

/// Reads a CSV file in blocks, handing out rows in batches: memory stays at one block and one
/// batch whatever the file's size.
struct CSVFileReader {
    private let handle: FileHandle
    private var stream = CSVStream()
    private var pending: [CSV.Row] = []
    private var done = false
    static let blockSize = 1 << 20

    init(url: URL) throws { handle = try FileHandle(forReadingFrom: url) }

    /// Up to `count` rows; nil once the file is exhausted.
    mutating func next(_ count: Int) throws -> [CSV.Row]? {
        while pending.count < count && !done {
            if let block = try handle.read(upToCount: Self.blockSize), !block.isEmpty {
                stream.feed(block, into: &pending)
            } else {
                stream.finish(into: &pending)
                done = true
                try? handle.close()
            }
        }
        guard !pending.isEmpty else { return nil }
        let n = min(count, pending.count)
        let batch = Array(pending[..<n])
        pending.removeFirst(n)
        return batch
    }
}

/// The RFC 4180 reader of `CSV`, fed a block at a time: quoted fields, doubled quotes, CRLF or LF
/// (also split between blocks), an optional UTF-8 BOM.
struct CSVStream {
    private var fields: [String] = []
    private var field: [UInt8] = []
    private var quoted = false
    private var quoteSeen = false  // a quote inside a quoted field: the end, or the first of two
    private var skipLF = false
    private var line = 1, rowLine = 1
    private var bomChecked = false

    mutating func feed(_ bytes: some Collection<UInt8>, into rows: inout [CSV.Row]) {
        var input = bytes[...]
        if !bomChecked {
            bomChecked = true
            if input.starts(with: [0xEF, 0xBB, 0xBF]) { input = input.dropFirst(3) }
        }
        for b in input { step(b, into: &rows) }
    }

    mutating func finish(into rows: inout [CSV.Row]) {
        if quoteSeen {
            quoteSeen = false
            quoted = false
        }
        if !field.isEmpty || !fields.isEmpty {
            endField()
            rows.append(CSV.Row(line: rowLine, fields: fields))
            fields.removeAll()
        }
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
    }

    private mutating func step(_ b: UInt8, into rows: inout [CSV.Row]) {
        if skipLF {
            skipLF = false
            if b == UInt8(ascii: "\n") { return }
        }
        if quoteSeen {
            quoteSeen = false
            if b == UInt8(ascii: "\"") {
                field.append(b)
                return
            }
            quoted = false  // the quote closed the field; this byte is read as unquoted
        }
        if quoted {
            if b == UInt8(ascii: "\"") {
                quoteSeen = true
            } else {
                if b == UInt8(ascii: "\n") { line += 1 }
                field.append(b)
            }
        } else if b == UInt8(ascii: "\"") && field.isEmpty {
            quoted = true
        } else if b == UInt8(ascii: ",") {
            endField()
        } else if b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
            if b == UInt8(ascii: "\r") { skipLF = true }
            endField()
            rows.append(CSV.Row(line: rowLine, fields: fields))
            fields.removeAll(keepingCapacity: true)
            line += 1
            rowLine = line
        } else {
            field.append(b)
        }
    }
}

extension Request {
    /// Collects a body routed as `.stream`, once the handler has authorised the request: nothing
    /// is read before, and more than `max` bytes is `tooLarge` (413).
    func collectBody(max: Int, tooLarge: AppError) async throws {
        do { _ = try await body.collect(max: max).get() } catch let e as any AbortError where e.status == .payloadTooLarge {
            throw tooLarge
        }
        // A body that arrived whole (in tests, or buffered by a proxy) was never counted.
        if (body.data?.readableBytes ?? 0) > max { throw tooLarge }
    }
}

/// At most `permits` evidence uploads are read and checked at once in a process: each holds its
/// body and the stripped copies (a filing with five 10 MB photos peaked near 350 MB in a debug
/// build), so many at once could exhaust memory. The others wait, their bodies unread.
actor UploadGate {
    let permits: Int
    private var used = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { self.permits = permits }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if used < permits {
            used += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { used -= 1 } else { waiting.removeFirst().resume() }
    }
}

extension Application {
    private struct UploadGateKey: StorageKey { typealias Value = UploadGate }

    /// The evidence uploads' gate (two at once).
    var evidenceGate: UploadGate {
        if let g = storage[UploadGateKey.self] { return g }
        let g = UploadGate(permits: 2)
        storage[UploadGateKey.self] = g
        return g
    }
}
