import Testing
@testable import HireLedgerCore

/// `JSONObject.init(_ pairs:)` sorts once; it gives what inserting the pairs one by one gives (a later
/// duplicate key replaces an earlier one).
struct JSONObjectFromPairsTests {
    static func insertingOneByOne(_ pairs: [(String, JSONValue)]) -> JSONObject {
        var o = JSONObject()
        for (k, v) in pairs { o[k] = v }
        return o
    }

    @Test(arguments: [0, 1, 2, 5, 17, 64, 65, 200])
    func pairsInAnyOrderWithDuplicatesGiveWhatInsertsGive(count: Int) {
        var g = SplitMix64(seed: UInt64(count) + 1)
        let keys = ["a", "b", "id", "é", "e\u{301}", "", "zz", "a0", "B"] + (0..<40).map { "k\($0)" }
        for _ in 0..<200 {
            let pairs: [(String, JSONValue)] = (0..<count).map { i in (keys.randomElement(using: &g)!, JSONValue(i)) }
            let fast = JSONObject(pairs), reference = Self.insertingOneByOne(pairs)
            #expect(fast == reference)
            #expect(fast.members.map(\.key) == reference.members.map(\.key))
            #expect(JSONValue.object(fast).canonicalBytes() == JSONValue.object(reference).canonicalBytes())
        }
    }
}
