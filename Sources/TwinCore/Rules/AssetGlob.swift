/// A shell-style pattern over asset ids: `*` matches any run of characters (none included), `?` exactly one.
public struct AssetGlob: Sendable, Equatable {
    private let pattern: [UInt8]

    public init(_ pattern: String) {
        self.pattern = Array(pattern.utf8)
    }

    /// Iterative wildcard matching with one backtrack point: linear in practice, no allocation beyond the id's bytes.
    public func matches(_ asset: String) -> Bool {
        var asset = asset
        return asset.withUTF8 { text in
            var p = 0, t = 0
            var starP = -1, starT = 0
            while t < text.count {
                if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                    p += 1
                    t += 1
                } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                    starP = p
                    starT = t
                    p += 1
                } else if starP >= 0 {
                    p = starP + 1
                    starT += 1
                    t = starT
                } else {
                    return false
                }
            }
            while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
            return p == pattern.count
        }
    }
}
