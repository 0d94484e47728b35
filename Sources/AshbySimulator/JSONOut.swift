import HireLedgerCore

/// An ordered JSON writer into bytes, for responses whose key order should look like Ashby's.
///
/// Commas are placed automatically: every key or value after a sibling gets one. Callers must keep
/// `key` and value calls balanced inside objects; nothing is validated (this is the simulator's
/// own output).
///
/// It owns raw memory rather than appending to a `[UInt8]` (as `HireLedgerCore`'s JSON writer does):
/// `Array.append` checks uniqueness and capacity per call, and a list page makes hundreds of thousands
/// of small writes. Non-copyable, so the memory has one owner and is freed in `deinit`; `bytes` copies
/// the result out once. Strings are escaped exactly as `JSONValue.writeString` escapes them.
struct JSONOut: ~Copyable {
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var needsComma = false

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 64)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    /// The bytes written so far.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: buffer, count: count)) }

    // MARK: raw output

    /// Makes room for `n` more bytes.
    @inline(__always) private mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(to: count + n) }
    }

    @inline(never) private mutating func grow(to needed: Int) {
        let newCapacity = max(capacity * 2, needed)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.initialize(from: buffer, count: count)
        buffer.deallocate()
        buffer = bigger
        capacity = newCapacity
    }

    /// Stores one byte; room must have been reserved.
    @inline(__always) private mutating func put(_ b: UInt8) {
        buffer[count] = b
        count += 1
    }

    @inline(__always) private mutating func put(_ p: UnsafeRawPointer, _ n: Int) {
        (buffer + count).initialize(from: p.assumingMemoryBound(to: UInt8.self), count: n)
        count += n
    }

    /// A comma if a sibling came before; reserves `n` more bytes (beyond the comma).
    @inline(__always) private mutating func sep(reserving n: Int) {
        reserve(n + 1)
        if needsComma { put(0x2C) }
    }

    // MARK: structure

    mutating func beginObject() { sep(reserving: 1); put(0x7B); needsComma = false }
    mutating func endObject() { reserve(1); put(0x7D); needsComma = true }
    mutating func beginArray() { sep(reserving: 1); put(0x5B); needsComma = false }
    mutating func endArray() { reserve(1); put(0x5D); needsComma = true }

    mutating func key(_ k: StaticString) {
        let n = k.utf8CodeUnitCount
        sep(reserving: n + 3)
        put(0x22)
        put(UnsafeRawPointer(k.utf8Start), n)
        put(0x22); put(0x3A)
        needsComma = false
    }

    // MARK: values

    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { writeString($0) }
        needsComma = true
    }
    mutating func string(_ s: String?) { if let s { string(s) } else { null() } }
    mutating func raw(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        sep(reserving: n)
        put(UnsafeRawPointer(s.utf8Start), n)
        needsComma = true
    }
    mutating func rawString(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        sep(reserving: n + 2)
        put(0x22); put(UnsafeRawPointer(s.utf8Start), n); put(0x22)
        needsComma = true
    }
    mutating func null() { raw("null") }
    mutating func bool(_ b: Bool) { b ? raw("true") : raw("false") }
    mutating func int(_ i: Int64) {
        sep(reserving: 20)
        if i < 0 { put(0x2D) }
        var m = i.magnitude  // Int64.min included
        var length = 1
        var rest = m
        while rest >= 10 { rest /= 10; length += 1 }
        var at = count + length - 1
        repeat {
            buffer[at] = UInt8(truncatingIfNeeded: 0x30 + m % 10)
            m /= 10
            at -= 1
        } while m > 0
        count += length
        needsComma = true
    }
    mutating func int(_ i: Int) { int(Int64(i)) }
    mutating func double(_ d: Double) {
        let text = JSONNumber(d)?.text ?? "0"
        var t = text
        t.withUTF8 { u in
            sep(reserving: u.count)
            put(UnsafeRawPointer(u.baseAddress!), u.count)
        }
        needsComma = true
    }
    mutating func id(_ id: SimID) {
        sep(reserving: 38)
        put(0x22)
        id.write(to: buffer + count)
        count += 36
        put(0x22)
        needsComma = true
    }
    mutating func id(_ id: SimID?) { if let id, !id.isNone { self.id(id) } else { null() } }
    /// The string `prefix` + the id's text + `suffix`, written in place (a link or handle naming a
    /// record) instead of interpolated into a `String` first. Both parts are plain ASCII constants that
    /// need no escaping (checked in debug builds).
    mutating func idString(_ prefix: StaticString, _ id: SimID, _ suffix: StaticString = "") {
        let p = prefix.utf8CodeUnitCount, q = suffix.utf8CodeUnitCount
        assert(UnsafeBufferPointer(start: prefix.utf8Start, count: p).allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != 0x22 && $0 != 0x5C }
               && UnsafeBufferPointer(start: suffix.utf8Start, count: q).allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != 0x22 && $0 != 0x5C })
        sep(reserving: p + q + 38)
        put(0x22)
        put(UnsafeRawPointer(prefix.utf8Start), p)
        id.write(to: buffer + count)
        count += 36
        put(UnsafeRawPointer(suffix.utf8Start), q)
        put(0x22)
        needsComma = true
    }
    mutating func value(_ v: JSONValue) {
        var scratch: [UInt8] = []
        v.writeCanonical(into: &scratch)
        scratch.withUnsafeBufferPointer { b in
            sep(reserving: b.count)
            if b.count > 0 { put(UnsafeRawPointer(b.baseAddress!), b.count) }
        }
        needsComma = true
    }
    mutating func emptyArray() { raw("[]") }

    /// ISO-8601 UTC with milliseconds, e.g. `2024-02-04T21:38:12.466Z`.
    mutating func time(_ ms: Int64) {
        sep(reserving: 26)
        put(0x22)
        JSONOut.writeTime(ms, to: buffer + count)
        count += 24
        put(0x22)
        needsComma = true
    }
    mutating func time(_ ms: Int64?) { if let ms { time(ms) } else { null() } }

    /// `YYYY-MM-DD` for a day number since 1970-01-01.
    mutating func date(day: Int32) {
        sep(reserving: 12)
        put(0x22)
        let d = CivilDate(daysSinceEpoch: Int(day))
        let p = buffer + count
        JSONOut.digits(d.year, 4, p); p[4] = 0x2D
        JSONOut.digits(d.month, 2, p + 5); p[7] = 0x2D
        JSONOut.digits(d.day, 2, p + 8)
        count += 10
        put(0x22)
        needsComma = true
    }

    /// Writes the 24 bytes of `YYYY-MM-DDTHH:MM:SS.mmmZ` at `p`.
    static func writeTime(_ ms: Int64, to p: UnsafeMutablePointer<UInt8>) {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let rem = Int(ms - days * 86_400_000)
        let d = CivilDate(daysSinceEpoch: Int(days))
        digits(d.year, 4, p); p[4] = 0x2D
        digits(d.month, 2, p + 5); p[7] = 0x2D
        digits(d.day, 2, p + 8); p[10] = 0x54
        digits(rem / 3_600_000, 2, p + 11); p[13] = 0x3A
        digits(rem / 60_000 % 60, 2, p + 14); p[16] = 0x3A
        digits(rem / 1000 % 60, 2, p + 17); p[19] = 0x2E
        digits(rem % 1000, 3, p + 20); p[23] = 0x5A
    }

    /// The last `width` decimal digits of `v` (zero-padded) at `p`.
    @inline(__always) static func digits(_ v: Int, _ width: Int, _ p: UnsafeMutablePointer<UInt8>) {
        var v = v
        var i = width - 1
        while i >= 0 {
            p[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
            v /= 10
            i -= 1
        }
    }

    // MARK: strings

    /// A JSON string of `bytes` (UTF-8), escaped as `JSONValue.writeString` does: `\"`, `\\`, `\n`,
    /// `\r`, `\t`, `\b`, `\f`, other control bytes as `\u00xx`, everything else as is.
    private mutating func writeString(_ bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        guard let p = bytes.baseAddress, n > 0 else {
            sep(reserving: 2); put(0x22); put(0x22)
            return
        }
        // JSON's escaping is Core's (`JSONStringEscaping`), written into this buffer.
        let i = JSONStringEscaping.plainPrefix(p, count: n)
        if i == n {
            sep(reserving: n + 2)
            put(0x22); put(UnsafeRawPointer(p), n); put(0x22)
            return
        }
        sep(reserving: i + JSONStringEscaping.escapedCapacity(n - i) + 2)
        put(0x22)
        put(UnsafeRawPointer(p), i)
        count += JSONStringEscaping.writeEscaped(p, from: i, count: n, to: buffer + count)
        put(0x22)
    }
}
