import Testing
@testable import HireLedgerCore

/// `JSONValue.parse(_:selecting:)` must give exactly `selection.prune(parse(bytes))` (projections
/// fold the pruned data and must reach the same state), and must still reject broken text in the
/// parts it skips.
struct JSONSelectionTests {
    static func randomSelection(_ g: inout SeededGenerator, depth: Int = 0) -> JSONSelection {
        switch Int.random(in: 0..<(depth >= 3 ? 1 : 4), using: &g) {
        case 0: return .all
        case 1, 2:
            let keys = RandomJSON.keys.filter { _ in Bool.random(using: &g) }
            return .members(Dictionary(uniqueKeysWithValues: keys.map { ($0, randomSelection(&g, depth: depth + 1)) }))
        default: return .elements(randomSelection(&g, depth: depth + 1))
        }
    }

    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func selectiveParseEqualsPruningTheFullParse(seed: UInt64) throws {
        var g = SeededGenerator(seed: seed)
        for _ in 0..<400 {
            let value = RandomJSON.value(&g)
            let selection = Self.randomSelection(&g)
            // Both compact canonical text and text with whitespace and keys out of order.
            for text in [value.canonicalBytes(), Array(Self.loose(value).utf8)] {
                let full = try JSONValue.parse(text)
                let selected = try JSONValue.parse(text, selecting: selection)
                #expect(selected == selection.prune(full), "seed \(seed): \(String(decoding: text, as: UTF8.self))")
            }
        }
    }

    /// `value` written with spaces and each object's members in reverse order.
    static func loose(_ value: JSONValue) -> String {
        switch value {
        case .object(let o):
            return "{ " + o.reversed().map { "\(JSONValue.string($0.key).description) :\n\(loose($0.value))" }.joined(separator: " , ") + " }"
        case .array(let items):
            return "[ " + items.map(loose).joined(separator: ", ") + " ]"
        default:
            return value.description
        }
    }

    /// Keys are matched by length and first eight bytes before the rest: keys sharing those (or a
    /// prefix), keys at the 8-byte boundary, empty and long keys, and keys ending at the buffer's end.
    @Test func keysSharingHeadsOrLengthsAreToldApart() throws {
        let keys = ["", "a", "ab", "abcdefg", "abcdefgh", "abcdefgi", "abcdefghi", "abcdefghj", "departmentId",
                    "departmentIds", "departmentIx", String(repeating: "k", count: 70), String(repeating: "k", count: 71), "é", "ü"]
        let value = JSONValue.object(JSONObject(keys.enumerated().map { ($1, JSONValue($0)) }))
        let text = value.canonicalBytes()
        for subset in [keys, ["abcdefgh"], ["abcdefghi", "departmentIds"], ["", "é"], [String(repeating: "k", count: 71)], ["abcdefgz", "x"]] {
            let selection = JSONSelection.only(subset)
            #expect(try JSONValue.parse(text, selecting: selection) == selection.prune(value), "\(subset)")
        }
        // A key at the very end of the buffer (no bytes after its closing quote to read ahead into).
        let tail = Array(#"{"b":1,"ab""#.utf8)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(tail, selecting: .only(["ab"])) }
    }

    @Test func skippedPartsWithEscapesNestingAndUnicodeAreSteppedOver() throws {
        let text = #"{"skip": {"a": "q\"}]{[", "b": [1, -2.5e3, true, false, null, {"c": "\u00e9\ud83d\ude00"}], "d": "ünï"}, "keep": {"x": 1, "y": "z"}, "k\u0065y2": 7}"#
        let selected = try JSONValue.parse(Array(text.utf8), selecting: .members(["keep": .only(["y"]), "key2": .all]))
        #expect(selected == ["keep": ["y": "z"], "key2": 7])
    }

    @Test(arguments: [
        #"{"skip": "unterminated}"#,
        #"{"skip": [1, 2}"#,
        #"{"skip": {"a" 1}, "keep": 1}"#,
        #"{"skip": "bad \x escape", "keep": 1}"#,
        #"{"skip": 01, "keep": 1}"#,
        #"{"skip": tru, "keep": 1}"#,
        #"{"skip": "\ud800", "keep": 1}"#,
        #"{"skip": 1,}"#,
        #"{"keep": 1, "keep": 2}"#,
        #"{"keep": 1} trailing"#,
    ])
    func brokenTextInSkippedPartsIsRejected(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(text.utf8), selecting: .only(["keep"])) }
        // The full parser rejects them too.
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test(arguments: [#"{"b": 1, "a": 2, "b": 3}"#, #"{"a": 1, "a": 2}"#, #"{"x": 0, "b": {"c": 1}, "a": [], "b": null}"#])
    func aRepeatedKeptKeyIsReportedWhereTheFullParserReportsIt(text: String) {
        let bytes = Array(text.utf8)
        var full: JSONParseError?, selected: JSONParseError?
        do { _ = try JSONValue.parse(bytes) } catch { full = error }
        do { _ = try JSONValue.parse(bytes, selecting: .only(["a", "b"])) } catch { selected = error }
        #expect(full != nil)
        #expect(selected == full)
    }

    @Test func aControlCharacterOrInvalidUTF8InASkippedStringIsRejected() {
        let control: [UInt8] = Array(#"{"skip": "a"#.utf8) + [0x01] + Array(#"", "keep": 1}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(control, selecting: .only(["keep"])) }
        let invalid: [UInt8] = Array(#"{"skip": "a"#.utf8) + [0xC3, 0x28] + Array(#"", "keep": 1}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(invalid, selecting: .only(["keep"])) }
    }

    @Test func nestingBeyondTheLimitIsRejectedInSkippedParts() {
        let deep = Array(("{\"skip\": " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "}").utf8)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep, selecting: .only(["keep"]), maxDepth: 20) }
        #expect((try? JSONValue.parse(deep, selecting: .only(["keep"]), maxDepth: 50)) == .object(JSONObject()))
    }

    @Test func aValueOfAnotherShapeThanTheSelectionIsTakenWhole() throws {
        let text = Array(#"{"a": [1, {"b": 2, "c": 3}], "o": "not an object"}"#.utf8)
        let selected = try JSONValue.parse(text, selecting: .members(["a": .elements(.only(["b"])), "o": .only(["x"])]))
        #expect(selected == ["a": [1, ["b": 2]], "o": "not an object"])
    }
}

/// The encoders' key order: UTF-8 byte order, also where keys share long prefixes, differ only
/// after 32 bytes, contain NUL bytes or are not ASCII.
struct StateWriterKeyOrderTests {
    @Test func sortedIndicesFollowUTF8ByteOrder() {
        var g = SeededGenerator(seed: 99)
        let stems = ["", "app-0000-0000-0000-1000000000000", String(repeating: "x", count: 31), String(repeating: "x", count: 32),
                     "é", "e\u{301}", "a\u{0}", "a", "\u{0}", "Z", "ä"]
        var d: [String: Int] = [:]
        for _ in 0..<2_000 {
            let key = stems.randomElement(using: &g)! + String(Int.random(in: 0..<50, using: &g)) + (Bool.random(using: &g) ? "\u{0}" : "")
            d[key] = key.utf8.count
        }
        for s in stems { d[s] = 0 }
        let order = StateWriter.sortedIndices(d).map { d.keys[$0] }
        let expected = d.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(order.map { Array($0.utf8) } == expected.map { Array($0.utf8) })
    }
}
