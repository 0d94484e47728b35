extension HeadcountView {
    /// The view as CSV: one line per row (the grouping columns are always present, empty when not
    /// grouped), then no totals line (a spreadsheet sums; rolled-up department rows would double count).
    public var csv: CSVTable {
        var table = CSVTable(header: ["department_id", "department", "location_id", "location", "employment_type", "month",
                                      "planned", "new_headcount", "backfills", "committed", "filled", "slipped",
                                      "slipped_days", "closed_unfilled", "source"])
        for r in rows {
            let c = r.counts
            table.append([
                r.department?.id ?? "", r.department.map(Self.departmentPath) ?? "",
                r.location?.id ?? "", r.location?.name ?? "", r.employmentType ?? "", r.month?.iso8601 ?? "",
                String(c.planned), String(c.newHeadcount), String(c.backfills), String(c.committed), String(c.filled),
                String(c.slipped), String(c.slippedDays), String(c.closedUnfilled), source.rawValue,
            ])
        }
        return table
    }

    /// `Parent / Child` names of a department (its name or id when the path is unknown).
    public static func departmentPath(_ d: DepartmentRef) -> String {
        d.path.isEmpty ? (d.name ?? d.id) : d.path.joined(separator: " / ")
    }

    /// The view with months as columns (a plan as a spreadsheet shows it): one line per group, one
    /// column per month of the rows (plus `unscheduled` when any row has no month) holding `measure`.
    /// Requires `interval: month`.
    public func pivot(_ measure: HeadcountMeasure) -> CSVTable {
        var months: [YearMonth] = []
        var unscheduled = false
        for r in rows { if let m = r.month { if !months.contains(m) { months.append(m) } } else { unscheduled = true } }
        months.sort()
        struct Group: Hashable { var department: String?; var location: String?; var employmentType: String? }
        var order: [Group] = []
        var labels: [Group: [String]] = [:]
        var cells: [Group: [String: Int]] = [:]
        for r in rows {
            let g = Group(department: r.department?.id, location: r.location?.id, employmentType: r.employmentType)
            if labels[g] == nil {
                order.append(g)
                labels[g] = [r.department?.id ?? "", r.department.map(Self.departmentPath) ?? "", r.location?.id ?? "",
                             r.location?.name ?? "", r.employmentType ?? ""]
            }
            cells[g, default: [:]][r.month?.iso8601 ?? "unscheduled", default: 0] += measure.value(r.counts)
        }
        let columns = months.map(\.iso8601) + (unscheduled ? ["unscheduled"] : [])
        var table = CSVTable(header: ["department_id", "department", "location_id", "location", "employment_type"] + columns)
        for g in order {
            table.append(labels[g]! + columns.map { String(cells[g]?[$0] ?? 0) })
        }
        return table
    }
}

/// One count of a headcount row, for a pivot or a chart.
public enum HeadcountMeasure: String, Sendable, Hashable, CaseIterable {
    case planned, newHeadcount, backfills, committed, filled, open, slipped, slippedDays, closedUnfilled

    public func value(_ c: HeadcountCounts) -> Int {
        switch self {
        case .planned: c.planned
        case .newHeadcount: c.newHeadcount
        case .backfills: c.backfills
        case .committed: c.committed
        case .filled: c.filled
        case .open: HeadcountSeriesPoint.open(c)
        case .slipped: c.slipped
        case .slippedDays: c.slippedDays
        case .closedUnfilled: c.closedUnfilled
        }
    }
}
