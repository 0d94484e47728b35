import AshbyAPI
import CurlHTTP
import Foundation
@testable import HireLedger
import HireLedgerCore
import LMDB
import Testing
import Synchronization

/// An Ashby stand-in whose list bodies the test writes byte for byte, to control the raw bytes a sync sees.
final class ScriptedListTransport: HTTPTransport {
    private let bodies = Mutex([String: [UInt8]]())

    /// Sets the body every later call of `method` (e.g. `candidate.list`) answers with.
    func answer(_ method: String, _ text: String) { bodies.withLock { $0[method] = Array(text.utf8) } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let method = String(request.url.split(separator: "/").last ?? "")
        guard let body = bodies.withLock({ $0[method] }) else {
            return HTTPResponse(status: 200, body: Array(#"{"success":false,"errors":["unknown_endpoint"]}"#.utf8))
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
    }
}

struct SyncRawHashTests {
    let now = Timestamp(iso8601: "2026-03-01T09:00:00Z")!

    /// A `candidate.list` body holding `items` (JSON texts), as the last page.
    func page(_ items: [String], spacing: String = "") -> String {
        #"{"success":true,\#(spacing)"results":[\#(spacing)"# + items.joined(separator: ",\(spacing)")
            + #"],"moreDataAvailable":false,"syncToken":"tok"}"#
    }

    let ann = #"{"id":"c1","name":"Ann","resumeFileHandle":{"id":"f1","handle":"signed-1"},"tags":[{"id":"t1","title":"Referral"}]}"#
    /// `ann` with members reordered, whitespace added and the volatile `handle` re-signed.
    let annReordered = #"{ "tags" : [ { "title" : "Referral", "id" : "t1" } ], "resumeFileHandle" : { "handle" : "signed-2", "id" : "f1" }, "name" : "Ann", "id" : "c1" }"#
    let bob = #"{"id":"c2","name":"Bob","tags":[]}"#

    func withService(_ body: (LedgerStore, ScriptedListTransport, SyncService) async throws -> Void) async throws {
        try await withTemporaryDirectory { path in
            let store = try openTestStore(path, now: now)
            let transport = ScriptedListTransport()
            let client = AshbyClient(baseURL: "http://scripted.invalid", apiKey: try APIKey("hlk_test_0123456789abcdef"),
                                     transport: transport, retryPolicy: RetryPolicy.ashbyClient(maxAttempts: 1, seed: 7),
                                     clock: ManualAshbyClock())
            let now = self.now
            let service = SyncService(store: store, client: client, clock: ClosureLedgerClock { now })
            try await body(store, transport, service)
        }
    }

    @discardableResult
    func fullPass(_ service: SyncService) async throws -> SyncRun {
        try await service.sync(.candidates, options: SyncOptions(forceFull: true))
    }

    /// The raw hash the sync keeps for a candidate sent as `text`.
    func rawHash(_ text: String) -> ContentHash {
        Array(text.utf8).withUnsafeBytes { SyncService.rawHash($0, kind: .candidate, normalizer: .standard) }
    }

    let c1 = EntityKey(.candidate, "c1")

    @Test func aResyncWhoseBytesDifferOnlyInOrderWhitespaceOrAVolatileFieldAppendsNothing() async throws {
        try await withService { store, transport, service in
            transport.answer("candidate.list", page([ann, bob]))
            #expect(try await fullPass(service).events == 2)
            #expect(try store.stateRow(c1)?.rawHash == rawHash(ann))
            let before = try store.lastPosition

            transport.answer("candidate.list", page([annReordered, bob], spacing: "\n  "))
            let run = try await fullPass(service)
            #expect(run.events == 0 && run.tombstones == 0)
            #expect(try store.lastPosition == before)
            // The row now carries the new bytes' raw hash, so the next pass skips the record unparsed.
            #expect(try store.stateRow(c1)?.rawHash == rawHash(annReordered))
            #expect(try store.matchesRawHash([(c1, rawHash(annReordered)), (EntityKey(.candidate, "c2"), rawHash(bob))]) == [true, true])
            #expect(try await fullPass(service).events == 0)
            #expect(try store.lastPosition == before)
        }
    }

    @Test func aChangeInsideANestedMemberIsDetectedAfterRawMatches() async throws {
        try await withService { store, transport, service in
            transport.answer("candidate.list", page([ann, bob]))
            try await fullPass(service)
            #expect(try await fullPass(service).events == 0)  // both rows matched by raw hash

            // A change inside the tag's copy alone (the tag renamed) is the tag's own change: the candidate
            // keeps the reference, nothing is recorded, and the row takes the new raw hash.
            let renamed = ann.replacingOccurrences(of: #""title":"Referral""#, with: #""title":"Agency""#)
            transport.answer("candidate.list", page([renamed, bob]))
            #expect(try await fullPass(service).events == 0)
            #expect(try store.stateRow(c1)?.rawHash == rawHash(renamed))

            let changed = renamed.replacingOccurrences(of: #""id":"t1""#, with: #""id":"t9""#)
            transport.answer("candidate.list", page([changed, bob]))
            let run = try await fullPass(service)
            #expect(run.events == 1)
            let updates = try store.events(types: EventTypeFilter(["record.candidate.updated"]))
            #expect(updates.count == 1 && updates.first?.subject == c1)
            let expected = RecordNormalizer.standard.normalizedValue(try JSONValue.parse(changed), kind: .candidate)
            #expect(try store.currentRecord(c1) == expected)
            #expect(try store.stateRow(c1)?.rawHash == rawHash(changed))
        }
    }

    @Test func recordsMatchedByRawHashStillCountAsSeenByAFullPass() async throws {
        try await withService { store, transport, service in
            transport.answer("candidate.list", page([ann, bob]))
            try await fullPass(service)
            #expect(try await fullPass(service).tombstones == 0)
            transport.answer("candidate.list", page([ann]))
            let run = try await fullPass(service)
            #expect(run.tombstones == 1)
            #expect(try store.stateRow(EntityKey(.candidate, "c2"))?.deleted == true)
            #expect(try store.stateRow(c1)?.deleted == false)
            // A tombstoned row never matches by raw hash: the record coming back is restored.
            transport.answer("candidate.list", page([ann, bob]))
            #expect(try store.matchesRawHash([(EntityKey(.candidate, "c2"), rawHash(bob))]) == [false])
            #expect(try await fullPass(service).events == 1)
            #expect(try store.events(types: EventTypeFilter(["record.candidate.restored"])).count == 1)
        }
    }

    @Test func anOldFormatStateRowIsReadAndUpgradedByTheNextSync() async throws {
        try await withService { store, transport, service in
            transport.answer("candidate.list", page([ann]))
            try await fullPass(service)
            let row = try #require(try store.stateRow(c1))
            // Rewrite the row as the previous build stored it: version 1, no raw hash.
            var old: [UInt8] = [1, 0]
            old += row.hash.value.bigEndianBytes
            old += row.lastSeq.bigEndianBytes
            old += row.canonicalBytes
            try store.environment.write { txn in try txn.put(store.state, c1.storageBytes, old) }

            let read = try #require(try store.stateRow(c1))
            #expect(read.rawHash == nil && read.hash == row.hash && read.lastSeq == row.lastSeq && !read.deleted)
            #expect(read.canonicalBytes == row.canonicalBytes)
            #expect(try store.matchesRawHash([(c1, rawHash(ann))]) == [false])

            let before = try store.lastPosition
            #expect(try await fullPass(service).events == 0)
            #expect(try store.lastPosition == before)
            let stored = try store.environment.read { txn in try txn.get(store.state, c1.storageBytes) }
            #expect(stored?.first == StateRow.formatVersion)
            let upgraded = try #require(try store.stateRow(c1))
            #expect(upgraded == row && upgraded.rawHash == rawHash(ann))
        }
    }

    /// Ashby re-signs file handles on every read: a record whose bytes differ only there keeps its raw hash,
    /// so the unchanged resync stays on the fast path.
    @Test func aResignedFileHandleKeepsTheRawHash() async throws {
        let resigned = ann.replacingOccurrences(of: "signed-1", with: "signed-2?Expires=99&Signature=ab12")
        #expect(rawHash(resigned) == rawHash(ann))
        // Only `handle` members are left out: the same text elsewhere still counts.
        let inName = #"{"id":"c1","name":"\"handle\":\"x\"","tags":[]}"#
        let inNameChanged = #"{"id":"c1","name":"\"handle\":\"y\"","tags":[]}"#
        #expect(rawHash(inName) != rawHash(inNameChanged))
        #expect(rawHash(ann) != rawHash(ann.replacingOccurrences(of: #""id":"f1""#, with: #""id":"f2""#)))
        try await withService { store, transport, service in
            transport.answer("candidate.list", page([ann, bob]))
            try await fullPass(service)
            transport.answer("candidate.list", page([resigned, bob]))
            let before = try store.lastPosition
            #expect(try await fullPass(service).events == 0)
            #expect(try store.lastPosition == before)
            #expect(try store.stateRow(c1)?.rawHash == rawHash(ann))
        }
    }

    /// The word-at-a-time search for `"handle"` (`RawRecordHash.nextKey`) finds the first occurrence at
    /// or after every offset, as a byte-by-byte comparison does, in text built from pieces that put the
    /// key, quotes and `h`s at every alignment and near both ends; and the members it leads to are masked.
    @Test func theWordAtATimeKeySearchFindsWhatAByteWiseSearchFinds() {
        let key = Array(#""handle""#.utf8)
        let pieces = [#"{"handle":"a\"b"}"#, #","handle" : "x""#, #""handle""#, #""hhandle"#, #"""#, "h", #"\"#, " ", "x", "handl"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...10, using: &rng) { text += pieces.randomElement(using: &rng)! }
            let bytes = Array(text.utf8)
            for from in 0...bytes.count {
                let expected = from + key.count > bytes.count ? nil
                    : (from...(bytes.count - key.count)).first { Array(bytes[$0..<($0 + key.count)]) == key }
                #expect(bytes.withUnsafeBytes { RawRecordHash.nextKey($0, from: from) } == expected, "\(text) from \(from)")
            }
        }
        let record = Array(#"{"files":[{"handle":"s?e=1","name":"cv"},{"handle" : null},{"handle":"t"}],"x":"\"handle\":\"y\""}"#.utf8)
        let spans = record.withUnsafeBytes { RawRecordHash.handleValues($0) } ?? []
        #expect(spans.map { String(decoding: record[$0], as: UTF8.self) } == [#""s?e=1""#, #""t""#])
    }

    @Test func stateRowsRoundTripWithAndWithoutARawHash() {
        for raw in [nil, ContentHash(value: 0x0123_4567_89AB_CDEF)] {
            for deleted in [false, true] {
                let row = StateRow(hash: ContentHash(value: 42), lastSeq: LogPosition(7), deleted: deleted, rawHash: raw,
                                   canonicalBytes: Array(#"{"id":"x"}"#.utf8))
                let bytes = row.storageBytes()
                let decoded = bytes.withUnsafeBytes { StateRow(storageBytes: $0) }
                #expect(decoded == row && decoded?.rawHash == raw)
                #expect(bytes.withUnsafeBytes { StateRow.peek($0)?.deleted } == deleted)
            }
        }
        // Unknown versions and flags are refused, not misread.
        let unknownVersion: [UInt8] = [3, 0] + [UInt8](repeating: 0, count: 16)
        let unknownFlag: [UInt8] = [2, 4] + [UInt8](repeating: 0, count: 16)
        let truncatedRaw: [UInt8] = [2, 2] + [UInt8](repeating: 0, count: 20)
        for bytes in [unknownVersion, unknownFlag, truncatedRaw] {
            #expect(bytes.withUnsafeBytes { StateRow(storageBytes: $0) } == nil)
        }
    }

    @Test func aRecordWithARepeatedKeyFailsThePageAsTheParserWould() async throws {
        try await withService { store, transport, service in
            transport.answer("candidate.list", page([#"{"id":"c1","name":"A","name":"B"}"#]))
            await #expect(throws: SyncError.self) { try await fullPass(service) }
            let last = try store.lastPosition
            #expect(last == .none)
        }
    }
}
