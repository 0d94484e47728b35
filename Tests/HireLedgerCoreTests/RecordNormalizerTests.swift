import Testing
@testable import HireLedgerCore

struct RecordNormalizerTests {
    /// Two reads of one candidate that differ only in their signed file handles.
    @Test func readsDifferingOnlyInVolatileFieldsHashEqual() throws {
        let first = RecordedAshby.candidate
        var second = first
        second["resumeFileHandle"]?["handle"] = "re-signed-token-1"
        second["fileHandles"] = .array(first["fileHandles"]!.arrayValue!.map { var h = $0; h["handle"] = "re-signed-token-2"; return h })
        #expect(first.contentHash != second.contentHash)
        let a = RecordNormalizer.standard.normalize(first, kind: .candidate)
        let b = RecordNormalizer.standard.normalize(second, kind: .candidate)
        #expect(a.hash == b.hash)
        #expect(a.canonicalBytes == b.canonicalBytes)
        // The file itself is still identified.
        #expect(a.value["resumeFileHandle"]?["id"]?.stringValue == "00000000-0000-0000-0000-00000000002f")
        let resumeHandle = a.value["resumeFileHandle"]?["handle"], firstHandle = a.value["fileHandles"]?[0]?["handle"]
        #expect(resumeHandle.isAbsent)
        #expect(firstHandle.isAbsent)
    }

    @Test func aRealChangeStillChangesTheHash() {
        var changed = RecordedAshby.candidate
        changed["position"] = "Staff Engineer"
        #expect(RecordNormalizer.standard.normalize(changed, kind: .candidate).hash
            != RecordNormalizer.standard.normalize(RecordedAshby.candidate, kind: .candidate).hash)
    }

    @Test func kindsWithoutVolatileFieldsAreKeptAsSent() {
        let job = RecordedAshby.job
        #expect(RecordNormalizer.standard.normalize(job, kind: .job).value == job)
    }

    @Test func wildcardsReachEveryElementAndMember() throws {
        let n = RecordNormalizer(volatileFields: [.offer: ["versions[*].fileHandles[*].handle", "extra.*.url", "gone.*"]])
        let offer: JSONValue = [
            "versions": [["fileHandles": [["id": "f1", "handle": "h1"], ["id": "f2", "handle": "h2"]]], ["fileHandles": []]],
            "extra": ["a": ["url": "u", "keep": 1], "b": "not an object"],
            "gone": ["x": 1, "y": 2],
        ]
        let out = n.normalizedValue(offer, kind: .offer)
        #expect(out == [
            "versions": [["fileHandles": [["id": "f1"], ["id": "f2"]]], ["fileHandles": []]],
            "extra": ["a": ["keep": 1], "b": "not an object"],
            "gone": [:],
        ])
    }

    @Test(arguments: ["", "a..b", "a[*", "a[x]", "*x"])
    func malformedFieldPathsAreRejected(_ text: String) {
        #expect(FieldPath(text) == nil)
    }
}
