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

struct TimestampTests {
    @Test(arguments: ["2024-02-04T21:38:12.466Z", "1970-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2000-02-29T12:00:00.000Z"])
    func iso8601RoundTrips(_ text: String) throws {
        let t = try #require(Timestamp(iso8601: text))
        #expect(t.iso8601 == text)
    }

    @Test func offsetsAndDatesParse() throws {
        #expect(Timestamp(iso8601: "2024-02-04T22:38:12.466+01:00") == Timestamp(iso8601: "2024-02-04T21:38:12.466Z"))
        #expect(Timestamp(iso8601: "2024-02-04")?.iso8601 == "2024-02-04T00:00:00.000Z")
        #expect(Timestamp(iso8601: "2024-02-30") == nil)
        #expect(CivilDate(iso8601: "2024-03-01")?.adding(days: -1).iso8601 == "2024-02-29")
    }
}
