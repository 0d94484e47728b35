import Testing
@testable import HireLedgerCore

/// The compiled normalisation (`NormalizationPlan`) gives what applying the rules one after another
/// gives (`RecordNormalizer.normalizedValueRuleByRule`).
struct NormalizationPlanTests {
    static let keys = ["a", "b", "id", "é", "zz"]

    /// A random path of one to three members, each maybe followed by `[*]`.
    static func path(_ g: inout SplitMix64) -> FieldPath {
        let segments = (0..<Int.random(in: 1...3, using: &g)).map { _ in
            keys.randomElement(using: &g)! + (Bool.random(using: &g) ? "[*]" : "")
        }
        return FieldPath(segments.joined(separator: "."))!
    }

    static func normalizer(_ g: inout SplitMix64) -> RecordNormalizer {
        let volatile = (0..<Int.random(in: 0...3, using: &g)).map { _ in path(&g) }
        let references = (0..<Int.random(in: 0...4, using: &g)).map { _ in
            EmbeddedReference(path(&g), keep: Set(keys.filter { _ in Bool.random(using: &g) }))
        }
        return RecordNormalizer(volatileFields: [.application: volatile], references: [.application: references])
    }

    @Test func randomRulesOnRandomRecordsGiveWhatTheRulesOneByOneGive() {
        var g = SplitMix64(seed: 17)
        var changed = 0
        for _ in 0..<400 {
            let n = Self.normalizer(&g)
            for _ in 0..<50 {
                var record = RandomJSON.value(&g, keys: Self.keys)
                if case .object = record {} else { record = ["a": record] }
                let expected = n.normalizedValueRuleByRule(record, kind: .application)
                let got = n.normalizedValue(record, kind: .application)
                #expect(got == expected, "rules \(n.volatileFields) \(n.references) on \(String(decoding: record.canonicalBytes(), as: UTF8.self))")
                if expected != record { changed += 1 }
            }
        }
        #expect(changed > 1_000, "the random rules should change many records, not only leave them as they are")
    }

    @Test func theStandardRulesOnRecordedAshbyRecords() {
        for (kind, record) in RecordedAshby.all {
            let n = RecordNormalizer.standard
            #expect(n.normalizedValue(record, kind: kind) == n.normalizedValueRuleByRule(record, kind: kind), "\(kind)")
        }
    }

    /// A `*` step does not compile: that kind keeps the rule-by-rule path, with the same result.
    @Test func aWildcardMemberStepFallsBackToTheRulesOneByOne() {
        let n = RecordNormalizer(volatileFields: [.job: ["extraData.*", "a.b"]], references: [.job: [EmbeddedReference("c", keep: ["id"])]])
        let record: JSONValue = ["extraData": ["x": 1, "y": 2], "a": ["b": 1, "c": 2], "c": ["id": "1", "t": "x"], "d": 4]
        #expect(n.normalizedValue(record, kind: .job) == ["extraData": [:], "a": ["c": 2], "c": ["id": "1"], "d": 4])
        #expect(n.normalizedValue(record, kind: .job) == n.normalizedValueRuleByRule(record, kind: .job))
    }
}
