/// The checksum a checksummed database (`Database.isChecksummed`) stores after every value: XXH64 of
/// the value, seeded with XXH64 of the key, as 8 little-endian bytes at the end of the stored value.
///
/// Seeding with the key makes a value that ended up under another key (a damaged branch page, a
/// misdirected write) fail its check as well as a flipped byte does. This is the published XXH64
/// (the same function as `HireLedgerCore.XXH64`, which this module cannot import: LMDB depends on
/// nothing but liblmdb). Changing it is a store format change.
public enum ValueChecksum {
    /// Bytes the checksum adds to every stored value.
    public static let size = 8

    /// The checksum of `value` stored under `key`.
    @inline(__always)
    public static func of(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> UInt64 {
        xxh64(value, seed: xxh64(key, seed: 0))
    }

    /// The value without its trailing checksum when the checksum matches; nil when it does not (or the
    /// stored value is shorter than a checksum).
    @inline(__always)
    static func verified(key: UnsafeRawBufferPointer, stored: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        guard stored.count >= size else { return nil }
        let value = UnsafeRawBufferPointer(rebasing: stored[..<(stored.count - size)])
        let expected = UInt64(littleEndian: stored.loadUnaligned(fromByteOffset: stored.count - size, as: UInt64.self))
        return of(key: key, value: value) == expected ? value : nil
    }

    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 { rotl(acc &+ input &* p2, 31) &* p1 }
    @inline(__always) private static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 { (acc ^ round(0, val)) &* p1 &+ p4 }

    static func xxh64(_ buf: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let n = buf.count
        var i = 0
        var h: UInt64
        @inline(__always) func read64(_ at: Int) -> UInt64 { UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        @inline(__always) func read32(_ at: Int) -> UInt64 { UInt64(UInt32(littleEndian: buf.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        if n >= 32 {
            var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
            while i + 32 <= n {
                v1 = round(v1, read64(i)); v2 = round(v2, read64(i + 8))
                v3 = round(v3, read64(i + 16)); v4 = round(v4, read64(i + 24))
                i += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(h, v1); h = merge(h, v2); h = merge(h, v3); h = merge(h, v4)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt64(n)
        while i + 8 <= n {
            h ^= round(0, read64(i))
            h = rotl(h, 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= n {
            h ^= read32(i) &* p1
            h = rotl(h, 23) &* p2 &+ p3
            i += 4
        }
        while i < n {
            h ^= UInt64(buf[i]) &* p5
            h = rotl(h, 11) &* p1
            i += 1
        }
        h ^= h >> 33; h = h &* p2
        h ^= h >> 29; h = h &* p3
        h ^= h >> 32
        return h
    }
}
