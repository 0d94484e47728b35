import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /v1/erasures` through the router: the same erasure as `hireledger erase candidate ID`.
@Suite(.serialized) struct ErasureAPITests {
    @Test func anErasureRequestRewritesTheCandidateAppendsCandidateErasedAndNeedsTheToken() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let key = try #require(try ledger.store.liveKeys(of: .candidate).first)
        let name = try #require(try ledger.store.currentRecord(key)?["name"]?.stringValue)
        let app = Application(router: try makeAPI(ledger).router())
        try await app.test(.router) { client in
            let body = ByteBuffer(bytes: JSONValue.object(["candidateId": .string(key.id), "reason": "request 42"]).canonicalBytes())
            let anonymous = try await client.execute(uri: "/v1/erasures", method: .post, headers: [.contentType: "application/json"], body: body)
            #expect(anonymous.status == .unauthorized)
            var headers = bearer
            headers[.contentType] = "application/json"
            let r = try await client.execute(uri: "/v1/erasures", method: .post, headers: headers, body: body)
            #expect(r.status == .ok)
            let answer = try parseBody(r)
            #expect(answer["candidateId"] == .string(key.id))
            let position = try #require(answer["erasedEvent"]?.numberValue?.int64Value)
            let event = try #require(try ledger.store.event(at: LogPosition(UInt64(position))))
            #expect(event.type == .domain(.candidateErased) && event.subject == key)
            #expect(try ledger.store.currentRecord(key)?["name"] == .string(CandidateErasure.placeholder))
            #expect(try ledger.store.events().allSatisfy { !$0.data.canonicalString.contains(name) })
            // An unknown candidate is a 404 problem; a bad body a 400 naming the member.
            let unknown = try await client.execute(uri: "/v1/erasures", method: .post, headers: headers,
                                                   body: ByteBuffer(bytes: Array(#"{"candidateId":"no-such-id"}"#.utf8)))
            #expect(unknown.status == .notFound)
            let bad = try await client.execute(uri: "/v1/erasures", method: .post, headers: headers,
                                               body: ByteBuffer(bytes: Array(#"{"id":"x"}"#.utf8)))
            #expect(bad.status == .badRequest)
        }
    }
}
