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

    /// Copies a JPEG's segments that make the picture and nothing else: frame and scan headers,
    /// Huffman, arithmetic and quantisation tables, the restart interval, the JFIF header (its
    /// thumbnail cut off), an ICC colour profile and Adobe's colour marker. Everything else goes:
    /// EXIF (with its GPS position) and XMP, IPTC, other application segments, comments, the
    /// reserved JPGn markers, anything after the image's end. The photo's orientation, the one
    /// EXIF field a viewer needs, is written back alone, so portrait photos still show upright.
    /// Markers after the first scan (progressive JPEGs) are read too: nothing hides behind the data.
    static func strippedJPEG(_ b: [UInt8]) throws(Refusal) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(b.count)
        var orientation: UInt16?
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
            if (0xD0...0xD7).contains(marker) {
                out += [0xFF, marker]
                continue
            }
            // A second start of image, TEM or a reserved marker: not a picture this reads.
            guard marker != 0xD8, marker != 0x01, marker >= 0xC0 else { throw .malformed }
            guard i + 2 <= b.count else { throw .malformed }
            let length = Int(b[i]) << 8 | Int(b[i + 1])
            guard length >= 2, i + length <= b.count else { throw .malformed }
            let payload = b[(i + 2)..<(i + length)]
            switch kept(marker: marker, payload: payload) {
            case .keep: out += [0xFF, marker] + b[i..<(i + length)]
            case .replace(let bytes):
                out += [0xFF, marker, UInt8((bytes.count + 2) >> 8), UInt8((bytes.count + 2) & 0xFF)] + bytes
            case .drop:
                // The EXIF segment gives way to one holding the orientation alone, in its place.
                if marker == 0xE1, orientation == nil, let o = exifOrientation(payload) {
                    orientation = o
                    if o != 1 {
                        let segment = orientationSegment(o)
                        out += [0xFF, 0xE1, UInt8((segment.count + 2) >> 8), UInt8((segment.count + 2) & 0xFF)] + segment
                    }
                }
            }
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

    enum Keep { case keep, drop, replace([UInt8]) }

    private static func kept(marker: UInt8, payload: ArraySlice<UInt8>) -> Keep {
        switch marker {
        case 0xC0...0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF: return .keep  // frame headers
        case 0xC4, 0xCC, 0xDB, 0xDD, 0xDA: return .keep  // Huffman, arithmetic, quantisation, restart, scan
        case 0xE0:
            // JFIF with its thumbnail cut: version, units, densities, then a 0×0 thumbnail.
            guard payload.starts(with: Array("JFIF\u{0}".utf8)), payload.count >= 14 else { return .drop }
            return .replace(Array(payload.prefix(12)) + [0, 0])
        case 0xE2: return payload.starts(with: Array("ICC_PROFILE\u{0}".utf8)) ? .keep : .drop
        case 0xEE: return payload.starts(with: Array("Adobe".utf8)) ? .keep : .drop
        default: return .drop  // EXIF/XMP, other APPn, comments, JPGn, DNL, DHP, EXP
        }
    }

    /// The orientation tag (0x0112) of an EXIF segment's first directory, if it holds one.
    public static func exifOrientation(_ p: ArraySlice<UInt8>) -> UInt16? {
        let b = Array(p)
        guard b.count >= 14, b.starts(with: Array("Exif\u{0}\u{0}".utf8)) else { return nil }
        let tiff = 6
        let big: Bool
        switch (b[tiff], b[tiff + 1]) {
        case (0x4D, 0x4D): big = true
        case (0x49, 0x49): big = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= b.count else { return nil }
            return big ? Int(b[at]) << 8 | Int(b[at + 1]) : Int(b[at + 1]) << 8 | Int(b[at])
        }
        func u32(_ at: Int) -> Int? {
            guard let hi = u16(big ? at : at + 2), let lo = u16(big ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard let ifd = u32(tiff + 4), ifd < b.count, let n = u16(tiff + ifd), n < 1000 else { return nil }
        for k in 0..<n {
            let entry = tiff + ifd + 2 + 12 * k
            guard let tag = u16(entry), let type = u16(entry + 2) else { return nil }
            if tag == 0x0112, type == 3, let value = u16(entry + 8), (1...8).contains(value) { return UInt16(value) }
        }
        return nil
    }

    /// An EXIF segment's payload holding the orientation alone (big-endian TIFF, one entry).
    public static func orientationSegment(_ o: UInt16) -> [UInt8] {
        Array("Exif\u{0}\u{0}".utf8) + [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8]  // TIFF header, IFD0 at 8
            + [0, 1] + [0x01, 0x12, 0, 3, 0, 0, 0, 1, UInt8(o >> 8), UInt8(o & 0xFF), 0, 0] + [0, 0, 0, 0]
    }

    // MARK: PNG

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Ancillary chunks kept: those that change how the image looks. Text (tEXt, zTXt, iTXt),
    /// EXIF (eXIf), time (tIME), the ICC profile (iCCP, whose name is free text) and any private
    /// chunk are left out. Of the critical chunks only the four of the standard exist; another is
    /// a file no viewer could show, refused.
    static let keptAncillary: Set<String> = [
        "tRNS", "gAMA", "cHRM", "sRGB", "sBIT", "bKGD", "pHYs", "acTL", "fcTL", "fdAT",
    ]
    static let critical: Set<String> = ["IHDR", "PLTE", "IDAT", "IEND"]

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
            let isCritical = typeBytes.first! < 0x61
            guard !isCritical || critical.contains(type) else { throw .malformed }
            let end = i + 12 + length
            if isCritical || keptAncillary.contains(type) { out += b[i..<end] }
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
