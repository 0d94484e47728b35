extension EventClassifier {
    /// `offer.created` on first sighting; `offer.accepted` / `declined` / `cancelled` when the outcome
    /// read from `acceptanceStatus` or `offerStatus` changes to it; `offer.start_date_changed` when
    /// `latestVersion.startDate` changes.
    func offerEvents(_ change: RecordChange, _ out: inout Emitter, _ context: some ClassificationContext) {
        guard let after = change.after else { return }
        let before = change.before
        let base = offerBase(after, context)
        let version = after["latestVersion"]
        let versionChanged = version?.string("id") != before?["latestVersion"]?.string("id")

        if before.isAbsent {
            out.emit(.offerCreated, read: version?.timestamp("createdAt"), record: after, data: base)
        }

        let outcome = Self.offerOutcome(after)
        if let outcome, outcome != before.flatMap(Self.offerOutcome) {
            var data = base
            data["decidedAt"] = after.orNull("decidedAt")
            out.emit(outcome, read: after.timestamp("decidedAt"), record: after, data: data)
        }

        if let before {
            let old = before["latestVersion"].orNull("startDate"), new = version.orNull("startDate")
            if old != new {
                var data = base
                data["previousStartDate"] = old
                out.emit(.offerStartDateChanged, read: versionChanged ? version?.timestamp("createdAt") : nil,
                         record: after, data: data)
            }
        }
    }

    /// The decided outcome of an offer, if any. Ashby reports it twice (`acceptanceStatus` and
    /// `offerStatus`); either is enough.
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
    private func offerBase(_ offer: JSONValue, _ context: some ClassificationContext) -> JSONObject {
        let version = offer["latestVersion"]
        let applicationId = offer.string("applicationId")
        let application = applicationId.flatMap { context.currentRecord(EntityKey(.application, $0)) }
        let salary = version?["salary"]
        return [
            "offerId": offer.orNull("id"),
            "applicationId": offer.orNull("applicationId"),
            "candidateId": application?["candidate"].orNull("id") ?? .null,
            "job": jobSummary(embedded: application?["job"], id: application?["job"]?.string("id"), context),
            "acceptanceStatus": offer.orNull("acceptanceStatus"),
            "offerStatus": offer.orNull("offerStatus"),
            "versionId": version.orNull("id"),
            "openingId": version.orNull("openingId"),
            "startDate": version.orNull("startDate"),
            "salary": salary.map { s -> JSONValue in
                s.isNull ? .null : ["currencyCode": s.orNull("currencyCode"), "value": s.orNull("value")]
            } ?? .null,
        ]
    }
}
