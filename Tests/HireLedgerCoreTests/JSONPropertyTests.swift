import Testing
@testable import HireLedgerCore

struct JSONPropertyTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func parsingCanonicalBytesGivesTheSameValue(seed: UInt64) throws {
        var rng = TestRandom(seed: seed)
        for _ in 0..<250 {
            let v = RandomJSONValues.value(&rng)
            let canonical = v.canonicalBytes()
            let reparsed = try JSONValue.parse(canonical)
            #expect(reparsed == v, "\(v)")
            #expect(reparsed.canonicalBytes() == canonical)
            #expect(reparsed.contentHash == v.contentHash)
        }
    }

    @Test(arguments: [5, 6, 7, 8] as [UInt64])
    func looselyWrittenTextParsesToTheSameValue(seed: UInt64) throws {
        var rng = TestRandom(seed: seed)
        for _ in 0..<250 {
            let v = RandomJSONValues.value(&rng)
            let loose = LooseJSONWriter.write(v, using: &rng)
            let reparsed = try JSONValue.parse(loose)
            #expect(reparsed == v, "\(String(decoding: loose, as: UTF8.self))")
            #expect(reparsed.canonicalBytes() == v.canonicalBytes())
        }
    }

    @Test func valuesWithDifferentCanonicalBytesAreUnequal() {
        var rng = TestRandom(seed: 9)
        let values = (0..<300).map { _ in RandomJSONValues.value(&rng) }
        for (a, b) in zip(values, values.dropFirst()) {
            #expect((a == b) == (a.canonicalBytes() == b.canonicalBytes()))
        }
    }
}


/// Deterministic pseudo-random numbers for property-style tests.
typealias TestRandom = SplitMix64

extension SplitMix64 {
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, below(i + 1)) }
    }
}

/// Writes valid but non-canonical JSON for a value: members in random order, random whitespace, and
/// random (but correct) escapes, including `\u` escapes and surrogate pairs. An independent writer,
/// so the parser is tested against text the canonical writer would never produce.
enum LooseJSONWriter {
    /// With `escapeKeys` false, keys are written without escapes (when they need none).
    static func write(_ value: JSONValue, using rng: inout TestRandom, escapeKeys: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out, &rng, escapeKeys: escapeKeys)
        space(&out, &rng)
        return out
    }

    static func space(_ out: inout [UInt8], _ rng: inout TestRandom) {
        for _ in 0..<rng.below(3) { out.append(rng.pick([0x20, 0x0A, 0x0D, 0x09])) }
    }

    static func write(_ value: JSONValue, into out: inout [UInt8], _ rng: inout TestRandom, escapeKeys: Bool = true) {
        space(&out, &rng)
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let n): out += Array(n.text.utf8)
        case .string(let s): string(s, into: &out, &rng)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { space(&out, &rng); out.append(UInt8(ascii: ",")) }
                write(item, into: &out, &rng, escapeKeys: escapeKeys)
            }
            space(&out, &rng)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            var members = Array(o.members)
            rng.shuffle(&members)
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { space(&out, &rng); out.append(UInt8(ascii: ",")) }
                space(&out, &rng)
                string(m.key, into: &out, &rng, escapes: escapeKeys)
                space(&out, &rng)
                out.append(UInt8(ascii: ":"))
                write(m.value, into: &out, &rng, escapeKeys: escapeKeys)
            }
            space(&out, &rng)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// With `escapes` false, only the characters that must be escaped are.
    static func string(_ s: String, into out: inout [UInt8], _ rng: inout TestRandom, escapes: Bool = true) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let v = scalar.value
            let mustEscape = v < 0x20 || v == 0x22 || v == 0x5C
            if mustEscape || (escapes && rng.oneIn(8)) {
                if v == 0x2F, rng.oneIn(2) {
                    out += Array("\\/".utf8)
                } else if v >= 0x10000 {
                    let u = v - 0x10000
                    hex(0xD800 + (u >> 10), into: &out, upper: rng.oneIn(2))
                    hex(0xDC00 + (u & 0x3FF), into: &out, upper: rng.oneIn(2))
                } else if v == 0x22 || v == 0x5C, rng.oneIn(2) {
                    out += [0x5C, UInt8(v)]
                } else if v == 0x0A, rng.oneIn(2) {
                    out += Array("\\n".utf8)
                } else {
                    hex(v, into: &out, upper: rng.oneIn(2))
                }
            } else {
                out += Array(String(Character(scalar)).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func hex(_ v: UInt32, into out: inout [UInt8], upper: Bool) {
        var digits = String(v, radix: 16, uppercase: upper)
        digits = String(repeating: "0", count: 4 - digits.count) + digits
        out += Array("\\u\(digits)".utf8)
    }
}

/// Random JSON values: nested containers, unicode strings with controls, quotes and astral characters,
/// numbers in every syntactic shape (kept as text), keys that differ only by byte order.
enum RandomJSONValues {
    static func value(_ rng: inout TestRandom, depth: Int = 0) -> JSONValue {
        let kinds = depth >= 4 ? 4 : 6
        switch rng.below(kinds) {
        case 0: return rng.oneIn(2) ? .null : .bool(rng.oneIn(2))
        case 1: return .number(number(&rng))
        case 2, 3: return .string(string(&rng))
        case 4: return .array((0..<rng.below(5)).map { _ in value(&rng, depth: depth + 1) })
        default:
            return .object(JSONObject((0..<rng.below(6)).map { _ in (string(&rng), value(&rng, depth: depth + 1)) }))
        }
    }

    static func number(_ rng: inout TestRandom) -> JSONNumber {
        var text = rng.oneIn(3) ? "-" : ""
        if rng.oneIn(4) { text += "0" } else {
            text += String(1 + rng.below(9))
            for _ in 0..<rng.below(25) { text += String(rng.below(10)) }  // up to 26 digits: beyond Int64
        }
        if rng.oneIn(3) { text += "." + (0..<1 + rng.below(4)).map { _ in String(rng.below(10)) }.joined() }
        if rng.oneIn(4) { text += rng.pick(["e", "E"]) + rng.pick(["", "+", "-"]) + String(rng.below(400)) }
        return JSONNumber(unchecked: text)
    }

    static let alphabet: [Unicode.Scalar] = [
        "a", "b", "Z", "0", " ", "/", "\"", "\\", "\u{0}", "\u{1}", "\n", "\t", "\u{1F}", "\u{7F}",
        "é", "e", "\u{301}", "ß", "Ж", "中", "\u{2028}", "\u{FEFF}", "\u{FFFF}", "😀", "\u{10FFFF}", "Ａ",
    ]

    static func string(_ rng: inout TestRandom) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<rng.below(12) { s.append(rng.pick(alphabet)) }
        return String(s)
    }
}
