extension HeadcountSeries {
    /// The series as CSV: one line per point and group (a `total` line per point when grouped, its
    /// group columns empty), counts as in the JSON, `open` included.
    public var csv: CSVTable {
        var table = CSVTable(header: ["period", "start", "end", "as_of", "known_at", "projected", "group",
                                      "department_id", "department", "location_id", "location", "employment_type",
                                      "planned", "new_headcount", "backfills", "committed", "filled", "open", "slipped",
                                      "slipped_days", "closed_unfilled", "source"])
        for p in points {
            let head = [p.period, p.start.iso8601, p.end.iso8601, p.point.validAt.iso8601,
                        p.point.knownAt == .distantFuture ? "" : p.point.knownAt.iso8601, p.projected ? "true" : "false"]
            func counts(_ c: HeadcountCounts) -> [String] {
                [c.planned, c.newHeadcount, c.backfills, c.committed, c.filled, HeadcountSeriesPoint.open(c), c.slipped,
                 c.slippedDays, c.closedUnfilled].map(String.init) + [source.rawValue]
            }
            table.append(head + ["total", "", "", "", "", ""] + counts(p.totals))
            for r in p.rows {
                table.append(head + ["row", r.department?.id ?? "", r.department.map(HeadcountView.departmentPath) ?? "",
                                     r.location?.id ?? "", r.location?.name ?? "", r.employmentType ?? ""] + counts(r.counts))
            }
        }
        return table
    }
}
