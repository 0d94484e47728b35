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
        var masked: [UInt8] = []
        masked.reserveCapacity(bytes.count)
        var from = 0
        for span in spans {
            masked.append(contentsOf: bytes[from..<span.lowerBound])
            masked.append(contentsOf: [0x22, 0x22])
            from = span.upperBound
        }
        masked.append(contentsOf: bytes[from...])
        return masked.withUnsafeBytes { ContentHash(value: XXH64.hash($0, seed: seed)) }
    }

    /// The byte ranges of the string values of `handle` members (quotes included), in order; nil when a
    /// `handle` member's value is not a string (then the bytes are hashed whole).
    static func handleValues(_ b: UnsafeRawBufferPointer) -> [Range<Int>]? {
        var out: [Range<Int>] = []
        let n = b.count, k = key.count
        var i = 0
        while i + k <= n {
            guard b[i] == 0x22, b[i + 1] == 0x68 /* h */ else { i += 1; continue }
            var match = true
            for j in 2..<k where b[i + j] != key[j] { match = false; break }
            guard match else { i += 1; continue }
            // A member key: the previous non-space byte opens an object or separates members.
            var p = i - 1
            while p >= 0, isSpace(b[p]) { p -= 1 }
            guard p >= 0, b[p] == 0x7B || b[p] == 0x2C else { i += k; continue }
            var q = i + k
            while q < n, isSpace(b[q]) { q += 1 }
            guard q < n, b[q] == 0x3A else { i += k; continue }
            q += 1
            while q < n, isSpace(b[q]) { q += 1 }
            guard q < n else { return nil }
            if b[q] != 0x22 {
                if b[q] == 0x6E { i = q; continue }  // null: nothing to mask
                return nil
            }
            var e = q + 1
            while e < n, b[e] != 0x22 { e += b[e] == 0x5C ? 2 : 1 }
            guard e < n else { return nil }
            out.append(q..<(e + 1))
            i = e + 1
        }
        return out
    }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
}
