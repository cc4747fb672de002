/// Evidence a complaint's filer attaches (举报证据): the file's type is read from its content,
/// never from its name, and images lose their metadata (EXIF with its GPS position, XMP, IPTC,
/// comments, PNG text chunks) before they are stored.
public enum Evidence {
    public static let maxBytes = 10 * 1024 * 1024
    public static let maxFiles = 5

    public enum Kind: String, Sendable, CaseIterable {
        case jpeg, png, pdf

        public var contentType: String {
            switch self {
            case .jpeg: "image/jpeg"
            case .png: "image/png"
            case .pdf: "application/pdf"
            }
        }

        public var fileExtension: String {
            switch self {
            case .jpeg: "jpg"
            case .png: "png"
            case .pdf: "pdf"
            }
        }
    }

    public enum Refusal: Error, Equatable, Sendable {
        /// Neither JPEG, PNG nor PDF by its first bytes.
        case unsupportedType
        /// It starts like one of them but its structure is broken.
        case malformed
        case empty
    }

    /// The file's kind by its first bytes.
    public static func kind(of b: [UInt8]) -> Kind? {
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        if b.starts(with: pngSignature) { return .png }
        if b.starts(with: Array("%PDF-".utf8)) { return .pdf }
        return nil
    }

    /// Checks a file and returns what is stored: images without their metadata, PDFs as they are.
    public static func sanitise(_ bytes: [UInt8]) throws(Refusal) -> (kind: Kind, bytes: [UInt8]) {
        guard !bytes.isEmpty else { throw .empty }
        guard let kind = kind(of: bytes) else { throw .unsupportedType }
        switch kind {
        case .jpeg: return (kind, try strippedJPEG(bytes))
        case .png: return (kind, try strippedPNG(bytes))
        case .pdf:
            // A PDF ends with %%EOF (possibly followed by a line end or a little padding).
            guard bytes.suffix(1024).containsSequence(Array("%%EOF".utf8)) else { throw .malformed }
            return (kind, bytes)
        }
    }

    // MARK: JPEG

    /// Copies a JPEG's segments, leaving out APP1 (EXIF, XMP), APP13 (IPTC), the other APPn
    /// segments except the JFIF header (APP0), an ICC profile (APP2 "ICC_PROFILE") and Adobe's
    /// colour marker (APP14), and comments (COM). Markers after the first scan (progressive JPEGs)
    /// are read too, so nothing can hide behind the image data.
    static func strippedJPEG(_ b: [UInt8]) throws(Refusal) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(b.count)
        var i = 2
        while i < b.count {
            guard b[i] == 0xFF else { throw .malformed }
            while i < b.count && b[i] == 0xFF { i += 1 }  // fill bytes
            guard i < b.count else { throw .malformed }
            let marker = b[i]
            i += 1
            if marker == 0xD9 {  // end of image: anything after it is dropped
                out += [0xFF, 0xD9]
                return out
            }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 {
                out += [0xFF, marker]
                continue
            }
            guard i + 2 <= b.count else { throw .malformed }
            let length = Int(b[i]) << 8 | Int(b[i + 1])
            guard length >= 2, i + length <= b.count else { throw .malformed }
            let segment = b[i..<(i + length)]
            let payload = segment.dropFirst(2)
            if keeps(marker: marker, payload: payload) { out += [0xFF, marker] + segment }
            i += length
            if marker == 0xDA {
                // Entropy-coded data up to the next marker that is not a stuffed byte or a restart.
                let start = i
                while i + 1 < b.count {
                    if b[i] == 0xFF, b[i + 1] != 0x00, !(0xD0...0xD7).contains(b[i + 1]) { break }
                    i += 1
                }
                guard i + 1 < b.count else { throw .malformed }
                out += b[start..<i]
            }
        }
        throw .malformed  // no end-of-image marker
    }

    private static func keeps(marker: UInt8, payload: ArraySlice<UInt8>) -> Bool {
        switch marker {
        case 0xE0: return true  // JFIF
        case 0xE2: return payload.starts(with: Array("ICC_PROFILE\u{0}".utf8))
        case 0xEE: return payload.starts(with: Array("Adobe".utf8))
        case 0xE1, 0xE3...0xED, 0xEF, 0xFE: return false  // EXIF/XMP, other APPn, comments
        default: return true  // tables, frame and scan headers
        }
    }

    // MARK: PNG

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Ancillary chunks kept: those that change how the image looks. Text (tEXt, zTXt, iTXt),
    /// EXIF (eXIf), time (tIME) and any private chunk are left out; critical chunks always stay.
    static let keptAncillary: Set<String> = [
        "tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "bKGD", "pHYs", "acTL", "fcTL", "fdAT",
    ]

    static func strippedPNG(_ b: [UInt8]) throws(Refusal) -> [UInt8] {
        var out = pngSignature
        out.reserveCapacity(b.count)
        var i = pngSignature.count
        var first = true
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length <= b.count - i - 12 else { throw .malformed }
            let typeBytes = b[(i + 4)..<(i + 8)]
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else { throw .malformed }
            let type = String(decoding: typeBytes, as: UTF8.self)
            if first {
                guard type == "IHDR" else { throw .malformed }
                first = false
            }
            let critical = typeBytes.first! < 0x61
            let end = i + 12 + length
            if critical || keptAncillary.contains(type) { out += b[i..<end] }
            i = end
            if type == "IEND" { return out }
        }
        throw .malformed  // no IEND chunk
    }
}

extension Collection where Element == UInt8 {
    fileprivate func containsSequence(_ needle: [UInt8]) -> Bool {
        let hay = Array(self)
        guard needle.count <= hay.count else { return false }
        for start in 0...(hay.count - needle.count) where hay[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
