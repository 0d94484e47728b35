/// How HireLedger writes a JSON string's bytes (RFC 8259, the canonical form): `\"`, `\\`, `\n`, `\r`,
/// `\t`, `\b`, `\f`, other bytes below 0x20 as `\u00xx`, everything else as it is. The one escaping of
/// the two byte-level writers, `JSONWriter` (Core's canonical writer) and the simulator's `JSONOut`,
/// each with a buffer of its own: a writer copies `plainPrefix` bytes at once (all of most strings)
/// and hands the rest, if any, to `writeEscaped`.
public enum JSONStringEscaping {
    /// The length of the run at the start of the `count` bytes at `p` that needs no escape; eight bytes
    /// at a time (inlined into both writers' hot paths).
    @inlinable @inline(__always)
    public static func plainPrefix(_ p: UnsafePointer<UInt8>, count n: Int) -> Int {
        var i = 0
        while i + 8 <= n, !mayNeedEscape(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) { i += 8 }
        while i < n, p[i] >= 0x20, p[i] != UInt8(ascii: "\""), p[i] != UInt8(ascii: "\\") { i += 1 }
        return i
    }

    /// Bytes `writeEscaped` may write for `count` input bytes: each can become a six-byte `\u00XX`.
    @inlinable public static func escapedCapacity(_ count: Int) -> Int { count * 6 }

    /// Writes bytes `from..<count` at `p` escaped to `out`, which has room for
    /// `escapedCapacity(count - from)` bytes; returns how many it wrote.
    public static func writeEscaped(_ p: UnsafePointer<UInt8>, from: Int, count n: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var o = 0
        @inline(__always) func put(_ b: UInt8) { out[o] = b; o += 1 }
        for i in from..<n {
            let b = p[i]
            switch b {
            case UInt8(ascii: "\""): put(0x5C); put(0x22)
            case UInt8(ascii: "\\"): put(0x5C); put(0x5C)
            case 0x0A: put(0x5C); put(UInt8(ascii: "n"))
            case 0x0D: put(0x5C); put(UInt8(ascii: "r"))
            case 0x09: put(0x5C); put(UInt8(ascii: "t"))
            case 0x08: put(0x5C); put(UInt8(ascii: "b"))
            case 0x0C: put(0x5C); put(UInt8(ascii: "f"))
            case 0..<0x20:
                put(0x5C); put(UInt8(ascii: "u")); put(UInt8(ascii: "0")); put(UInt8(ascii: "0"))
                put(hexDigit(b >> 4)); put(hexDigit(b & 0xF))
            default: put(b)
            }
        }
        return o
    }

    /// The lower-case hex digit of `v` (0...15).
    @inline(__always) static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10
    }

    /// Whether any of the eight bytes of `word` is `"`, `\` or below 0x20 (see `JSONParser.isPlainASCII`;
    /// bytes >= 0x80 are fine here, they are written as they are).
    @inlinable @inline(__always)
    static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
        return special & (ones &* 0x80) != 0
    }
}
