/// The `format` values this validator asserts; any other format name is an annotation and passes.
enum SchemaFormat: String, Sendable {
    case dateTime = "date-time"
    case date
    case time
    case uuid
    case email
    case uri

    /// True when `s` is well formed for this format.
    func accepts(_ s: String) -> Bool {
        let b = Array(s.utf8)
        switch self {
        case .dateTime:
            // RFC 3339 §5.6: full-date "T" full-time, e.g. 2024-01-31T12:00:00.123Z.
            guard b.count > 11, b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") else { return false }
            return SchemaFormat.isFullDate(b[0..<10]) && SchemaFormat.isFullTime(b[11...])
        case .date:
            return b.count == 10 && SchemaFormat.isFullDate(b[...])
        case .time:
            return SchemaFormat.isFullTime(b[...])
        case .uuid:
            guard b.count == 36 else { return false }
            for (i, c) in b.enumerated() {
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    if c != UInt8(ascii: "-") { return false }
                } else if !SchemaFormat.isHex(c) {
                    return false
                }
            }
            return true
        case .email:
            // Deliberately loose (RFC 5321 in full is not worth it here): one "@", both sides non-empty,
            // no whitespace, and a domain with no empty labels.
            guard let at = b.firstIndex(of: UInt8(ascii: "@")), b.lastIndex(of: UInt8(ascii: "@")) == at,
                  at > 0, at < b.count - 1, !b.contains(where: { $0 <= 32 || $0 == 127 }) else { return false }
            return !b[(at + 1)...].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).contains { $0.isEmpty }
        case .uri:
            // An absolute URI: a scheme, ":", and no characters a URI can never hold unescaped.
            guard SchemaURI.hasScheme(s) else { return false }
            return !b.contains(where: { $0 <= 32 || $0 == 127 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "<")
                || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "^")
                || $0 == UInt8(ascii: "`") || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "|") || $0 == UInt8(ascii: "}") })
        }
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (48...57).contains(c) || (65...70).contains(c) || (97...102).contains(c)
    }

    private static func number(_ b: ArraySlice<UInt8>, _ from: Int, _ len: Int) -> Int? {
        guard from + len <= b.endIndex else { return nil }
        var v = 0
        for i in from..<from + len {
            guard (48...57).contains(b[i]) else { return nil }
            v = v * 10 + Int(b[i] - 48)
        }
        return v
    }

    /// `YYYY-MM-DD` with a real day of that month (leap years included).
    private static func isFullDate(_ b: ArraySlice<UInt8>) -> Bool {
        let s = b.startIndex
        guard b.count == 10, b[s + 4] == UInt8(ascii: "-"), b[s + 7] == UInt8(ascii: "-"),
              let y = number(b, s, 4), let m = number(b, s + 5, 2), let d = number(b, s + 8, 2),
              (1...12).contains(m), d >= 1 else { return false }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return d <= days
    }

    /// `HH:MM:SS[.frac](Z|±HH:MM)`; second 60 is allowed (leap second).
    private static func isFullTime(_ b: ArraySlice<UInt8>) -> Bool {
        let s = b.startIndex
        guard b.count >= 9, b[s + 2] == UInt8(ascii: ":"), b[s + 5] == UInt8(ascii: ":"),
              let h = number(b, s, 2), let mi = number(b, s + 3, 2), let sec = number(b, s + 6, 2),
              h < 24, mi < 60, sec <= 60 else { return false }
        var i = s + 8
        if i < b.endIndex, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.endIndex, (48...57).contains(b[i]) { i += 1 }
            guard i > start else { return false }
        }
        guard i < b.endIndex else { return false }
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return i + 1 == b.endIndex
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.endIndex, b[i + 3] == UInt8(ascii: ":"),
                  let oh = number(b, i + 1, 2), let om = number(b, i + 4, 2) else { return false }
            return oh < 24 && om < 60
        default:
            return false
        }
    }
}
