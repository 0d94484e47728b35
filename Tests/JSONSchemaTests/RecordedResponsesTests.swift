import HireLedgerCore
import JSONSchema
import Testing

/// The recorded real Ashby responses against their path's 200 success schema.
struct RecordedResponsesTests {
    @Test func dumpFindings() throws {
        let doc = ReferenceData.openAPI
        for tolerance in [NullTolerance.none, .everywhere] {
            var passed = 0
            for rec in try ReferenceData.recordings() {
                let v = try doc.responseValidator(path: rec.endpoint, options: .init(nullTolerance: tolerance))
                let errs = v.validate(rec.response)
                if errs.isEmpty { passed += 1; print("PASS \(rec.name)") } else {
                    print("FAIL \(rec.name) \(errs.count)")
                    for e in errs.prefix(8) { print("   \(e)") }
                }
            }
            print("passed \(passed)")
        }
    }
}
