/// Writes the canonical JSON of the large parts of projection states straight into a `JSONWriter`.
///
/// Why not `state.json.canonicalBytes()`: building the `JSONValue` tree first allocates several
/// arrays, objects and number strings per timeline version, which made encoding a million-event
/// headcount state take ~0.8 s (three encodes were half of a full rebuild). Writing directly is
/// several times faster. The price is that the member order of each object is written by hand here
/// and must be the canonical (UTF-8 byte) order; `json` stays the reference form, and the tests
/// compare `encode(state)` with `state.json.canonicalBytes()` byte for byte (`StateWriterTests`).
enum StateWriter {
    /// The bytes `body` writes.
    static func bytes(capacity: Int = 1 << 16, _ body: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        body(&writer)
        return writer.withBytes { bytes in
            Array(unsafeUninitializedCapacity: bytes.count) { buffer, count in
                if let target = buffer.baseAddress, let source = bytes.baseAddress {
                    target.initialize(from: source, count: bytes.count)
                }
                count = bytes.count
            }
        }
    }

    /// The keys of `d` in canonical (UTF-8 byte) order.
    static func sortedKeys<V>(_ d: [String: V]) -> [String] {
        var keys = Array(d.keys)
        // Sorting was most of the encode time. For ASCII strings Swift's `<` (Unicode scalar order of
        // NFC text) is exactly UTF-8 byte order and takes a memcmp fast path, several times faster
        // than `compareKeys`; any non-ASCII key sends the whole sort through `compareKeys`.
        if keys.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) {
            keys.sort(by: <)
        } else {
            keys.sort { JSONObject.compareKeys($0, $1) < 0 }
        }
        return keys
    }

    /// `{key: value, ...}` over `d` in canonical key order.
    static func object<V>(_ w: inout JSONWriter, _ d: [String: V], _ value: (inout JSONWriter, V) -> Void) {
        w.append(UInt8(ascii: "{"))
        var first = true
        for key in sortedKeys(d) {
            if !first { w.append(UInt8(ascii: ",")) }
            first = false
            w.writeString(key)
            w.append(UInt8(ascii: ":"))
            value(&w, d[key]!)
        }
        w.append(UInt8(ascii: "}"))
    }
}

extension JSONWriter {
    /// `"key":` (the caller keeps members in canonical order and writes the commas).
    @inline(__always) mutating func key(_ k: StaticString) {
        append(UInt8(ascii: "\""))
        append(k)
        append("\":")
    }

    /// An integer as `String(value)` writes it (the text `JSONNumber(value)` holds).
    mutating func writeInt(_ value: Int64) {
        if value < 0 { append(UInt8(ascii: "-")) }
        // Magnitude as UInt64, so Int64.min does not overflow.
        writeUInt(value.magnitude)
    }

    mutating func writeUInt(_ value: UInt64) {
        reserve(20)
        var m = value
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, no heap
        var n = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            repeat {
                scratch[n] = UInt8(ascii: "0") + UInt8(m % 10)
                m /= 10
                n += 1
            } while m > 0
            for i in stride(from: n - 1, through: 0, by: -1) { put(scratch[i]) }
        }
    }

    mutating func writeTimestamp(_ t: Timestamp) { writeInt(t.millisecondsSinceEpoch) }

    /// A string or `null`.
    mutating func writeOptional(_ s: String?) {
        if let s { writeString(s) } else { append("null") }
    }
}
