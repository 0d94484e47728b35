extension JSONValue {
    /// The canonical form: members sorted by key (UTF-8 byte order), no insignificant whitespace,
    /// numbers as written, strings with the minimal escapes (`"`, `\`, control characters) and all
    /// other characters as raw UTF-8. Equal values always give equal bytes.
    public func canonicalBytes() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.withBytes { bytes in
            Array(unsafeUninitializedCapacity: bytes.count) { buffer, count in
                if let target = buffer.baseAddress, let source = bytes.baseAddress {
                    target.initialize(from: source, count: bytes.count)
                }
                count = bytes.count
            }
        }
    }

    public var canonicalString: String {
        var writer = JSONWriter()
        writer.write(self)
        return writer.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends the canonical form to `out`.
    public func writeCanonical(into out: inout [UInt8]) {
        var writer = JSONWriter()
        writer.write(self)
        writer.withBytes { out.append(contentsOf: $0) }
    }

    /// Calls `body` with the canonical form, without building an array (for hashing or storing it).
    public func withCanonicalBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        var writer = JSONWriter()
        writer.write(self)
        return try writer.withBytes(body)
    }

    /// Appends `s` as a JSON string literal with the minimal escapes.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        var writer = JSONWriter()
        writer.writeString(s)
        writer.withBytes { out.append(contentsOf: $0) }
    }
}

extension JSONValue: CustomStringConvertible {
    /// The canonical JSON text.
    public var description: String { canonicalString }
}

/// A growable byte buffer that writes canonical JSON.
///
/// It owns raw memory rather than appending to a `[UInt8]` because `Array.append` checks uniqueness
/// and capacity per call, which was a third of the writer's time; here an append is a bounds check
/// and a store. Non-copyable, so the memory has exactly one owner and is freed in `deinit`.
struct JSONWriter: ~Copyable {
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        self.capacity = Swift.max(capacity, 16)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with the bytes written so far; they are valid only inside `body`.
    func withBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(UnsafeBufferPointer(start: buffer, count: count))
    }

    /// Makes room for `n` more bytes.
    @inline(__always) mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(to: count + n) }
    }

    @inline(never) mutating func grow(to needed: Int) {
        let newCapacity = Swift.max(capacity * 2, needed)
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBuffer.initialize(from: buffer, count: count)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    /// Drops the bytes written after the first `n`.
    mutating func truncate(to n: Int) {
        precondition(n >= 0 && n <= count, "truncating to within what was written")
        count = n
    }

    /// Appends one byte; the caller has reserved room.
    @inline(__always) mutating func put(_ b: UInt8) {
        buffer[count] = b
        count += 1
    }

    @inline(__always) mutating func append(_ b: UInt8) {
        reserve(1)
        put(b)
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        if let source = bytes.baseAddress { (buffer + count).initialize(from: source, count: bytes.count) }
        count += bytes.count
    }

    mutating func append(_ word: StaticString) {
        append(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let n): writeRaw(n.text)
        case .string(let s): writeString(s)
        case .array(let items):
            append(UInt8(ascii: "["))
            // Indexing a buffer borrows each element; `for item in items` copied (retained) each one.
            items.withUnsafeBufferPointer { items in
                for i in items.indices {
                    if i > 0 { append(UInt8(ascii: ",")) }
                    write(items[i])
                }
            }
            append(UInt8(ascii: "]"))
        case .object(let o):
            append(UInt8(ascii: "{"))
            o.members.withUnsafeBufferPointer { members in
                for i in members.indices {
                    if i > 0 { append(UInt8(ascii: ",")) }
                    writeString(members[i].key)
                    append(UInt8(ascii: ":"))
                    write(members[i].value)
                }
            }
            append(UInt8(ascii: "}"))
        }
    }

    /// Appends the UTF-8 of `s` unchanged (number text).
    mutating func writeRaw(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
            for b in s.utf8 { append(b) }
        }
    }

    /// Appends `s` as a string literal: `"` and `\` escaped, `\n \r \t \b \f` for those controls,
    /// `\u00XX` for the other control characters, everything else as raw UTF-8.
    mutating func writeString(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ writeString(utf8: $0) }) == nil {
            // Bridged or otherwise non-contiguous strings (never produced by the parser).
            let copy = Array(s.utf8)
            copy.withUnsafeBufferPointer { writeString(utf8: $0) }
        }
    }

    mutating func writeString(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        guard let p = bytes.baseAddress, n > 0 else { append("\"\""); return }
        // Most strings need no escapes: the run before the first byte that does is copied at once.
        let i = JSONStringEscaping.plainPrefix(p, count: n)
        if i == n {
            reserve(n + 2)
            put(UInt8(ascii: "\""))
            (buffer + count).initialize(from: p, count: n)
            count += n
            put(UInt8(ascii: "\""))
            return
        }
        reserve(i + JSONStringEscaping.escapedCapacity(n - i) + 2)
        put(UInt8(ascii: "\""))
        (buffer + count).initialize(from: p, count: i)
        count += i
        count += JSONStringEscaping.writeEscaped(p, from: i, count: n, to: buffer + count)
        put(UInt8(ascii: "\""))
    }
}
