/// The payloads of the candidate domain events: only ids, never the candidate's personal data (that
/// stays in the record events).
public enum CandidateEvent {
    /// The candidate's id and the last known record's `applicationIds`: the members every event of a
    /// removed candidate carries (`Merged`, `Deleted`).
    public struct Candidate: Sendable, Hashable, EventDataPart {
        public var candidateId: String
        /// The last known record's `applicationIds`; nil when unknown.
        public var applicationIds: [String]?

        public init(candidateId: String, applicationIds: [String]?) {
            self.candidateId = candidateId
            self.applicationIds = applicationIds
        }

        func write(to w: inout EventDataWriter) {
            w.set("candidateId", candidateId)
            w.set("applicationIds", applicationIds)
        }

        init(reading r: EventDataReader) throws(EventDataError) {
            candidateId = try r.requiredString("candidateId")
            applicationIds = r.strings("applicationIds")
        }
    }

    /// `candidate.merged`: the candidate was merged into another and its record removed.
    public struct Merged: DomainEventPayload, Hashable {
        public static let eventType = DomainEventType.candidateMerged
        public var candidate: Candidate
        /// The surviving candidate, when Ashby said which.
        public var mergedIntoCandidateId: String?

        public init(candidate: Candidate, mergedIntoCandidateId: String?) {
            self.candidate = candidate
            self.mergedIntoCandidateId = mergedIntoCandidateId
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                candidate.write(to: &w)
                w.set("mergedIntoCandidateId", mergedIntoCandidateId)
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            candidate = try Candidate(reading: r)
            mergedIntoCandidateId = r.string("mergedIntoCandidateId")
        }
    }

    /// `candidate.deleted`: the candidate record is gone for another reason than a merge.
    public struct Deleted: DomainEventPayload, Hashable {
        public static let eventType = DomainEventType.candidateDeleted

        /// Why the record is gone (`DeletionReason` without the merge).
        public enum Reason: String, Sendable, Hashable, CaseIterable {
            case absentFromFullSync = "absent_from_full_sync"
            case deletedInSource = "deleted_in_source"
        }

        public var candidate: Candidate
        public var reason: Reason

        public init(candidate: Candidate, reason: Reason) {
            self.candidate = candidate
            self.reason = reason
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                candidate.write(to: &w)
                w.set("reason", reason.rawValue)
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            candidate = try Candidate(reading: r)
            let text = try r.requiredString("reason")
            guard let reason = Reason(rawValue: text) else {
                throw EventDataError(type: Self.eventType, member: "reason",
                                     problem: "is '\(text)', not one of \(Reason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.reason = reason
        }
    }

    /// `candidate.erased`: HireLedger erased the candidate's personal data from the store (an erasure
    /// request); consumers should erase their copies. Carries the field names, never their values.
    public struct Erased: DomainEventPayload, Hashable {
        public static let eventType = DomainEventType.candidateErased
        public var candidateId: String
        /// The candidate fields whose values were erased.
        public var fields: [String]
        public var eventsRewritten: Int
        public var rowsRewritten: Int
        /// The operator's reason; must not name the person.
        public var reason: String?

        public init(candidateId: String, fields: [String], eventsRewritten: Int, rowsRewritten: Int, reason: String?) {
            self.candidateId = candidateId
            self.fields = fields
            self.eventsRewritten = eventsRewritten
            self.rowsRewritten = rowsRewritten
            self.reason = reason
        }

        public var data: JSONValue {
            EventDataWriter.object { w in
                w.set("candidateId", candidateId)
                w.set("fields", fields)
                w.set("eventsRewritten", eventsRewritten as Int?)
                w.set("rowsRewritten", rowsRewritten as Int?)
                w.set("reason", reason)
            }
        }

        public init(data: JSONValue) throws(EventDataError) {
            let r = try EventDataReader(data, as: Self.eventType)
            candidateId = try r.requiredString("candidateId")
            fields = try r.requiredStrings("fields")
            guard let events = r.int("eventsRewritten"), events >= 0 else {
                throw EventDataError(type: Self.eventType, member: "eventsRewritten", problem: "is not a count")
            }
            guard let rows = r.int("rowsRewritten"), rows >= 0 else {
                throw EventDataError(type: Self.eventType, member: "rowsRewritten", problem: "is not a count")
            }
            eventsRewritten = events
            rowsRewritten = rows
            reason = r.string("reason")
        }
    }
}
