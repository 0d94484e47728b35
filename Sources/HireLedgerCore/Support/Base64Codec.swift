/// Base64 (RFC 4648): the standard alphabet with `=` padding (§4, as Standard Webhooks uses for secrets
/// and signatures, and HTTP Basic credentials), and the URL- and filename-safe alphabet `-` `_`, unpadded
/// (§5, for tokens that travel in URLs and JSON, such as the simulator's page cursors).
public enum Base64Codec {
    /// Which of RFC 4648's two encodings.
    public enum Variant: Sendable {
        /// `A–Z a–z 0–9 + /`, padded with `=` to a whole number of 4-character groups.
        case standard
        /// `A–Z a–z 0–9 - _`, without padding.
        case urlSafe
    }

    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlSafeAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The encoding of `bytes`.
    public static func encode(_ bytes: some Collection<UInt8>, _ variant: Variant = .standard) -> String {
        let alphabet = variant == .standard ? standardAlphabet : urlSafeAlphabet
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = input.count - i
        let pad: [UInt8] = variant == .standard ? [UInt8(ascii: "=")] : []
        if rest == 1 {
            let n = UInt32(input[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]] + pad + pad
        } else if rest == 2 {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]] + pad
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `text`; nil when it holds a character outside the variant's alphabet, or (standard)
    /// misplaced padding or a length that is not a whole number of 4-character groups (padding is
    /// required), or (URL-safe) padding or a length that leaves a lone character.
    public static func decode(_ text: String, _ variant: Variant = .standard) -> [UInt8]? {
        var chars = Array(text.utf8)
        var padding = 0
        switch variant {
        case .standard:
            guard chars.count % 4 == 0 else { return nil }
            while padding < 2, chars.last == UInt8(ascii: "=") {
                chars.removeLast()
                padding += 1
            }
        case .urlSafe:
            guard chars.count % 4 != 1 else { return nil }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 4 * 3 + 2)
        var i = 0
        while i < chars.count {
            let group = min(4, chars.count - i)
            var n: UInt32 = 0
            for j in 0..<4 {
                n <<= 6
                guard j < group else { continue }
                guard let v = value(chars[i + j], variant) else { return nil }
                n |= UInt32(v)
            }
            out.append(UInt8(n >> 16 & 0xff))
            if group > 2 { out.append(UInt8(n >> 8 & 0xff)) }
            if group > 3 { out.append(UInt8(n & 0xff)) }
            i += group
        }
        return out
    }

    private static func value(_ c: UInt8, _ variant: Variant) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where variant == .standard: return 62
        case UInt8(ascii: "/") where variant == .standard: return 63
        case UInt8(ascii: "-") where variant == .urlSafe: return 62
        case UInt8(ascii: "_") where variant == .urlSafe: return 63
        default: return nil
        }
    }
}
