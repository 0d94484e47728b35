import HireLedger
import HireLedgerCore
import Hummingbird

/// `POST /v1/erasures`: erase a candidate's personal data, as `hireledger erase candidate ID` does
/// (`CandidateErasure`). Body `{"candidateId": "...", "reason": "..."}` (reason optional; do not put
/// the person's name in it: it is stored in the `candidate.erased` event).
extension LedgerAPI {
    func createErasure(_ request: Request) async throws -> Response {
        let body = try await Self.jsonBody(request)
        try body.allowOnly(["candidateId", "reason"])
        guard let id = try body.string("candidateId"), !id.isEmpty else {
            throw APIProblem.badMember("candidateId", "candidateId is required: the Ashby id of the candidate to erase.")
        }
        let reason = try body.string("reason")
        let store = self.store
        let report: ErasureReport
        do {
            report = try await store.onWriterThread {
                try store.eraseCandidate(id: id, reason: reason, at: SystemLedgerClock().now())
            }
        } catch let e as ErasureError {
            throw APIProblem.notFound(e.description)
        }
        webhooks?.wake()
        return json([
            "candidateId": .string(report.candidateId), "eventsRewritten": .number(JSONNumber(report.eventsRewritten)),
            "rowsRewritten": .number(JSONNumber(report.rowsRewritten)),
            "projectionEntriesDropped": .number(JSONNumber(report.projectionEntriesDropped)),
            "erasedEvent": .number(JSONNumber(report.erasedEvent.value)), "repeated": .bool(report.repeated),
        ], status: .ok)
    }
}
