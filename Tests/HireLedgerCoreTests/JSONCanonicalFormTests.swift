import Testing
@testable import HireLedgerCore

struct JSONCanonicalFormTests {
    static let canonicalRecord =
        #"{"a":[1,{"x":null,"y":"\u0001"}],"b":"é😀","c":{"":true,"A":false,"a":-0.5e10},"z":[]}"#

    /// The same record written with other key orders, whitespace and escapes.
    static let equivalentTexts = [
        canonicalRecord,
        #"{"z":[],"c":{"a":-0.5e10,"A":false,"":true},"b":"é😀","a":[1,{"y":"\u0001","x":null}]}"#,
        "{\n  \"b\" : \"\\u00e9\\ud83d\\ude00\",\n\t\"a\" : [ 1 , { \"y\" : \"\\u0001\" , \"x\" : null } ],\r\n  \"z\" : [ ], \"c\" : { \"A\" : false , \"\\u0061\" : -0.5e10 , \"\" : true }\n}\n",
        #"  {"c":{"\u0041":false,"":true,"a":-0.5e10},"a":[1,{"x":null,"y":"\u0001"}],"z":[],"b":"\u00E9\uD83D\uDE00"}  "#,
    ]

    @Test(arguments: equivalentTexts)
    func canonicalBytesIgnoreKeyOrderWhitespaceAndEscapes(_ text: String) throws {
        let v = try JSONValue.parse(text)
        #expect(v.canonicalString == Self.canonicalRecord)
        #expect(v == (try JSONValue.parse(Self.canonicalRecord)))
        #expect(v.contentHash == ContentHash(bytes: Array(Self.canonicalRecord.utf8)))
    }

    @Test(arguments: ["1.0", "-0", "1E+2", "1e-2", "0.1", "123456789012345678901234567890", "-9223372036854775809",
                      "0", "-1.50", "2.5E-0008"])
    func numbersKeepTheirText(_ text: String) throws {
        let v = try JSONValue.parse("[\(text)]")
        #expect(v.canonicalString == "[\(text)]")
        #expect(v[0]?.numberValue?.text == text)
    }

    @Test func numbersWithTheSameValueButOtherTextDiffer() throws {
        #expect(try JSONValue.parse("1.0") != JSONValue.parse("1"))
        #expect(try JSONValue.parse("1E+2").contentHash != JSONValue.parse("100").contentHash)
        #expect(try JSONValue.parse("123456789012345678901234567890").int64Value == nil)
        #expect(try JSONValue.parse("0.1").doubleValue == 0.1)
    }

    @Test func unicodeEscapesDecodeToScalars() throws {
        #expect(try JSONValue.parse(#""caf\u00e9""#) == .string("café"))
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONValue.parse(#""\uD83D\uDE00x""#) == .string("😀x"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
        // Written back as raw UTF-8, not escaped.
        #expect(try JSONValue.parse(#""caf\u00e9 \ud83d\ude00""#).canonicalBytes() == Array("\"café 😀\"".utf8))
    }

    @Test(arguments: [#""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, #""\ud83dx""#, #""\ud83d\ud83d""#, #""\uZZZZ""#])
    func loneOrBrokenSurrogatesAreRejected(_ text: String) {
        #expect(throws: JSONParseError(offset: 1, reason: .invalidUnicodeEscape)) { try JSONValue.parse(text) }
    }

    @Test func controlCharactersAreEscapedOnWrite() throws {
        let v = JSONValue.string("a\u{0}\u{1}\u{8}\t\n\u{B}\u{C}\r\u{1F} \"q\" \\ / \u{7F} é")
        let expected = #""a\u0000\u0001\b\t\n\u000b\f\r\u001f \"q\" \\ / "# + "\u{7F} é\""
        #expect(v.canonicalString == expected)
        #expect(try JSONValue.parse(v.canonicalBytes()) == v)
        // Same escapes for keys.
        let o = JSONValue.object(["k\n\"": .null])
        #expect(o.canonicalString == #"{"k\n\"":null}"#)
    }

    @Test func longStringsAreCopiedAndEscapedAcrossWordBoundaries() throws {
        // Exercises the eight-bytes-at-a-time scanners: escapes at every position of a word.
        for i in 0..<20 {
            let plain = String(repeating: "x", count: i) + "\"" + String(repeating: "é", count: 9) + "\n" + "y"
            let v = JSONValue.string(plain)
            #expect(try JSONValue.parse(v.canonicalBytes()) == v)
            #expect(v.canonicalString == "\"" + String(repeating: "x", count: i) + "\\\"" + String(repeating: "é", count: 9) + "\\ny\"")
        }
    }

    @Test func keysSortByUTF8Bytes() throws {
        let v = try JSONValue.parse(#"{"😀":1,"Ａ":2,"é":3,"b":4,"a":5,"B":6,"":7,"aa":8}"#)
        #expect(v.objectValue?.keys == ["", "B", "a", "aa", "b", "é", "Ａ", "😀"])
        #expect(v["é"] == 3)
        #expect(v["missing"] == nil)
        #expect(v.objectValue?["missing"] == nil)
        #expect(try JSONValue.parse(#"{"a":null}"#)["a"] == .some(.null))
    }

    @Test func canonicallyEquivalentStringsStayDistinct() throws {
        // "é" precomposed vs "e" + combining acute: equal as Swift Strings, different JSON bytes.
        let precomposed = try JSONValue.parse(#""\u00e9""#)
        let decomposed = try JSONValue.parse(#""e\u0301""#)
        #expect(precomposed != decomposed)
        #expect(precomposed.contentHash != decomposed.contentHash)
        let o = try JSONValue.parse(#"{"\u00e9":1,"e\u0301":2}"#)
        #expect(o.objectValue?.count == 2)
        #expect(o["\u{e9}"] == 1)
        #expect(o["e\u{301}"] == 2)
    }

    @Test func largeObjectsSortAndRoundTrip() throws {
        // Objects above the insertion-sort size take the standard library's sort.
        let keys = (0..<200).map { "k\(($0 * 7919) % 200)" }
        let text = "{" + keys.map { "\"\($0)\":\"\($0)\"" }.joined(separator: ",") + "}"
        let v = try JSONValue.parse(text)
        let sortedKeys = keys.sorted { JSONObject.compareKeys($0, $1) < 0 }
        #expect(v.objectValue?.keys == sortedKeys)
        #expect(try JSONValue.parse(v.canonicalBytes()) == v)
    }

    @Test func writeCanonicalAppendsToExistingBytes() throws {
        let v = try JSONValue.parse(#"{"b":[true],"a":"x"}"#)
        var out = Array("prefix:".utf8)
        v.writeCanonical(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == #"prefix:{"a":"x","b":[true]}"#)
        #expect(v.withCanonicalBytes { Array($0) } == v.canonicalBytes())
    }

    @Test func parseAcceptsStringsArraysAndRawBuffers() throws {
        let text = #"{"a": [1, "two", null]}"#
        let bytes = Array(text.utf8)
        let fromBuffer = try bytes.withUnsafeBytes { (buf) throws(JSONParseError) -> JSONValue in try JSONValue.parse(buf) }
        #expect(try JSONValue.parse(text) == JSONValue.parse(bytes))
        #expect(fromBuffer == (try JSONValue.parse(bytes)))
    }
}
