import Testing
@testable import HireLedgerCore

/// A record normalised straight from its bytes (`RecordNormalizer.normalize(bytes:kind:)`, `JSONCanonicalizer`)
/// gives the canonical bytes the tree path gives (`normalize(JSONValue.parse(bytes), kind:)`), and is nil
/// exactly where the tree path fails (or on a key written with an escape, which it leaves to that path).
struct JSONCanonicalizerTests {
    /// The bytes path's record, or nil.
    static func fromBytes(_ n: RecordNormalizer, _ text: [UInt8], _ kind: EntityKind = .application) -> NormalizedRecord? {
        text.withUnsafeBytes { n.normalize(bytes: $0, kind: kind) }
    }

    /// The tree path's record, or nil when the text does not parse.
    static func fromTree(_ n: RecordNormalizer, _ text: [UInt8], _ kind: EntityKind = .application) -> NormalizedRecord? {
        (try? JSONValue.parse(text)).map { n.normalize($0, kind: kind) }
    }

    static func show(_ text: [UInt8]) -> String { String(decoding: text, as: UTF8.self) }

    @Test func randomRulesOnLooselyWrittenRandomRecords() {
        var g = SplitMix64(seed: 23)
        var changed = 0, unordered = 0
        for _ in 0..<300 {
            let n = NormalizationPlanTests.normalizer(&g)
            for _ in 0..<40 {
                var record = RandomJSON.value(&g, keys: NormalizationPlanTests.keys)
                if case .object = record {} else { record = ["a": record] }
                // Members in random order, random whitespace, string values with random escapes.
                let text = LooseJSONWriter.write(record, using: &g, escapeKeys: false)
                let expected = n.normalize(record, kind: .application)
                let got = Self.fromBytes(n, text)
                #expect(got?.canonicalBytes == expected.canonicalBytes, "rules \(n.volatileFields) \(n.references) on \(Self.show(text))")
                #expect(got?.hash == expected.hash)
                #expect(got.map { $0.value == expected.value } ?? false)
                if expected.value != record { changed += 1 }
                if text != record.canonicalBytes() { unordered += 1 }
            }
        }
        #expect(changed > 500 && unordered > 5_000, "changed \(changed), not canonical \(unordered)")
    }

    @Test(arguments: [31, 32, 33] as [UInt64])
    func richValuesWithoutRules(seed: UInt64) {
        // Numbers of every shape, strings with every kind of character and escape; keys escaped at random,
        // which the bytes path leaves to the tree path (nil) and is otherwise exact.
        var rng = TestRandom(seed: seed)
        let n = RecordNormalizer(volatileFields: [:])
        var exact = 0, declined = 0
        for _ in 0..<300 {
            let v = RandomJSONValues.value(&rng)
            for escapeKeys in [false, true] {
                let text = LooseJSONWriter.write(v, using: &rng, escapeKeys: escapeKeys)
                let got = Self.fromBytes(n, text, .department)
                if let got {
                    #expect(got.canonicalBytes == v.canonicalBytes(), "\(Self.show(text))")
                    exact += 1
                } else {
                    // Only for a key written with an escape: keys needing none are written plain when escapeKeys is off.
                    #expect(escapeKeys || Self.keysNeedEscapes(v), "declined \(Self.show(text))")
                    declined += 1
                }
            }
        }
        #expect(exact > 450 && declined > 0, "exact \(exact), declined \(declined)")
    }

    /// Whether some key of `v` holds a character JSON must escape.
    static func keysNeedEscapes(_ v: JSONValue) -> Bool {
        switch v {
        case .object(let o):
            o.members.contains { m in m.key.unicodeScalars.contains { $0.value < 0x20 || $0 == "\"" || $0 == "\\" } || keysNeedEscapes(m.value) }
        case .array(let items): items.contains(where: keysNeedEscapes)
        default: false
        }
    }

    /// Damaged texts: wherever the parser rejects one, the bytes path gives nil (so the sync takes the tree
    /// path, which reports it); wherever the parser accepts one, the two agree.
    @Test func damagedTextsAreDeclinedWhereTheParserRejectsThem() {
        var g = SplitMix64(seed: 41)
        let junk: [UInt8] = Array(#"{}[],:"\ 0-1e.tfnu"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        var rejected = 0, accepted = 0
        for _ in 0..<200 {
            let n = NormalizationPlanTests.normalizer(&g)
            var record = RandomJSON.value(&g, keys: NormalizationPlanTests.keys)
            if case .object = record {} else { record = ["a": record] }
            let text = LooseJSONWriter.write(record, using: &g, escapeKeys: false)
            for _ in 0..<25 {
                var damaged = text
                switch Int.random(in: 0..<3, using: &g) {
                case 0: damaged[Int.random(in: 0..<damaged.count, using: &g)] = junk.randomElement(using: &g)!
                case 1: damaged.removeLast(Int.random(in: 1...damaged.count, using: &g))
                default: damaged.insert(junk.randomElement(using: &g)!, at: Int.random(in: 0...damaged.count, using: &g))
                }
                let expected = Self.fromTree(n, damaged)
                let got = Self.fromBytes(n, damaged)
                if expected == nil {
                    #expect(got == nil, "accepted \(Self.show(damaged))")
                    rejected += 1
                } else if !damaged.contains(UInt8(ascii: "\\")) {
                    #expect(got?.canonicalBytes == expected?.canonicalBytes, "\(Self.show(damaged))")
                    accepted += 1
                }
            }
        }
        #expect(rejected > 2_000 && accepted > 100, "rejected \(rejected), accepted \(accepted)")
    }

    @Test func aRepeatedKeyIsDeclinedAlsoInsideAMemberTheRulesDrop() {
        // The parser rejects a repeated key anywhere, so the bytes path must look for one even where the
        // rules drop the member (`job` is reduced to its `id`) and where a volatile field is removed.
        let n = RecordNormalizer.standard
        let texts = [
            #"{"id":"1","job":{"id":"2","title":"a","title":"b"}}"#,
            #"{"id":"1","resumeFileHandle":{"handle":"x","handle":"y","id":"3"}}"#,
            #"{"job":{"id":"2"},"id":"1","id":"1"}"#,
            #"{"b":1,"a":2,"b":3}"#,
        ]
        for text in texts {
            #expect(Self.fromTree(n, Array(text.utf8)) == nil, "the parser should reject \(text)")
            #expect(Self.fromBytes(n, Array(text.utf8)) == nil, "\(text)")
        }
        let fine = #"{"job":{"title":"a","id":"2"},"id":"1","resumeFileHandle":{"handle":"x","id":"3"}}"#
        #expect(Self.fromBytes(n, Array(fine.utf8))?.canonicalBytes
                == Array(#"{"id":"1","job":{"id":"2"},"resumeFileHandle":{"id":"3"}}"#.utf8))
    }

    @Test func nestingBeyondTheLimitIsDeclined() {
        let n = RecordNormalizer(volatileFields: [:])
        let deep = String(repeating: "[", count: JSONValue.defaultMaxDepth + 1) + String(repeating: "]", count: JSONValue.defaultMaxDepth + 1)
        let limit = String(repeating: "[", count: JSONValue.defaultMaxDepth) + String(repeating: "]", count: JSONValue.defaultMaxDepth)
        #expect(Self.fromBytes(n, Array(deep.utf8), .department) == nil)
        #expect(Self.fromBytes(n, Array(limit.utf8), .department)?.canonicalBytes == Array(limit.utf8))
    }

    /// Real recorded Ashby records (members in Ashby's order, not sorted) under the standard rules.
    @Test func recordedAshbyRecordsUnderTheStandardRules() throws {
        let texts: [(EntityKind, String)] = [
            (.application, RecordedAshby.applicationText), (.application, RecordedAshby.applicationListItemText),
            (.candidate, RecordedAshby.candidateText), (.candidate, RecordedAshby.candidateInfoText),
            (.job, RecordedAshby.jobText), (.job, RecordedAshby.jobListItemText), (.department, RecordedAshby.departmentText),
            (.user, RecordedAshby.userText), (.source, RecordedAshby.sourceText), (.interview, RecordedAshby.interviewText),
            (.jobPosting, RecordedAshby.jobPostingText),
        ]
        let n = RecordNormalizer.standard
        for (kind, text) in texts {
            let bytes = Array(text.utf8)
            let got = try #require(Self.fromBytes(n, bytes, kind), "\(kind)")
            #expect(got.canonicalBytes == Self.fromTree(n, bytes, kind)?.canonicalBytes, "\(kind)")
        }
    }

    /// A record from bytes has no tree until one is asked for; then it is the parsed record.
    @Test func theTreeIsMadeOnlyWhenAskedFor() throws {
        let n = RecordNormalizer.standard
        let record = try #require(Self.fromBytes(n, Array(RecordedAshby.candidateText.utf8), .candidate))
        #expect(!record.hasTree)
        let copy = record
        #expect(record == copy && record.hash == copy.hash)
        #expect(!record.hasTree, "comparing records compares their bytes")
        #expect(record.value == n.normalize(RecordedAshby.candidate, kind: .candidate).value)
        #expect(record.hasTree && copy.hasTree, "a copy shares the tree once made")
        #expect(NormalizedRecord(RecordedAshby.candidate).hasTree)
    }
}
