import Foundation
import Leaf

/// `#segment(x)`: a value percent-encoded for one path segment of a link or form action, so a
/// code can never add a segment (`/`), end the path (`?`, `#`) or climb (`..` is encoded too).
struct SegmentTag: LeafTag {
    static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-_~")
        return set
    }()

    func render(_ ctx: LeafContext) throws -> LeafData {
        let text = ctx.parameters.first.flatMap { $0.string } ?? ""
        return .string(text.addingPercentEncoding(withAllowedCharacters: Self.allowed) ?? "")
    }
}
