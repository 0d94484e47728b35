import HireLedgerCore

/// The raw hash of a record's bytes as the API sent them (`StateRow.rawHash`), which lets an unchanged
/// record skip parsing.
///
/// Ashby signs file handles anew on every read, so a candidate's bytes differ from one response to the
/// next although nothing changed. For kinds whose volatile fields are all `handle` members (candidates,
/// applications, offers under the standard normaliser), the value of every `handle` member is left out
/// of the hash: those records keep the fast path. The rule a caller relies on still holds: two items
/// with the same raw hash differ at most in `handle` values, which normalisation removes, so they
/// normalise to the same record. (A kind with any other volatile field hashes its bytes whole.)
enum RawRecordHash {
    /// Whether `kind`'s raw hashes leave `handle` values out.
    static func masksHandles(_ kind: EntityKind, _ normalizer: RecordNormalizer) -> Bool {
        guard let fields = normalizer.volatileFields[kind], !fields.isEmpty else { return false }
        return fields.allSatisfy { $0.description.hasSuffix(".handle") }
    }

    private static let key = Array("\"handle\"".utf8)

    /// XXH64 of `bytes` with `seed`; with `maskHandles`, of the bytes with each `"handle": "<string>"`
    /// member's string value replaced by `""` (members only: the key must follow `{` or `,`).
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64, maskHandles: Bool) -> ContentHash {
        guard maskHandles, let spans = handleValues(bytes), !spans.isEmpty else {
            return ContentHash(value: XXH64.hash(bytes, seed: seed))
        }
        // The bytes with each span replaced by `""`, hashed piece by piece (no copy of the record).
        var stream = XXH64.Stream(seed: seed)
        let emptyString: UInt16 = 0x2222
        var from = 0
        for span in spans {
            stream.update(UnsafeRawBufferPointer(rebasing: bytes[from..<span.lowerBound]))
            withUnsafeBytes(of: emptyString) { stream.update($0) }
            from = span.upperBound
        }
        stream.update(UnsafeRawBufferPointer(rebasing: bytes[from...]))
        return ContentHash(value: stream.digest)
    }

    /// The byte ranges of the string values of `handle` members (quotes included), in order; nil when a
    /// `handle` member's value is not a string (then the bytes are hashed whole).
    static func handleValues(_ b: UnsafeRawBufferPointer) -> [Range<Int>]? {
        var out: [Range<Int>] = []
        let n = b.count, k = 8
        var from = 0
        while let i = nextKey(b, from: from) {
            // A member key: the previous non-space byte opens an object or separates members.
            var p = i - 1
            while p >= 0, isSpace(b[p]) { p -= 1 }
            guard p >= 0, b[p] == 0x7B || b[p] == 0x2C else { from = i + k; continue }
            var q = i + k
            while q < n, isSpace(b[q]) { q += 1 }
            guard q < n, b[q] == 0x3A else { from = i + k; continue }
            q += 1
            while q < n, isSpace(b[q]) { q += 1 }
            guard q < n else { return nil }
            if b[q] != 0x22 {
                if b[q] == 0x6E { from = q; continue }  // null: nothing to mask
                return nil
            }
            var e = q + 1
            while e < n, b[e] != 0x22 { e += b[e] == 0x5C ? 2 : 1 }
            guard e < n else { return nil }
            out.append(q..<(e + 1))
            from = e + 1
        }
        return out
    }

    /// `"handle"` (8 bytes) as a little-endian word.
    private static let keyWord = key.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }

    /// The offset of the next `"handle"` at or after `from`; nil when there is none. Eight positions at a
    /// time: the bytes that are a quote followed by an `h` (exact per-byte masks, rare in a record), each
    /// then compared with the whole key; a byte-wise check of the last few positions.
    @inline(__always)
    static func nextKey(_ b: UnsafeRawBufferPointer, from: Int) -> Int? {
        let n = b.count
        var i = from
        @inline(__always) func word(_ at: Int) -> UInt64 { UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        // The high bit of every byte of `v` that is zero, and of no other.
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 {
            let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            return ~(((v & low) &+ low) | v | low)
        }
        while i + 16 <= n {
            var m = zeroBytes(word(i) ^ 0x2222_2222_2222_2222) & zeroBytes(word(i + 1) ^ 0x6868_6868_6868_6868)
            while m != 0 {
                let p = i + m.trailingZeroBitCount / 8
                if word(p) == keyWord { return p }
                m &= m &- 1
            }
            i += 8
        }
        while i + 8 <= n {
            if word(i) == keyWord { return i }
            i += 1
        }
        return nil
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
}
