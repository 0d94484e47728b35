import Testing
@testable import HireLedgerCore

struct JSONParseErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let input: [UInt8]
        let offset: Int
        let reason: JSONParseError.Reason

        init(_ name: String, _ text: String, _ offset: Int, _ reason: JSONParseError.Reason) {
            self.init(name, Array(text.utf8), offset, reason)
        }

        init(_ name: String, _ input: [UInt8], _ offset: Int, _ reason: JSONParseError.Reason) {
            self.name = name
            self.input = input
            self.offset = offset
            self.reason = reason
        }

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case("empty input", "", 0, .unexpectedEnd),
        Case("only whitespace", "  \n", 3, .unexpectedEnd),
        Case("trailing comma in array", "[1,]", 3, .unexpectedByte(UInt8(ascii: "]"))),
        Case("trailing comma in object", #"{"a":1,}"#, 7, .unexpectedByte(UInt8(ascii: "}"))),
        Case("missing colon", #"{"a" 1}"#, 5, .unexpectedByte(UInt8(ascii: "1"))),
        Case("missing comma", "[1 2]", 3, .unexpectedByte(UInt8(ascii: "2"))),
        Case("unquoted key", "{a:1}", 1, .unexpectedByte(UInt8(ascii: "a"))),
        Case("unclosed array", "[1, 2", 5, .unexpectedEnd),
        Case("unterminated string", #""abc"#, 4, .unexpectedEnd),
        Case("unterminated string after escape", #""ab\"#, 4, .unexpectedEnd),
        Case("bad escape", #""a\x""#, 2, .invalidEscape),
        Case("short unicode escape", #""\u12""#, 1, .invalidUnicodeEscape),
        Case("unicode escape cut by the end", #""\u12"#, 5, .unexpectedEnd),
        Case("leading zero", "01", 1, .invalidNumber),
        Case("leading zero after minus", "[-012]", 3, .invalidNumber),
        Case("lone minus", "-", 1, .invalidNumber),
        Case("minus then letter", "-a", 1, .invalidNumber),
        Case("no fraction digits", "1.", 2, .invalidNumber),
        Case("no fraction digits before exponent", "[1.e5]", 3, .invalidNumber),
        Case("no exponent digits", "1e+", 3, .invalidNumber),
        Case("plus sign", "+1", 0, .unexpectedByte(UInt8(ascii: "+"))),
        Case("bare word", "hello", 0, .unexpectedByte(UInt8(ascii: "h"))),
        Case("truncated literal", "tru", 3, .unexpectedEnd),
        Case("misspelt literal", "[nulx]", 4, .unexpectedByte(UInt8(ascii: "x"))),
        Case("trailing data", "1 2", 2, .trailingData),
        Case("second document", "{} {}", 3, .trailingData),
        Case("raw newline in string", "\"a\nb\"", 2, .controlCharacterInString),
        Case("raw tab in key", "{\"a\tb\":1}", 3, .controlCharacterInString),
        Case("invalid UTF-8 byte", [0x22, 0x61, 0xFF, 0x22], 2, .invalidUTF8),
        Case("lone continuation byte", [0x22, 0x80, 0x22], 1, .invalidUTF8),
        Case("overlong encoding", [0x22, 0x61, 0x61, 0xC0, 0xAF, 0x22], 3, .invalidUTF8),
        Case("UTF-8 encoded surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], 1, .invalidUTF8),
        Case("truncated UTF-8 sequence", [0x22, 0xE2, 0x82, 0x22], 1, .invalidUTF8),
        Case("UTF-8 beyond U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, .invalidUTF8),
        Case("invalid UTF-8 after eight ASCII bytes", [0x22] + Array("abcdefghij".utf8) + [0xFE, 0x22], 11, .invalidUTF8),
        Case("duplicate key, in order", #"{"a":1,"a":2}"#, 7, .duplicateKey("a")),
        Case("duplicate key, out of order", #"{"b":1,"a":2,"b":3}"#, 13, .duplicateKey("b")),
        Case("duplicate key after nested values", #"{"b":{"x":1},"a":[1,2],"b":true}"#, 23, .duplicateKey("b")),
        Case("duplicate key spelt with an escape", #"{"a":1,"\u0061":2}"#, 7, .duplicateKey("a")),
        Case("depth limit", String(repeating: "[", count: 513) + String(repeating: "]", count: 513), 512,
             .nestingTooDeep(limit: 512)),
        Case("depth limit in objects", String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513),
             512 * 5, .nestingTooDeep(limit: 512)),
    ]

    @Test(arguments: cases)
    func malformedInputFailsAtTheRightOffset(_ c: Case) {
        #expect(throws: JSONParseError(offset: c.offset, reason: c.reason)) { try JSONValue.parse(c.input) }
    }

    @Test func nestingUpToTheLimitParses() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        _ = try JSONValue.parse(deepest)
        #expect(throws: JSONParseError(offset: 2, reason: .nestingTooDeep(limit: 2))) {
            try JSONValue.parse("[[[]]]", maxDepth: 2)
        }
    }

    @Test func messageNamesTheOffsetAndTheProblem() {
        do {
            _ = try JSONValue.parse(#"{"a":1,}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "invalid JSON at byte 7: unexpected character '}'")
        }
        #expect(JSONParseError(offset: 3, reason: .duplicateKey("id")).description
                == #"invalid JSON at byte 3: duplicate object key "id""#)
    }

    @Test func numberValidationRejectsWhatTheParserRejects() {
        #expect(JSONNumber(validating: "01") == nil)
        #expect(JSONNumber(validating: "1e5")?.text == "1e5")
        #expect(JSONNumber(validating: "\"1\"") == nil)
    }
}
