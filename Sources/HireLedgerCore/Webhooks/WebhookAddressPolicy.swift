/// Which network addresses webhook deliveries may reach: the guard against server-side request forgery
/// (a subscription pointed at the cloud metadata service, the API itself, or a service on the private
/// network).
///
/// `.publicOnly` (the default everywhere) refuses loopback, link-local (the metadata address
/// 169.254.169.254 included), private (RFC 1918), shared (100.64/10), unique-local (fc00::/7, so
/// fd00:ec2::254 too), multicast, reserved and unspecified addresses, IPv4 embedded in IPv6 (mapped,
/// compatible, NAT64, 6to4) by the IPv4 rules, and the host names `localhost`, `*.localhost`,
/// `metadata.google.internal` and `metadata.goog`. `.allowPrivate` is the operator's explicit opt-in
/// (`--allow-private-webhooks`) for on-premises receivers and tests.
///
/// Rules for callers: check a URL's host at registration (`WebhookURL.problem(_:policy:)`) *and* every
/// address actually connected to (`refusal(forAddress:)`, wired into the transport's connect hook),
/// because DNS answers can change after registration.
public enum WebhookAddressPolicy: Sendable, Hashable {
    case publicOnly
    case allowPrivate

    /// Why a connection to `address` (4 bytes IPv4 or 16 bytes IPv6, network order) is refused, or nil
    /// when it is allowed.
    public func refusal(forAddress address: [UInt8]) -> String? {
        guard self == .publicOnly else { return nil }
        guard let kind = Self.specialUse(address) else { return nil }
        return "\(Self.text(address)) is a \(kind) address; webhooks go to public addresses only "
            + "(the operator can allow private receivers with --allow-private-webhooks)"
    }

    /// Why a host name is refused before any lookup (`localhost`, metadata names), or nil.
    public func refusal(forHostName name: String) -> String? {
        guard self == .publicOnly else { return nil }
        var host = name.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        if host == "localhost" || host.hasSuffix(".localhost") {
            return "\(host) names this machine (loopback); webhooks go to public addresses only "
                + "(the operator can allow private receivers with --allow-private-webhooks)"
        }
        if Self.metadataNames.contains(host) {
            return "\(host) is a cloud metadata service; webhooks never go there "
                + "(the operator can allow private receivers with --allow-private-webhooks)"
        }
        return nil
    }

    static let metadataNames: Set<String> = ["metadata.google.internal", "metadata.goog", "metadata",
                                             "instance-data", "instance-data.ec2.internal"]

    /// The special-use class of an address ("loopback", "private", ...), nil for a public one.
    public static func specialUse(_ a: [UInt8]) -> String? {
        if a.count == 4 { return specialUseV4(a) }
        guard a.count == 16 else { return "malformed" }
        if a.allSatisfy({ $0 == 0 }) { return "unspecified" }
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return "loopback" }
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated): the IPv4 rules decide.
        if a[0..<10].allSatisfy({ $0 == 0 }) && ((a[10] == 0xff && a[11] == 0xff) || (a[10] == 0 && a[11] == 0)) {
            return specialUseV4(Array(a[12..<16])) ?? (a[10] == 0 ? "deprecated IPv4-compatible" : nil)
        }
        // 64:ff9b::/96 (NAT64) and 64:ff9b:1::/48 (local NAT64): the embedded IPv4 address decides.
        if a[0] == 0 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b {
            if a[4..<12].allSatisfy({ $0 == 0 }) { return specialUseV4(Array(a[12..<16])) }
            if a[4] == 0 && a[5] == 1 { return "private (local NAT64)" }
        }
        // 2002::/16 (6to4): the IPv4 address in bytes 2...5 decides.
        if a[0] == 0x20 && a[1] == 0x02, let v4 = specialUseV4(Array(a[2..<6])) { return v4 }
        if a[0] & 0xfe == 0xfc { return "unique-local (private)" }
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return "link-local" }
        if a[0] == 0xfe && a[1] & 0xc0 == 0xc0 { return "site-local (private)" }
        if a[0] == 0xff { return "multicast" }
        if a[0] == 0x01 && a[1..<8].allSatisfy({ $0 == 0 }) { return "discard-only" }
        if a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 { return "documentation" }
        return nil
    }

    static func specialUseV4(_ a: [UInt8]) -> String? {
        switch (a[0], a[1]) {
        case (0, _): return a.allSatisfy { $0 == 0 } ? "unspecified" : "this-network (reserved)"
        case (127, _): return "loopback"
        case (10, _), (172, 16...31), (192, 168): return "private"
        case (100, 64...127): return "shared (carrier-grade NAT, private)"
        case (169, 254): return a[2] == 169 && a[3] == 254 ? "link-local (cloud metadata)" : "link-local"
        case (192, 0) where a[2] == 0: return "IETF protocol assignment (private)"
        case (192, 0) where a[2] == 2, (198, 51) where a[2] == 100, (203, 0) where a[2] == 113: return "documentation"
        case (198, 18...19): return "benchmarking (private)"
        case (224...239, _): return "multicast"
        case (240...255, _): return a.allSatisfy { $0 == 255 } ? "broadcast" : "reserved"
        default: return nil
        }
    }

    /// Dotted quad or RFC 5952-ish hex groups, for messages.
    public static func text(_ a: [UInt8]) -> String {
        if a.count == 4 { return a.map(String.init).joined(separator: ".") }
        guard a.count == 16 else { return "?" }
        let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(a[$0]) << 8 | UInt16(a[$0 + 1]), radix: 16) }
        return "[" + groups.joined(separator: ":") + "]"
    }
}
