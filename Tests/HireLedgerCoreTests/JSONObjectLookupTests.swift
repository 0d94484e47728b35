import Testing
@testable import HireLedgerCore

/// Guards the distinction every diff and classifier relies on: a missing member is `nil`, a member
/// holding JSON null is `.null`.
struct JSONObjectLookupTests {
    @Test func missingMemberIsNilAndNullMemberIsNull() throws {
        let v = try JSONValue.parse(#"{"present":null}"#)
        #expect(v["present"] == .some(.null))
        let missing = v["missing"], present = v["present"], viaObject = v.objectValue!["missing"]
        #expect(missing.isAbsent)
        #expect(viaObject.isAbsent)
        #expect(!present.isAbsent)
    }
}
