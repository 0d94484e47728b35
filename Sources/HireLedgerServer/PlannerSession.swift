import Crypto
import Hummingbird

/// The planner page's login: a cookie that stands for the API token in a browser.
///
/// Rules: the cookie value is HMAC-SHA256(token, "hireledger planner session v1") in hex, so it
/// changes with the token, is never the token itself and cannot be used as a bearer token. It is
/// set `HttpOnly; SameSite=Strict; Path=/` (no script reads it, no other site sends it) and only
/// authorizes safe methods (GET, HEAD): a page can read views, never change subscriptions. The token
/// reaches the server only in a POST body (`/login`), never in a URL that ends up in logs.
struct PlannerSession: Sendable {
    static let cookieName = "hireledger_session"

    let value: String

    init(token: APIToken) {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("hireledger planner session v1".utf8),
                                                  using: SymmetricKey(data: token.bytes))
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in mac { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) }
        value = String(decoding: out, as: UTF8.self)
    }

    /// Whether the request carries this session's cookie (compared in constant time).
    func isPresent(in request: Request) -> Bool {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingWhitespace() == Self.cookieName else { continue }
                let presented = Array(parts[1].trimmingWhitespace().utf8)
                let expected = Array(value.utf8)
                guard presented.count == expected.count else { continue }
                var diff: UInt8 = 0
                for i in 0..<expected.count { diff |= presented[i] ^ expected[i] }
                if diff == 0 { return true }
            }
        }
        return false
    }

    /// Whether a request may be authorized by the cookie alone (safe methods only).
    func authorizes(_ request: Request) -> Bool {
        (request.method == .get || request.method == .head) && isPresent(in: request)
    }

    var setCookie: String { "\(Self.cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict" }
    static let clearCookie = "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
}

extension APIToken {
    /// The planner's sign-in link for `base` (`http://host:port`): the token rides in the URL
    /// fragment, which browsers never send to a server, so it reaches no access log. Print it only
    /// where the token may be shown (an interactive terminal), never into a log.
    public func loginLink(base: String) -> String {
        var encoded = ""
        for b in bytes {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) { encoded.append(c) }
            else { encoded += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true) }
        }
        return base + "/login#token=" + encoded
    }
}
