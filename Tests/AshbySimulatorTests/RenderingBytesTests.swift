@testable import AshbySimulator
import HireLedgerCore
import Testing

/// The byte-level writers behind every response: the SWAR UUID writer against the digit-by-digit one,
/// and `JSONOut`'s strings, numbers and times against `JSONValue`'s canonical writer.
struct RenderingBytesTests {
    @Test func uuidWriterMatchesTheDigitByDigitForm() {
        var rng = SeededRandom(seed: 7, stream: 1)
        var ids = [SimID(hi: 0, lo: 0), SimID(hi: .max, lo: .max), SimID(hi: 0x0123_4567_89AB_CDEF, lo: 0xFEDC_BA98_7654_3210)]
        for _ in 0..<2000 { ids.append(SimID(hi: rng.next(), lo: rng.next())) }
        for id in ids {
            let reference = Self.digitByDigit(id)
            var out = JSONOut()
            out.id(id)
            #expect(out.bytes == [0x22] + reference + [0x22], "\(id.string)")
            #expect(Array(id.string.utf8) == reference)
            #expect(SimID(id.string) == id)
        }
    }

    /// The UUID form written one hex digit at a time: 8-4-4-4-12 digits of `hi` then `lo`.
    static func digitByDigit(_ id: SimID) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for (i, shift) in stride(from: 124, through: 0, by: -4).enumerated() {
            if [8, 12, 16, 20].contains(i) { out.append(UInt8(ascii: "-")) }
            let nibble = shift >= 64 ? (id.hi >> UInt64(shift - 64)) & 0xF : (id.lo >> UInt64(shift)) & 0xF
            out.append(digits[Int(nibble)])
        }
        return out
    }

    @Test func stringsNumbersAndTimesMatchTheCanonicalWriter() {
        let strings = ["", "a", "plain ascii text that is longer than eight bytes", "quote \" and backslash \\",
                       "tab\tnewline\ncr\rbs\u{8}ff\u{C}", "\u{1}\u{1F}\u{7F}", "é ü 日本語 🙂", "12345678\"", "1234567\\",
                       String(repeating: "x", count: 5000) + "\n"]
        for s in strings {
            var out = JSONOut(capacity: 1)
            out.beginArray(); out.string(s); out.string(s); out.endArray()
            #expect(out.bytes == JSONValue.array([.string(s), .string(s)]).canonicalBytes(), "\(s.debugDescription)")
        }
        for n: Int64 in [0, 1, -1, 9, 10, 99, 100, 1_234_567, -98_765, .max, .min] {
            var out = JSONOut()
            out.int(n)
            #expect(String(decoding: out.bytes, as: UTF8.self) == String(n))
        }
        var out = JSONOut()
        out.beginObject()
        out.key("t"); out.time(Int64(1_707_082_692_466))
        out.key("e"); out.time(Int64(-1))
        out.key("d"); out.date(day: 19_757)
        out.key("n"); out.null()
        out.key("b"); out.bool(true)
        out.endObject()
        #expect(String(decoding: out.bytes, as: UTF8.self)
            == #"{"t":"2024-02-04T21:38:12.466Z","e":"1969-12-31T23:59:59.999Z","d":"2024-02-04","n":null,"b":true}"#)
    }
}
