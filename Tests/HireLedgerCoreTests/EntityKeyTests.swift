import Testing
@testable import HireLedgerCore

struct EntityKeyTests {
    @Test func kindWireNamesAndStorageCodesAreUniqueAndStable() {
        #expect(Set(EntityKind.allCases.map(\.rawValue)).count == EntityKind.allCases.count)
        #expect(Set(EntityKind.allCases.map(\.storageCode)).count == EntityKind.allCases.count)
        // Spot checks of the released values: changing them breaks every existing store.
        #expect(EntityKind.jobPosting.rawValue == "job_posting")
        #expect(EntityKind.interviewSchedule.storageCode == 7)
        #expect(EntityKind.offer.storageCode == 18)
        for kind in EntityKind.allCases { #expect(EntityKind(storageCode: kind.storageCode) == kind) }
        #expect(EntityKind(storageCode: 0) == nil)
    }

    @Test(arguments: [EntityKey(.application, "00000000-0000-0000-0000-000000000001"), EntityKey(.job, "a/b"), EntityKey(.user, "é")])
    func keysRoundTripThroughWireAndStorageForms(_ key: EntityKey) throws {
        #expect(EntityKey(wireForm: key.wireForm) == key)
        #expect(EntityKey(storageBytes: key.storageBytes) == key)
    }

    @Test func storageFormIsSelfDelimitingSoPrefixesOfOtherIdsNeverMatch() {
        let short = EntityKey(.candidate, "abc").storageBytes
        let long = EntityKey(.candidate, "abcd").storageBytes
        #expect(!long.starts(with: short))
        // A composite key (entity + seq) decodes back to the entity and leaves the seq bytes.
        let composite = short + LogPosition(7).bigEndianBytes
        let decoded = EntityKey.decodePrefix(composite[...])
        #expect(decoded?.0 == EntityKey(.candidate, "abc"))
        #expect(LogPosition(bigEndianBytes: composite.dropFirst(decoded!.1)) == LogPosition(7))
    }

    @Test(arguments: ["", "application", "application/", "nope/1"])
    func malformedWireFormsAreRejected(_ text: String) {
        #expect(EntityKey(wireForm: text) == nil)
    }

    @Test func logPositionsAreBigEndianSoByteOrderIsNumericOrder() {
        let positions: [UInt64] = [0, 1, 255, 256, 65_536, 1 << 40, UInt64.max]
        let bytes = positions.map { LogPosition($0).bigEndianBytes }
        #expect(bytes == bytes.sorted { $0.lexicographicallyPrecedes($1) })
        for p in positions { #expect(LogPosition(bigEndianBytes: LogPosition(p).bigEndianBytes)?.value == p) }
    }
}
