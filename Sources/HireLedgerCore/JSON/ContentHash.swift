/// A stable 64-bit hash of a value's canonical bytes (XXH64, seed 0).
///
/// Stable across processes, machines and releases: it is stored in the state index and compared on
/// every sync, so changing the function is a store format change. Never `Hasher`, which is seeded per
/// process. A 64-bit hash is enough for "did this record change" (a collision would need two versions of
/// one record among billions); it is not a cryptographic digest.
public struct ContentHash: Sendable, Hashable, CustomStringConvertible {
    public let value: UInt64

    public init(value: UInt64) { self.value = value }

    public init(bytes: some Collection<UInt8>) {
        if let v = bytes.withContiguousStorageIfAvailable({ XXH64.hash(UnsafeRawBufferPointer($0), seed: 0) }) {
            value = v
        } else {
            value = Array(bytes).withUnsafeBytes { XXH64.hash($0, seed: 0) }
        }
    }

    public init(_ buffer: UnsafeRawBufferPointer) { value = XXH64.hash(buffer, seed: 0) }

    /// 16 lowercase hex digits.
    public var description: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

extension JSONValue {
    /// The hash of the canonical form (`ContentHash(bytes: canonicalBytes())`, without the array).
    public var contentHash: ContentHash {
        withCanonicalBytes { ContentHash(UnsafeRawBufferPointer($0)) }
    }
}

/// XXH64 (https://github.com/Cyan4973/xxHash, the published algorithm), on little-endian reads.
public enum XXH64 {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
    @inline(__always) static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }
    @inline(__always) static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }

    public static func hash(_ buf: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let n = buf.count
        var i = 0
        var h: UInt64
        @inline(__always) func read64(_ at: Int) -> UInt64 { UInt64(littleEndian: buf.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
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
        return finish(h &+ UInt64(n), UnsafeRawBufferPointer(rebasing: buf[i...]))
    }

    /// The end of a hash: the last `tail.count` (< 32) input bytes folded into `h` (which already holds
    /// the lanes and the total length), then the avalanche.
    @inline(__always)
    static func finish(_ start: UInt64, _ tail: UnsafeRawBufferPointer) -> UInt64 {
        var h = start, i = 0
        let n = tail.count
        while i + 8 <= n {
            h ^= round(0, UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            h = rotl(h, 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= n {
            h ^= UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* p1
            h = rotl(h, 23) &* p2 &+ p3
            i += 4
        }
        while i < n {
            h ^= UInt64(tail[i]) &* p5
            h = rotl(h, 11) &* p1
            i += 1
        }
        h ^= h >> 33; h = h &* p2
        h ^= h >> 29; h = h &* p3
        h ^= h >> 32
        return h
    }

    /// XXH64 of bytes given in pieces, without joining them: `digest` equals `hash` of the pieces
    /// joined, with the same seed.
    public struct Stream {
        private let seed: UInt64
        private var v1: UInt64, v2: UInt64, v3: UInt64, v4: UInt64
        private var total = 0
        /// Input not yet folded into the lanes (fewer than 32 bytes), in `buffer`'s first bytes.
        private var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        private var buffered = 0

        public init(seed: UInt64) {
            self.seed = seed
            v1 = seed &+ XXH64.p1 &+ XXH64.p2; v2 = seed &+ XXH64.p2; v3 = seed; v4 = seed &- XXH64.p1
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            let n = bytes.count
            guard n > 0, let base = bytes.baseAddress else { return }
            total += n
            var i = 0
            if buffered > 0 {
                let take = min(32 - buffered, n)
                let at = buffered
                withUnsafeMutableBytes(of: &buffer) { $0.baseAddress!.advanced(by: at).copyMemory(from: base, byteCount: take) }
                buffered += take
                i = take
                guard buffered == 32 else { return }
                let full = buffer
                withUnsafeBytes(of: full) { stripe($0, at: 0) }
                buffered = 0
            }
            while i + 32 <= n {
                stripe(bytes, at: i)
                i += 32
            }
            if i < n {
                withUnsafeMutableBytes(of: &buffer) { $0.baseAddress!.copyMemory(from: base + i, byteCount: n - i) }
                buffered = n - i
            }
        }

        @inline(__always)
        private mutating func stripe(_ b: UnsafeRawBufferPointer, at i: Int) {
            @inline(__always) func read64(_ at: Int) -> UInt64 { UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
            v1 = XXH64.round(v1, read64(i)); v2 = XXH64.round(v2, read64(i + 8))
            v3 = XXH64.round(v3, read64(i + 16)); v4 = XXH64.round(v4, read64(i + 24))
        }

        /// The hash of everything given so far.
        public var digest: UInt64 {
            var h: UInt64
            if total >= 32 {
                h = XXH64.rotl(v1, 1) &+ XXH64.rotl(v2, 7) &+ XXH64.rotl(v3, 12) &+ XXH64.rotl(v4, 18)
                h = XXH64.merge(h, v1); h = XXH64.merge(h, v2); h = XXH64.merge(h, v3); h = XXH64.merge(h, v4)
            } else {
                h = seed &+ XXH64.p5
            }
            let count = buffered
            return withUnsafeBytes(of: buffer) { XXH64.finish(h &+ UInt64(total), UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
    }
}
