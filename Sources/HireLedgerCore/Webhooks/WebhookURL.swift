/// Checks a webhook endpoint URL: `http` or `https`, a host, no spaces or control characters.
public enum WebhookURL {
    /// nil when `text` is acceptable; otherwise a message saying what is wrong and what to give instead.
    /// The message repeats only the scheme, never the whole URL (which may hold a token).
    public static func problem(_ text: String) -> String? {
        guard let schemeEnd = text.firstRange(of: "://") else {
            return "the webhook URL must be an absolute http:// or https:// URL (e.g. https://example.com/hooks/hireledger)"
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            return "the webhook URL scheme \"\(scheme)\" is not supported; use http:// or https://"
        }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@").last.map(String.init) ?? ""
        guard !host.isEmpty, !host.hasPrefix(":") else { return "the webhook URL has no host; give e.g. https://example.com/hooks" }
        if text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f }) {
            return "the webhook URL contains a space or control character; percent-encode it"
        }
        return nil
    }

    /// `url` as logs and metrics may show it: scheme, host and port only, with `/…` standing for any
    /// path, query or fragment, and user info dropped (each may hold a token):
    /// `https://user:pw@example.com/hooks?key=k` → `https://example.com/…`. Text that is not an
    /// absolute URL shows as `<invalid URL>`.
    public static func masked(_ url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "<invalid URL>" }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        let tail = rest.dropFirst(authority.count)
        return String(url[..<schemeEnd.upperBound]) + host + (tail.isEmpty || tail == "/" ? tail : "/…")
    }
}
