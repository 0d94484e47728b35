extension PlanChangesView {
    /// The changes as CSV, with job, department and location names from `names` (empty when unknown).
    public func csv(names: PlanNames?) -> CSVTable {
        var table = CSVTable(header: ["seq", "occurred_at", "observed_at", "backfilled", "kind", "opening_id", "identifier",
                                      "offer_id", "application_id", "job_id", "job", "department_id", "department",
                                      "location_id", "location", "employment_type", "previous_date", "date", "delta_days"])
        func date(_ d: Int?) -> String { d.map { CivilDate(daysSinceEpoch: $0).iso8601 } ?? "" }
        for c in items {
            table.append([String(c.seq.value), c.occurredAt.iso8601, c.observedAt.iso8601, c.backfilled ? "true" : "false",
                          c.kind.rawValue, c.openingId ?? "", c.identifier ?? "", c.offerId ?? "", c.applicationId ?? "",
                          c.jobId ?? "", names?.jobTitle(c.jobId) ?? "", c.departmentId ?? "",
                          names?.departmentPath(c.departmentId).joined(separator: " / ") ?? "",
                          c.locationId ?? "", names?.locationName(c.locationId) ?? "", c.employmentType ?? "",
                          date(c.previousDay), date(c.day), c.deltaDays.map(String.init) ?? ""])
        }
        return table
    }
}
