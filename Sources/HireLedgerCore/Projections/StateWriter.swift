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

    /// The indices of `d` in canonical (UTF-8 byte) order of their keys.
    ///
    /// Sorting was most of the encode time (a million-event state has 125k application ids). Each key
    /// is sorted by its first 32 UTF-8 bytes loaded as four big-endian integers (zero-padded), which
    /// orders like the bytes themselves for all but ties; ties (equal first 32 bytes, or keys that
    /// differ only in trailing NUL bytes) are settled by comparing the whole keys. Sorting indices, not
    /// keys, also saves the hash lookup per key when the values are written. Measured on 125k UUID keys:
    /// several times faster than `keys.sort(by: <)` followed by `d[key]!`.
    static func sortedIndices<V>(_ d: [String: V]) -> [Dictionary<String, V>.Index] {
        var items: [(UInt64, UInt64, UInt64, UInt64, Dictionary<String, V>.Index)] = []
        items.reserveCapacity(d.count)
        var i = d.startIndex
        while i != d.endIndex {
            let p = prefix(d.keys[i])
            items.append((p.0, p.1, p.2, p.3, i))
            d.formIndex(after: &i)
        }
        items.sort { x, y in
            if x.0 != y.0 { return x.0 < y.0 }
            if x.1 != y.1 { return x.1 < y.1 }
            if x.2 != y.2 { return x.2 < y.2 }
            if x.3 != y.3 { return x.3 < y.3 }
            return JSONObject.compareKeys(d.keys[x.4], d.keys[y.4]) < 0
        }
        return items.map(\.4)
    }

    /// The first 32 UTF-8 bytes of `key` as four big-endian words, zero-padded.
    @inline(__always) static func prefix(_ key: String) -> (UInt64, UInt64, UInt64, UInt64) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            if key.utf8.withContiguousStorageIfAvailable({ bytes in
                raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[..<min(32, bytes.count)]))
            }) == nil {
                for (j, b) in key.utf8.prefix(32).enumerated() { raw[j] = b }
            }
        }
        return (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2), UInt64(bigEndian: words.3))
    }

    /// `{key: value, ...}` over `d` in canonical key order.
    static func object<V>(_ w: inout JSONWriter, _ d: [String: V], _ value: (inout JSONWriter, V) -> Void) {
        w.append(UInt8(ascii: "{"))
        var first = true
        for index in sortedIndices(d) {
            if !first { w.append(UInt8(ascii: ",")) }
            first = false
            w.writeString(d.keys[index])
            w.append(UInt8(ascii: ":"))
            value(&w, d.values[index])
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
