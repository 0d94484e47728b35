/// URI helpers for `$id` and `$ref`: RFC 3986 reference resolution and percent-decoding, without Foundation.
enum SchemaURI {
    /// Splits `uri` at its first `#`: (the URI without fragment, the fragment or nil).
    static func split(_ uri: String) -> (base: String, fragment: String?) {
        guard let hash = uri.firstIndex(of: "#") else { return (uri, nil) }
        return (String(uri[..<hash]), String(uri[uri.index(after: hash)...]))
    }

    /// True when `text` starts with a scheme (`[A-Za-z][A-Za-z0-9+.-]*:`).
    static func hasScheme(_ text: String) -> Bool {
        var first = true
        for b in text.utf8 {
            if b == UInt8(ascii: ":") { return !first }
            let isAlpha = (65...90).contains(b) || (97...122).contains(b)
            let ok = first ? isAlpha : (isAlpha || (48...57).contains(b) || b == 43 || b == 45 || b == 46)
            if !ok { return false }
            first = false
        }
        return false
    }

    /// Resolves `reference` against the absolute `base` (RFC 3986 §5.2, without query subtleties).
    static func resolve(_ reference: String, against base: String) -> String {
        if hasScheme(reference) { return reference }
        let (baseNoFragment, _) = split(base)
        if reference.isEmpty { return baseNoFragment }
        if reference.hasPrefix("#") { return baseNoFragment + reference }
        // Split the base into scheme, authority and path.
        guard let colon = baseNoFragment.firstIndex(of: ":") else { return reference }
        let scheme = String(baseNoFragment[..<colon])
        var rest = Substring(baseNoFragment[baseNoFragment.index(after: colon)...])
        var authority = ""
        if rest.hasPrefix("//") {
            let afterSlashes = rest.dropFirst(2)
            let end = afterSlashes.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterSlashes.endIndex
            authority = "//" + afterSlashes[..<end]
            rest = afterSlashes[end...]
        }
        if let q = rest.firstIndex(of: "?") { rest = rest[..<q] }
        if reference.hasPrefix("//") { return scheme + ":" + removeDotSegments(reference) }
        let path: String
        if reference.hasPrefix("/") {
            path = reference
        } else if reference.hasPrefix("?") {
            path = String(rest) + reference
        } else {
            let dir: Substring
            if let slash = rest.lastIndex(of: "/") { dir = rest[...slash] } else { dir = authority.isEmpty ? "" : "/" }
            path = String(dir) + reference
        }
        return scheme + ":" + authority + removeDotSegments(path)
    }

    /// Removes `.` and `..` segments from a path, keeping any query and fragment as they are.
    static func removeDotSegments(_ path: String) -> String {
        var tail = ""
        var p = Substring(path)
        if let cut = p.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            tail = String(p[cut...])
            p = p[..<cut]
        }
        guard p.contains(".") else { return String(p) + tail }
        var out: [Substring] = []
        let segments = p.split(separator: "/", omittingEmptySubsequences: false)
        for (i, s) in segments.enumerated() {
            if s == "." { if i == segments.count - 1 { out.append("") }; continue }
            if s == ".." {
                if out.count > 1 { out.removeLast() }
                if i == segments.count - 1 { out.append("") }
                continue
            }
            out.append(s)
        }
        return out.joined(separator: "/") + tail
    }

    /// Decodes `%XX` escapes as UTF-8; nil when an escape is malformed or the bytes are not UTF-8.
    static func percentDecode(_ text: String) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        let src = Array(text.utf8)
        var i = 0
        func hex(_ b: UInt8) -> UInt8? {
            switch b {
            case 48...57: b - 48
            case 65...70: b - 55
            case 97...102: b - 87
            default: nil
            }
        }
        while i < src.count {
            if src[i] == UInt8(ascii: "%") {
                guard i + 2 < src.count, let hi = hex(src[i + 1]), let lo = hex(src[i + 2]) else { return nil }
                bytes.append(hi << 4 | lo)
                i += 3
            } else {
                bytes.append(src[i])
                i += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
