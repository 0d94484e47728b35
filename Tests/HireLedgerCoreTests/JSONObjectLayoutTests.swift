import Testing
@testable import HireLedgerCore

struct JSONObjectLayoutTests {
    /// The scan of `text` with `results` as the array and `id` as the element key.
    func scan(_ text: String) throws(JSONParseError) -> JSONObjectLayout? {
        try JSONObjectLayout.scan(Array(text.utf8), elementsOf: "results", elementKey: "id")
    }

    /// The text of each element's byte range.
    func elementTexts(_ text: String, _ layout: JSONObjectLayout) -> [String] {
        let bytes = Array(text.utf8)
        return (layout.elements ?? []).map { String(decoding: bytes[$0.range], as: UTF8.self) }
    }

    @Test func locatesElementsAcrossEscapedQuotesAndBracketsInStrings() throws {
        let text = #"""
        { "success" : true, "results" : [ {"id":"a\"]},","x":"[{\\\"}\\"} , {"note":"\u005d\u007d","id":"b"},"plain]" ] ,
          "moreDataAvailable":false }
        """#
        let layout = try #require(try scan(text))
        #expect(elementTexts(text, layout) == [#"{"id":"a\"]},","x":"[{\\\"}\\"}"#, #"{"note":"\u005d\u007d","id":"b"}"#,
                                               #""plain]""#])
        #expect(layout.elements?.map(\.key) == [#"a"]},"#, "b", nil])
        #expect(layout.members.map(\.key) == ["success", "results", "moreDataAvailable"])
        let bytes = Array(text.utf8)
        #expect(String(decoding: bytes[layout.value(of: "success")!], as: UTF8.self) == "true")
        #expect(String(decoding: bytes[layout.value(of: "moreDataAvailable")!], as: UTF8.self) == "false")
    }

    @Test func scanningAndParsingAgreeOnEveryStringEndingAtEveryPositionOfAWord() throws {
        // The string scanners jump to the first special byte of an eight-byte word: each kind of special
        // byte at each offset, in a skipped member and in a parsed id, is found where it is.
        let specials: [(text: String, valid: Bool)] = [("", true), ("\\n", true), ("\\\"", true), ("é", true), ("😀", true),
                                                       ("\u{01}", false), ("\u{1F}", false)]
        for length in 0..<20 {
            for (special, valid) in specials {
                for tail in ["", "xy", "abcdefghij"] {
                    let value = String(repeating: "a", count: length) + special + tail
                    let text = #"{"results":[{"skip":""# + value + #"","id":""# + value + #""}],"n":1}"#
                    let parsed = Result { () throws(JSONParseError) in try JSONValue.parse(text) }
                    let scanned = Result { () throws(JSONParseError) in try scan(text) }
                    switch (parsed, scanned) {
                    case (.success(let value), .success(let layout)):
                        #expect(valid)
                        #expect(layout?.elements?.first?.key == value["results"]?.arrayValue?.first?.string("id"))
                        #expect(layout?.value(of: "n") != nil)
                    case (.failure(let parseError), .failure(let scanError)):
                        #expect(!valid)
                        #expect(parseError == scanError, "\(length) \(special.debugDescription)")
                    default:
                        Issue.record("parse and scan disagree on \(text.debugDescription): \(parsed) vs \(scanned)")
                    }
                }
            }
        }
    }

    @Test func readsOnlyTheTopLevelIdOfObjectElements() throws {
        let text = #"{"results":[[1,[2,{"id":"no"}]],{"n":{"id":"inner"},"id":"outer","list":[{"id":"deep"}]},{"id":7},{"name":"x"},{}]}"#
        let layout = try #require(try scan(text))
        #expect(layout.elements?.map(\.key) == [nil, "outer", nil, nil, nil])
        #expect(elementTexts(text, layout)[0] == #"[1,[2,{"id":"no"}]]"#)
    }

    @Test func decodesUnicodeAndEscapedKeysAndIds() throws {
        let text = #"{"results":[{"id":"é😀\u00e9\ud83d\ude00"},{"\u0069d":"escaped-key"},{"ïd":"other"}]}"#
        let layout = try #require(try scan(text))
        #expect(layout.elements?.map(\.key) == ["é😀é😀", "escaped-key", nil])
    }

    @Test func aRepeatedIdGivesNoKey() throws {
        // The parser rejects the element; the scan leaves that to it and offers no key.
        let layout = try #require(try scan(#"{"results":[{"id":"a","id":"b"}]}"#))
        #expect(layout.elements?.first?.key == nil)
    }

    @Test func elementsParseToTheValuesTheWholeDocumentParsesTo() throws {
        var g = SeededGenerator(seed: 42)
        for _ in 0..<300 {
            let items = (0..<Int.random(in: 0...6, using: &g)).map { _ in RandomJSON.value(&g) }
            let document: JSONValue = ["success": true, "results": .array(items), "more": RandomJSON.value(&g)]
            let bytes = document.canonicalBytes()
            let layout = try #require(try JSONObjectLayout.scan(bytes, elementsOf: "results", elementKey: "id"))
            let elements = try #require(layout.elements)
            #expect(try elements.map { try JSONValue.parse(Array(bytes[$0.range])) } == items)
            #expect(elements.map(\.key) == items.map { $0["id"]?.stringValue })
            #expect(try JSONValue.parse(Array(bytes[layout.value(of: "more")!])) == document["more"])
        }
    }

    @Test func everyTruncationIsRejectedLikeTheParserRejectsIt() throws {
        let text = #"{"success":true,"results":[{"id":"a\"b","n":[1,2.5e3,{"k":"é😀\u00e9"}],"t":null},{"id":"c","f":false}],"x":-0.5}"#
        let bytes = Array(text.utf8)
        #expect(try JSONObjectLayout.scan(bytes, elementsOf: "results", elementKey: "id") != nil)
        for n in 0..<bytes.count {
            let prefix = Array(bytes[0..<n])
            let parserError = #expect(throws: JSONParseError.self) { try JSONValue.parse(prefix) }
            let scanError = #expect(throws: JSONParseError.self) {
                try JSONObjectLayout.scan(prefix, elementsOf: "results", elementKey: "id")
            }
            #expect(scanError == parserError, "prefix of \(n) bytes")
        }
    }

    @Test(arguments: JSONParseErrorTests.cases)
    func rejectsInvalidTextWithTheParsersError(_ c: JSONParseErrorTests.Case) {
        let scanError = #expect(throws: JSONParseError.self) {
            try JSONObjectLayout.scan(c.input, elementsOf: "results", elementKey: "id")
        }
        if case .duplicateKey = c.reason { return }  // checked among top-level members only (see the type)
        #expect(scanError == JSONParseError(offset: c.offset, reason: c.reason))
    }

    @Test func rejectsInvalidElementsInsideTheArray() {
        for element in [#"{"id":"a\x"}"#, #"{"id":01}"#, #"[1,]"#, "\"\u{01}\"", #"{"a" 1}"#, "tru", #""\ud800""#] {
            let text = #"{"results":[{"id":"ok"},"# + element + "]}"
            let parserError = #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
            let scanError = #expect(throws: JSONParseError.self) {
                try JSONObjectLayout.scan(Array(text.utf8), elementsOf: "results", elementKey: "id")
            }
            #expect(scanError == parserError, "\(element)")
        }
    }

    @Test func respectsTheDepthLimitAsTheParserDoes() {
        let text = #"{"results":[{"a":[[1]]}]}"#
        for depth in 1...6 {
            var parserError: JSONParseError?, scanError: JSONParseError?
            do { _ = try JSONValue.parse(text, maxDepth: depth) } catch { parserError = error }
            do {
                let layout = try JSONObjectLayout.scan(Array(text.utf8), elementsOf: "results", elementKey: "id", maxDepth: depth)
                #expect(layout?.elements?.count == 1, "depth \(depth)")
            } catch {
                scanError = error
            }
            #expect(parserError == scanError, "depth \(depth)")
            #expect((parserError == nil) == (depth >= 5), "depth \(depth)")
        }
    }

    @Test func aRootThatIsNotAnObjectHasNoLayout() throws {
        #expect(try scan(#"[{"id":"a"}]"#) == nil)
        #expect(try scan(#"{"results":{"id":"a"}}"#)?.elements == nil)
        #expect(try scan(#"{"other":[1]}"#)?.elements == nil)
        #expect(try scan(#"{"results":[]}"#)?.elements == [])
    }

    @Test func rejectsARepeatedTopLevelKey() {
        #expect(throws: JSONParseError(offset: 14, reason: .duplicateKey("results"))) {
            try scan(#"{"results":[],"results":[]}"#)
        }
    }
}
