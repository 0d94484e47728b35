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

    @Test func canonicalUUIDIdsTakeTheSixteenByteFormAndEverythingElseTheTextForm() throws {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e"
        let compact = EntityKey(.application, id).storageBytes
        #expect(compact.count == 18)
        #expect(compact[0] == EntityKind.application.storageCode && compact[1] == 0x80)
        #expect(Array(compact[2...]) == [0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1, 0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0e])
        #expect(EntityKey(storageBytes: compact) == EntityKey(.application, id))
        // The text form of the same key (formats 1 to 4) still decodes to the same key.
        let text = EntityKey(.application, id).textStorageBytes
        #expect(text.count == 39 && text[1] == 0 && text[2] == 36)
        #expect(EntityKey(storageBytes: text) == EntityKey(.application, id))
        // Ids the UUID form would not give back exactly stay text: upper case, braces, other lengths, bad digits.
        for other in ["0F8FAD5B-D9CB-469F-A165-70867728950E", "{0f8fad5b-d9cb-469f-a165-70867728950e}",
                      "0f8fad5bd9cb469fa16570867728950e", "0f8fad5b-d9cb-469f-a165-70867728950g",
                      "0f8fad5b-d9cb-469f-a165_70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950", "abc"] {
            let bytes = EntityKey(.application, other).storageBytes
            #expect(bytes == EntityKey(.application, other).textStorageBytes, "\(other)")
            #expect(EntityKey(storageBytes: bytes) == EntityKey(.application, other))
        }
        // Byte order of UUID keys is the text order of their ids (hex digits sort as their values).
        let ids = (0..<50).map { _ in randomUUIDText() }
        let sortedByBytes = ids.sorted { EntityKey(.job, $0).storageBytes.lexicographicallyPrecedes(EntityKey(.job, $1).storageBytes) }
        #expect(sortedByBytes == ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        for id in ids { #expect(EntityKey(storageBytes: EntityKey(.job, id).storageBytes)?.id == id) }
    }

    /// Random 36-character ids with the dashes in place: the UUID form exactly when every other character is a
    /// lowercase hex digit, and then it gives the id back.
    @Test func theUUIDFormIsTakenExactlyByCanonicalLowercaseUUIDs() {
        var rng = SplitMix64(seed: 77)
        let alphabet = Array("0123456789abcdefABCDEFg-/ z")
        var compact = 0, text = 0
        for _ in 0..<20_000 {
            var chars = (0..<36).map { i -> Character in
                [8, 13, 18, 23].contains(i) ? "-" : Array("0123456789abcdef")[rng.below(16)]
            }
            if rng.below(3) == 0 { chars[rng.below(36)] = alphabet[rng.below(alphabet.count)] }
            let id = String(chars)
            let canonical = chars.enumerated().allSatisfy { i, c in
                [8, 13, 18, 23].contains(i) ? c == "-" : "0123456789abcdef".contains(c)
            }
            let key = EntityKey(.application, id)
            #expect((key.storageBytes.count == 18) == canonical, "\(id)")
            #expect(EntityKey(storageBytes: key.storageBytes) == key, "\(id)")
            if canonical { compact += 1 } else { text += 1 }
        }
        #expect(compact > 10_000 && text > 3_000, "\(compact) compact, \(text) text")
    }

    @Test func idSetsMatchStorageKeysOfEitherFormWithoutDecodingThem() {
        let uuid = "0f3e2a1b-9c8d-4e7f-a6b5-c4d3e2f1a0b9"
        let upper = uuid.uppercased()   // not canonical: the text form
        let ids = ["plain-id", "é", uuid, upper]
        var set = EntityIDSet()
        for id in ids { set.insert(id) }
        set.insert(uuid)
        #expect(set.count == 4)
        for id in ids {
            #expect(set.contains(id))
            for kind in [EntityKind.application, .candidate] {
                let key = EntityKey(kind, id)
                #expect(key.storageBytes.withUnsafeBytes { set.contains(storageKey: $0) }, "\(key)")
            }
        }
        // Ids that differ in one byte, in either form, are not matched.
        for other in ["plain-ie", "0f3e2a1b-9c8d-4e7f-a6b5-c4d3e2f1a0b8", "0F3E2A1B-9C8D-4E7F-A6B5-C4D3E2F1A0B8", "e"] {
            #expect(!set.contains(other))
            #expect(!EntityKey(.application, other).storageBytes.withUnsafeBytes { set.contains(storageKey: $0) })
        }
        // Malformed keys (short, trailing bytes, an unknown kind, invalid UTF-8) are never members.
        let good = EntityKey(.application, uuid).storageBytes
        for bad in [Array(good.dropLast()), good + [0], [0] + Array(good.dropFirst()),
                    [EntityKind.job.storageCode, 0, 2, 0xC3, 0x28], []] {
            #expect(!bad.withUnsafeBytes { set.contains(storageKey: $0) }, "\(bad)")
        }
        #expect(EntityIDSet().isEmpty && !set.isEmpty)
    }

    @Test func malformedStorageFormsAreRejected() {
        let good = EntityKey(.offer, "0f8fad5b-d9cb-469f-a165-70867728950e").storageBytes
        #expect(EntityKey(storageBytes: Array(good.prefix(17))) == nil)  // UUID form cut short
        #expect(EntityKey(storageBytes: [EntityKind.offer.storageCode, 0x81, 0, 1]) == nil)  // length with the marker bit
        #expect(EntityKey(storageBytes: [0, 0, 1, 0x61]) == nil)  // unknown kind
        #expect(EntityKey(storageBytes: [EntityKind.offer.storageCode, 0, 2, 0xff, 0xfe]) == nil)  // not UTF-8
        #expect(EntityKey(.job, String(repeating: "x", count: EntityKey.maxStorableIDLength)).isStorable)
        #expect(!EntityKey(.job, String(repeating: "x", count: EntityKey.maxStorableIDLength + 1)).isStorable)
    }

    private func randomUUIDText() -> String {
        let hex = Array("0123456789abcdef")
        return String((0..<36).map { i in [8, 13, 18, 23].contains(i) ? "-" : hex[Int.random(in: 0..<16)] })
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
