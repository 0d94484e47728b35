/// A 128-bit identifier rendered as a version-4 UUID string, as Ashby's ids are.
///
/// Stored as two integers rather than a `String` so a world of a million records stays small, and
/// rendered straight into response bytes.
struct SimID: Hashable, Sendable, Comparable {
    var hi: UInt64
    var lo: UInt64

    static let none = SimID(hi: 0, lo: 0)

    /// A random v4 UUID from the seeded generator.
    static func random(_ rng: inout SeededRandom) -> SimID {
        let hi = (rng.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let lo = (rng.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return SimID(hi: hi, lo: lo)
    }

    static func < (a: SimID, b: SimID) -> Bool { (a.hi, a.lo) < (b.hi, b.lo) }

    var isNone: Bool { hi == 0 && lo == 0 }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the 36 characters of the UUID form.
    func write(into out: inout [UInt8]) {
        func put(_ v: UInt64, _ from: Int, _ to: Int, _ out: inout [UInt8]) {
            var shift = 60 - from * 4
            for _ in from..<to { out.append(SimID.hexDigits[Int((v >> UInt64(shift)) & 0xF)]); shift -= 4 }
        }
        put(hi, 0, 8, &out); out.append(0x2D)
        put(hi, 8, 12, &out); out.append(0x2D)
        put(hi, 12, 16, &out); out.append(0x2D)
        put(lo, 0, 4, &out); out.append(0x2D)
        put(lo, 4, 16, &out)
    }

    var string: String {
        var b: [UInt8] = []
        b.reserveCapacity(36)
        write(into: &b)
        return String(decoding: b, as: UTF8.self)
    }

    /// Parses the UUID form (case-insensitive); nil for anything else.
    init?(_ text: String) {
        var hi: UInt64 = 0, lo: UInt64 = 0, n = 0
        for (i, c) in text.utf8.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == 0x2D else { return nil }
                continue
            }
            let v: UInt64
            switch c {
            case 0x30...0x39: v = UInt64(c - 0x30)
            case 0x61...0x66: v = UInt64(c - 0x61 + 10)
            case 0x41...0x46: v = UInt64(c - 0x41 + 10)
            default: return nil
            }
            if n < 16 { hi = hi << 4 | v } else { lo = lo << 4 | v }
            n += 1
        }
        guard n == 32 else { return nil }
        self.init(hi: hi, lo: lo)
    }

    init(hi: UInt64, lo: UInt64) { self.hi = hi; self.lo = lo }
}
