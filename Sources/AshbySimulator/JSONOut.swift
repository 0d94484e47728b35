import HireLedgerCore

/// An ordered JSON writer into bytes, for responses whose key order should look like Ashby's.
///
/// Commas are placed automatically: every key or value after a sibling gets one. Callers must keep
/// `key` and value calls balanced inside objects; nothing is validated (this is the simulator's
/// own output).
struct JSONOut {
    var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    @inline(__always) private mutating func sep() {
        if needsComma { bytes.append(0x2C) }
    }

    mutating func beginObject() { sep(); bytes.append(0x7B); needsComma = false }
    mutating func endObject() { bytes.append(0x7D); needsComma = true }
    mutating func beginArray() { sep(); bytes.append(0x5B); needsComma = false }
    mutating func endArray() { bytes.append(0x5D); needsComma = true }

    mutating func key(_ k: StaticString) {
        sep()
        bytes.append(0x22)
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22); bytes.append(0x3A)
        needsComma = false
    }

    mutating func string(_ s: String) { sep(); JSONValue.writeString(s, into: &bytes); needsComma = true }
    mutating func string(_ s: String?) { if let s { string(s) } else { null() } }
    mutating func raw(_ s: StaticString) { sep(); s.withUTF8Buffer { bytes.append(contentsOf: $0) }; needsComma = true }
    mutating func rawString(_ s: StaticString) {
        sep(); bytes.append(0x22); s.withUTF8Buffer { bytes.append(contentsOf: $0) }; bytes.append(0x22); needsComma = true
    }
    mutating func null() { raw("null") }
    mutating func bool(_ b: Bool) { b ? raw("true") : raw("false") }
    mutating func int(_ i: Int64) { sep(); bytes.append(contentsOf: String(i).utf8); needsComma = true }
    mutating func int(_ i: Int) { int(Int64(i)) }
    mutating func double(_ d: Double) { sep(); bytes.append(contentsOf: (JSONNumber(d)?.text ?? "0").utf8); needsComma = true }
    mutating func id(_ id: SimID) { sep(); bytes.append(0x22); id.write(into: &bytes); bytes.append(0x22); needsComma = true }
    mutating func id(_ id: SimID?) { if let id, !id.isNone { self.id(id) } else { null() } }
    mutating func value(_ v: JSONValue) { sep(); v.writeCanonical(into: &bytes); needsComma = true }
    mutating func emptyArray() { raw("[]") }

    /// ISO-8601 UTC with milliseconds, e.g. `2024-02-04T21:38:12.466Z`.
    mutating func time(_ ms: Int64) {
        sep()
        bytes.append(0x22)
        JSONOut.writeTime(ms, into: &bytes)
        bytes.append(0x22)
        needsComma = true
    }
    mutating func time(_ ms: Int64?) { if let ms { time(ms) } else { null() } }

    /// `YYYY-MM-DD` for a day number since 1970-01-01.
    mutating func date(day: Int32) {
        sep(); bytes.append(0x22)
        let d = CivilDate(daysSinceEpoch: Int(day))
        JSONOut.digits(d.year, 4, &bytes); bytes.append(0x2D)
        JSONOut.digits(d.month, 2, &bytes); bytes.append(0x2D)
        JSONOut.digits(d.day, 2, &bytes)
        bytes.append(0x22); needsComma = true
    }

    static func writeTime(_ ms: Int64, into out: inout [UInt8]) {
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let rem = Int(ms - days * 86_400_000)
        let d = CivilDate(daysSinceEpoch: Int(days))
        digits(d.year, 4, &out); out.append(0x2D)
        digits(d.month, 2, &out); out.append(0x2D)
        digits(d.day, 2, &out); out.append(0x54)
        digits(rem / 3_600_000, 2, &out); out.append(0x3A)
        digits(rem / 60_000 % 60, 2, &out); out.append(0x3A)
        digits(rem / 1000 % 60, 2, &out); out.append(0x2E)
        digits(rem % 1000, 3, &out); out.append(0x5A)
    }

    @inline(__always) static func digits(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var div = 1
        for _ in 1..<width { div *= 10 }
        var v = v
        while div > 0 { out.append(UInt8(0x30 + v / div % 10)); v %= div * 10; div /= 10 }
    }
}
