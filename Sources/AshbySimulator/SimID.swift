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

    /// The eight lower-case hex digits of `v` as eight ASCII bytes, the first digit in the lowest byte
    /// (so a little-endian store writes them in reading order). SWAR: the nibbles are spread one per
    /// byte, then each becomes '0'...'9' or 'a'...'f' without a branch or a table.
    @inline(__always) static func hex8(_ v: UInt32) -> UInt64 {
        var x = UInt64(v)
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        x = x.byteSwapped  // the most significant nibble first
        let ones: UInt64 = 0x0101_0101_0101_0101
        let letters = ((x &+ ones &* 0x06) >> 4) & ones  // 1 where the nibble is 10...15
        return x &+ ones &* 0x30 &+ letters &* 0x27
    }

    /// Writes the 36 characters of the UUID form at `p`.
    @inline(__always) func write(to p: UnsafeMutablePointer<UInt8>) {
        let raw = UnsafeMutableRawPointer(p)
        let a = SimID.hex8(UInt32(truncatingIfNeeded: hi >> 32)), b = SimID.hex8(UInt32(truncatingIfNeeded: hi))
        let c = SimID.hex8(UInt32(truncatingIfNeeded: lo >> 32)), d = SimID.hex8(UInt32(truncatingIfNeeded: lo))
        raw.storeBytes(of: a.littleEndian, toByteOffset: 0, as: UInt64.self)
        raw.storeBytes(of: 0x2D, toByteOffset: 8, as: UInt8.self)
        raw.storeBytes(of: UInt32(truncatingIfNeeded: b).littleEndian, toByteOffset: 9, as: UInt32.self)
        raw.storeBytes(of: 0x2D, toByteOffset: 13, as: UInt8.self)
        raw.storeBytes(of: UInt32(truncatingIfNeeded: b >> 32).littleEndian, toByteOffset: 14, as: UInt32.self)
        raw.storeBytes(of: 0x2D, toByteOffset: 18, as: UInt8.self)
        raw.storeBytes(of: UInt32(truncatingIfNeeded: c).littleEndian, toByteOffset: 19, as: UInt32.self)
        raw.storeBytes(of: 0x2D, toByteOffset: 23, as: UInt8.self)
        raw.storeBytes(of: UInt32(truncatingIfNeeded: c >> 32).littleEndian, toByteOffset: 24, as: UInt32.self)
        raw.storeBytes(of: d.littleEndian, toByteOffset: 28, as: UInt64.self)
    }

    var string: String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            write(to: buffer.baseAddress!)
            return 36
        }
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
