/// Checks, takes apart and masks webhook endpoint URLs.
///
/// A webhook URL is `http` or `https` with a host, no spaces or control characters, and (under
/// `WebhookAddressPolicy.publicOnly`) a host that is neither a special-use address literal in any
/// spelling (dotted, decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`, bracketed IPv6 with or
/// without an embedded IPv4 part or zone) nor a loopback or metadata name.
///
/// Rules: messages repeat only the scheme or the offending host, never the whole URL (it may hold a
/// token); wherever a URL is shown (API, CLI, failure records, logs) show `masked(_:)`.
public enum WebhookURL {
    /// The parts of an absolute URL, as found in the text (nothing decoded).
    public struct Parts: Sendable, Hashable {
        public var scheme: String
        /// `user:password` before `@`, if any.
        public var userInfo: String?
        /// As written, IPv6 literals without their brackets.
        public var host: String
        /// The host was written in brackets (an IPv6 literal).
        public var isBracketed: Bool
        public var port: String?
        /// The path, from the first `/` (may be empty).
        public var path: String
        public var query: String?
        public var fragment: String?
    }

    /// Splits `text`; nil when it has no `scheme://`. Works on Unicode scalars, not characters, so a
    /// delimiter followed by a combining mark or emoji modifier still delimits.
    public static func parts(_ text: String) -> Parts? {
        let u = text.unicodeScalars
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        func string(_ s: String.UnicodeScalarView.SubSequence) -> String { String(String.UnicodeScalarView(s)) }
        let scheme = string(u[..<schemeEnd.lowerBound])
        var rest = u[schemeEnd.upperBound...]
        var fragment: String?
        if let hash = rest.firstIndex(of: "#") {
            fragment = string(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        var query: String?
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        if let q = tail.firstIndex(of: "?") {
            query = string(tail[tail.index(after: q)...])
            tail = tail[..<q]
        }
        var userInfo: String?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = string(authority[..<at])
            hostPort = authority[authority.index(after: at)...]
        }
        var host = string(hostPort)
        var port: String?
        let bracketed = hostPort.first == "["
        if bracketed {
            if let close = hostPort.firstIndex(of: "]") {
                host = string(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let after = hostPort[hostPort.index(after: close)...]
                if after.first == ":" { port = string(after.dropFirst()) } else if !after.isEmpty { port = string(after) }
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = string(hostPort[..<colon])
            port = string(hostPort[hostPort.index(after: colon)...])
        }
        return Parts(scheme: scheme, userInfo: userInfo, host: host, isBracketed: bracketed, port: port, path: string(tail),
                     query: query, fragment: fragment)
    }

    /// The longest URL accepted, in Unicode scalars.
    public static let maximumLength = 2048

    /// nil when `text` is acceptable; otherwise a message saying what is wrong and what to give instead.
    ///
    /// The grammar (exactly the `url` pattern of `schemas/api/openapi.json`): `http` or `https` (any
    /// case), `://`, optional user info of RFC 3986 characters and `@`, a host (a dotted-quad IPv4
    /// address in plain decimal, a DNS name whose last label starts with a letter, or a bracketed IPv6
    /// address in hex groups), an optional port 1-65535 without leading zeros, then anything without
    /// spaces or control characters after `/`, `?` or `#`; at most `maximumLength` scalars. Other
    /// numeric spellings (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`, `[::ffff:127.0.0.1]`) are
    /// refused as ambiguous. Then `policy` decides about the host (messages for its refusals mention
    /// `--allow-private-webhooks`).
    public static func problem(_ text: String, policy: WebhookAddressPolicy = .publicOnly) -> String? {
        guard text.unicodeScalars.count <= maximumLength else {
            return "the webhook URL is longer than \(maximumLength) characters"
        }
        guard let p = parts(text) else {
            return "the webhook URL must be an absolute http:// or https:// URL (e.g. https://example.com/hooks/hireledger)"
        }
        let scheme = p.scheme.lowercased()
        guard scheme == "http" || scheme == "https" else {
            return "the webhook URL scheme \"\(scheme.prefix(20))\" is not supported; use http:// or https://"
        }
        if text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) {
            return "the webhook URL contains a space or control character; percent-encode it"
        }
        if let info = p.userInfo, !info.unicodeScalars.allSatisfy({ isASCIIAlphanumeric($0) || "._~!$&'()*+,;=:%-".unicodeScalars.contains($0) }) {
            return "the webhook URL's user info may hold only letters, digits and ._~!$&'()*+,;=:%- (percent-encode the rest)"
        }
        guard !p.host.isEmpty else { return "the webhook URL has no host; give e.g. https://example.com/hooks" }
        if let port = p.port {
            guard !port.isEmpty, port.utf8.count <= 5, port.first != "0", port.utf8.allSatisfy({ (48...57).contains($0) }),
                  let n = Int(port), (1...65535).contains(n) else {
                return "the webhook URL's port must be a number from 1 to 65535 (no leading zeros)"
            }
        }
        switch host(p.host, bracketed: p.isBracketed) {
        case .address(let bytes):
            if let why = policy.refusal(forAddress: bytes) { return "the webhook URL's host \(why)" }
        case .invalidNumeric:
            return "the webhook URL's host is not valid: write an IPv4 address as four plain decimal numbers (a.b.c.d), "
                + "an IPv6 address in brackets as hex groups ([2001:db8::1]), or give a host name"
        case .name(let name):
            if let why = policy.refusal(forHostName: name) { return "the webhook URL's host \(why)" }
        }
        return nil
    }

    /// The host under the strict grammar of `problem(_:policy:)`: `.invalidNumeric` for anything that
    /// is neither a plain dotted quad, a bracketed hex IPv6 address, nor a DNS name ending in a label
    /// that starts with a letter.
    static func host(_ host: String, bracketed: Bool) -> Host {
        if bracketed {
            guard !host.contains("."), !host.contains("%"), let bytes = ipv6(host) else { return .invalidNumeric }
            return .address(bytes)
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count == 4, labels.allSatisfy({ l in
            !l.isEmpty && l.count <= 3 && l.utf8.allSatisfy({ (48...57).contains($0) }) && (l.count == 1 || l.first != "0") && Int(l)! <= 255
        }) {
            return .address(labels.map { UInt8($0)! })
        }
        var names = labels
        if names.count > 1, names.last == "" { names.removeLast() }
        guard names.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy({ isASCIIAlphanumeric($0) || $0 == "-" }) }),
              let last = names.last?.unicodeScalars.first, ("a"..."z").contains(last) || ("A"..."Z").contains(last)
        else { return .invalidNumeric }
        return .name(host.lowercased())
    }

    static func isASCIIAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }

    /// `text` with the user info replaced by `***` and every query value (and the fragment) by `***`,
    /// so URLs can be shown without the credentials they may carry. Text that is not an absolute URL
    /// is returned as `***` unless it holds none of `@?#`.
    public static func masked(_ text: String) -> String {
        guard let p = parts(text) else { return text.contains(where: { "@?#".contains($0) }) ? "***" : text }
        var out = p.scheme + "://"
        if p.userInfo != nil { out += "***@" }
        out += p.isBracketed ? "[\(p.host)]" : p.host
        if let port = p.port { out += ":" + port }
        out += p.path
        if let q = p.query {
            let items = q.split(separator: "&", omittingEmptySubsequences: false).map { item -> String in
                guard let eq = item.firstIndex(of: "=") else { return item.isEmpty ? "" : "***" }
                return String(item[..<eq]) + "=***"
            }
            out += "?" + items.joined(separator: "&")
        }
        if p.fragment != nil { out += "#***" }
        return out
    }

    /// Every URL-like substring of `text` (from `http://` or `https://` to the next space or quote)
    /// masked: for messages that embed a URL, such as transport errors.
    public static func maskingURLs(in text: String) -> String {
        var out = ""
        var rest = text[...]
        while let start = [rest.firstRange(of: "http://"), rest.firstRange(of: "https://")].compactMap({ $0?.lowerBound }).min() {
            out += rest[..<start]
            let end = rest[start...].firstIndex { $0 == " " || $0 == "\"" || $0 == "'" || $0 == "\n" } ?? rest.endIndex
            out += masked(String(rest[start..<end]))
            rest = rest[end...]
        }
        return out + rest
    }

    /// What a URL host is: an address (in any numeric spelling), a malformed number, or a name.
    public enum Host: Sendable, Hashable {
        /// 4 or 16 bytes, network order.
        case address([UInt8])
        /// Not a valid host: looks numeric but is not a valid address (or, under the strict grammar,
        /// not a plain dotted quad, bracketed hex IPv6 address or DNS name).
        case invalidNumeric
        case name(String)
    }

    /// Reads a host as a browser and libcurl do: IPv6 (brackets already removed; a `%zone` is ignored)
    /// or IPv4 in inet_aton form (1 to 4 parts, each decimal, octal with a leading 0, or hex with 0x;
    /// the last part fills the remaining bytes), else a name.
    public static func hostAddress(_ host: String) -> Host {
        if host.contains(":") {
            let withoutZone = host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? host
            return ipv6(withoutZone).map(Host.address) ?? .invalidNumeric
        }
        var h = host.lowercased()
        if h.hasSuffix(".") { h.removeLast() }
        let labels = h.split(separator: ".", omittingEmptySubsequences: false)
        guard let last = labels.last, isNumberLike(last) else { return .name(h) }
        guard labels.count <= 4, labels.allSatisfy({ !$0.isEmpty }) else { return .invalidNumeric }
        var values: [UInt64] = []
        for label in labels {
            guard let v = numericPart(label) else { return .invalidNumeric }
            values.append(v)
        }
        for v in values.dropLast() where v > 255 { return .invalidNumeric }
        let lastBytes = 4 - (values.count - 1)
        guard values.last! < (UInt64(1) << (8 * UInt64(lastBytes))) else { return .invalidNumeric }
        var bytes = values.dropLast().map { UInt8($0) }
        for i in (0..<lastBytes).reversed() { bytes.append(UInt8(truncatingIfNeeded: values.last! >> (8 * UInt64(i)))) }
        return .address(bytes)
    }

    private static func isNumberLike(_ label: Substring) -> Bool {
        guard !label.isEmpty else { return false }
        if label.hasPrefix("0x") { return label.dropFirst(2).allSatisfy(\.isHexDigit) }
        return label.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func numericPart(_ label: Substring) -> UInt64? {
        guard label.utf8.count <= 40 else { return nil }
        if label.hasPrefix("0x") { return label.count == 2 ? 0 : UInt64(label.dropFirst(2), radix: 16) }
        if label.count > 1 && label.hasPrefix("0") { return UInt64(label.dropFirst(), radix: 8) }
        return UInt64(label)
    }

    /// RFC 4291 text form: 8 groups, one `::`, an optional dotted IPv4 tail.
    static func ipv6(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        let gaps = text.ranges(of: "::")
        guard gaps.count <= 1 else { return nil }
        let halves = gaps.first.map { [String(text[..<$0.lowerBound]), String(text[$0.upperBound...])] } ?? [text]
        func groups(_ s: String, allowV4Tail: Bool) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, part) in parts.enumerated() {
                if i == parts.count - 1, allowV4Tail, part.contains(".") {
                    let labels = part.split(separator: ".", omittingEmptySubsequences: false)
                    guard labels.count == 4 else { return nil }
                    for l in labels {
                        guard !l.isEmpty, l.count <= 3, l.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt8(l) else { return nil }
                        out.append(v)
                    }
                    continue
                }
                guard !part.isEmpty, part.count <= 4, part.allSatisfy(\.isHexDigit), let v = UInt16(part, radix: 16) else { return nil }
                out.append(UInt8(v >> 8))
                out.append(UInt8(v & 0xff))
            }
            return out
        }
        if halves.count == 1 {
            guard let all = groups(halves[0], allowV4Tail: true), all.count == 16 else { return nil }
            return all
        }
        guard let head = groups(halves[0], allowV4Tail: false), let tail = groups(halves[1], allowV4Tail: true),
              head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// `url` as logs and metrics show it (`masked` is for answers a user asked for): scheme, host and port only, with `/…` standing for any
    /// path, query or fragment, and user info dropped (each may hold a token):
    /// `https://user:pw@example.com/hooks?key=k` → `https://example.com/…`. Text that is not an
    /// absolute URL shows as `<invalid URL>`.
    public static func originOnly(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "<invalid URL>" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        let tail = rest.dropFirst(authority.count)
        return String(url[..<schemeEnd.upperBound]) + host + (tail.isEmpty || tail == "/" ? tail : "/…")
    }
}

