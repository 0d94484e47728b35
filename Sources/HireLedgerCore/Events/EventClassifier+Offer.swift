extension EventClassifier {
    /// `offer.created` on first sighting; `offer.accepted` / `declined` / `cancelled` when the outcome
    /// read from `acceptanceStatus` or `offerStatus` changes to it; `offer.start_date_changed` when
    /// `latestVersion.startDate` changes.
    func offerEvents(_ change: RecordChange, _ out: inout Emitter, _ context: some ClassificationContext) {
        guard let after = change.after else { return }
        let before = change.before
        let base = offerBase(after, id: out.subject.id, context)
        let version = after["latestVersion"]
        let versionChanged = version?.string("id") != before?["latestVersion"]?.string("id")

        if before.isAbsent {
            out.emit(OfferEvent.Created(offer: base), read: version?.timestamp("createdAt"), record: after)
        }

        let outcome = Self.offerOutcome(after)
        if let outcome, outcome != before.flatMap(Self.offerOutcome) {
            let decidedAt = after.string("decidedAt"), read = after.timestamp("decidedAt")
            switch outcome {
            case .offerDeclined: out.emit(OfferEvent.Declined(offer: base, decidedAt: decidedAt), read: read, record: after)
            case .offerCancelled: out.emit(OfferEvent.Cancelled(offer: base, decidedAt: decidedAt), read: read, record: after)
            default: out.emit(OfferEvent.Accepted(offer: base, decidedAt: decidedAt), read: read, record: after)
            }
        }

        if let before {
            let old = before["latestVersion"].orNull("startDate"), new = version.orNull("startDate")
            if old != new {
                out.emit(OfferEvent.StartDateChanged(offer: base, previousStartDate: old.stringValue),
                         read: versionChanged ? version?.timestamp("createdAt") : nil, record: after)
            }
        }
    }

    /// The decided outcome of an offer, if any (`offerAccepted`, `offerDeclined` or `offerCancelled`).
    /// Ashby reports it twice (`acceptanceStatus` and `offerStatus`); either is enough.
    static func offerOutcome(_ offer: JSONValue) -> DomainEventType? {
        switch (offer.string("acceptanceStatus"), offer.string("offerStatus")) {
        case ("Accepted", _), (_, "CandidateAccepted"): .offerAccepted
        case ("Declined", _), (_, "CandidateRejected"): .offerDeclined
        case ("Cancelled", _), (_, "OfferCancelled"): .offerCancelled
        default: nil
        }
    }

    /// Ids, statuses, the latest version's terms (start date, salary, opening) and the job, read
    /// through the offer's application. No candidate names.
    private func offerBase(_ offer: JSONValue, id: String, _ context: some ClassificationContext) -> OfferEvent.Offer {
        let version = offer["latestVersion"]
        let applicationId = offer.string("applicationId")
        let application = applicationId.flatMap { context.currentRecord(EntityKey(.application, $0)) }
        let job = application?["job"]
        let salary = version?["salary"].flatMap { s in
            s.isNull ? nil : OfferEvent.Salary(currencyCode: s.string("currencyCode"), value: s["value"]?.numberValue)
        }
        return OfferEvent.Offer(
            offerId: offer.string("id") ?? id,
            applicationId: applicationId,
            candidateId: application?["candidate"]?.string("id"),
            job: job?.string("id").map { jobSummary(embedded: job, id: $0, context) },
            acceptanceStatus: offer.string("acceptanceStatus"),
            offerStatus: offer.string("offerStatus"),
            versionId: version?.string("id"),
            openingId: version?.string("openingId"),
            startDate: version?.string("startDate"),
            salary: salary)
    }
}
