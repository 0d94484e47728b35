import Foundation

/// A NATS server address as given on the command line: `nats://[user:password@ | token@]host[:port]`.
///
/// Credentials are kept apart from the address so they can be sent in CONNECT and never shown:
/// `description` (and `redacted`) masks them, so a URL can go into logs and errors as it is.
/// Only plain TCP is spoken (`nats://`); `tls://` is refused with a clear message.
public struct NATSURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `user:password@`; both parts percent-decoded.
    public var user: String?
    public var password: String?
    /// `token@` (a user part with no password).
    public var token: String?

    public static let defaultPort = 4222

    /// Parses `text`. Throws `NATSError.invalidURL` naming what is wrong (never echoing a credential).
    public init(_ text: String) throws(NATSError) {
        var rest = Substring(text.trimmingCharacters(in: [" ", "\t", "\n"]))
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "nats" else {
                if scheme == "tls" || scheme == "wss" || scheme == "ws" {
                    throw .invalidURL("the scheme '\(scheme)://' is not supported; HireLedger speaks plain TCP (nats://). Put a TLS-terminating proxy or a local leaf node in front of the cluster.")
                }
                throw .invalidURL("unknown scheme '\(scheme)://'; use nats://host:port")
            }
            rest = rest[schemeEnd.upperBound...]
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var user: String?, password: String?, token: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = Self.percentDecoded(credentials[..<colon])
                password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
            } else {
                token = Self.percentDecoded(credentials)
            }
            if user?.isEmpty == true && password?.isEmpty == true { (user, password) = (nil, nil) }
            if token?.isEmpty == true { token = nil }
        }
        var host = String(rest)
        var port = Self.defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .invalidURL("unterminated IPv6 address in the NATS URL") }
            let after = host[host.index(after: close)...]
            let inner = String(host[host.index(after: host.startIndex)..<close])
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw .invalidURL("the port in the NATS URL is not a number between 1 and 65535") }
                port = p
            } else if !after.isEmpty { throw .invalidURL("unexpected text after the IPv6 address in the NATS URL") }
            host = inner
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
                throw .invalidURL("the port in the NATS URL is not a number between 1 and 65535")
            }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw .invalidURL("the NATS URL has no host; use nats://host:port") }
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.token = token
    }

    /// The address with any credential masked: `nats://alice:***@host:4222`, `nats://***@host:4222`.
    public var redacted: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        var out = "nats://"
        if let user { out += "\(user):***@" } else if token != nil { out += "***@" }
        return out + "\(shownHost):\(port)"
    }

    public var description: String { redacted }

    private static func percentDecoded(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var i = s.utf8.startIndex
        let u = s.utf8
        while i < u.endIndex {
            let c = u[i]
            if c == UInt8(ascii: "%"), let h1 = u.index(i, offsetBy: 1, limitedBy: u.endIndex), h1 < u.endIndex,
               let h2 = u.index(i, offsetBy: 2, limitedBy: u.endIndex), h2 < u.endIndex,
               let v = UInt8(String(decoding: [u[h1], u[h2]], as: UTF8.self), radix: 16) {
                bytes.append(v)
                i = u.index(i, offsetBy: 3)
            } else {
                bytes.append(c)
                i = u.index(after: i)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
