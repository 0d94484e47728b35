import Testing
@testable import HireLedgerCore

struct JSONValueTests {
    @Test func canonicalFormSortsKeysAndDropsWhitespace() throws {
        let a = try JSONValue.parse(#"{ "b": 1, "a": [true, null, "x\n"] }"#)
        let b = try JSONValue.parse(#"{"a":[true,null,"x\n"],"b":1}"#)
        #expect(a == b)
        #expect(a.canonicalString == #"{"a":[true,null,"x\n"],"b":1}"#)
        #expect(a.contentHash == b.contentHash)
    }
}
