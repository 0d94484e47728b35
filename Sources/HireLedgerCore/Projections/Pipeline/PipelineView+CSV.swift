extension PipelineView {
    /// The view as CSV: one line per row and stage (stage figures and time in stage), with the row's
    /// funnel step for the stage's type (`reached`, `conversion`) and the row's time to fill.
    public var csv: CSVTable {
        var table = CSVTable(header: ["job_id", "job", "department_id", "department", "applications", "stage_id", "stage",
                                      "stage_type", "current", "entered", "completed_stays", "median_days_in_stage",
                                      "mean_days_in_stage", "type_reached", "type_conversion", "accepted",
                                      "median_days_to_accept", "median_days_to_start"])
        for r in rows {
            let lead = [r.job?.id ?? "", r.job?.title ?? "", r.department?.id ?? "",
                        r.department.map(HeadcountView.departmentPath) ?? "", String(r.applications)]
            let ttf = [String(r.timeToFill.accepted), CSVTable.days(r.timeToFill.medianDaysToAccept),
                       CSVTable.days(r.timeToFill.medianDaysToStart)]
            for s in r.stages {
                let step = r.funnel.first { $0.type == s.type }
                table.append(lead + [s.stageId, s.title ?? "", s.type ?? "", String(s.current), String(s.entered),
                                     String(s.completedStays), CSVTable.days(s.medianDaysInStage), CSVTable.days(s.meanDaysInStage),
                                     step.map { String($0.reached) } ?? "", step?.conversion.map(Self.fraction) ?? ""] + ttf)
            }
        }
        return table
    }

    /// The funnel as CSV: one line per row and stage type.
    public var funnelCSV: CSVTable {
        var table = CSVTable(header: ["job_id", "job", "department_id", "department", "stage_type", "reached", "conversion"])
        for r in rows {
            for step in r.funnel {
                table.append([r.job?.id ?? "", r.job?.title ?? "", r.department?.id ?? "",
                              r.department.map(HeadcountView.departmentPath) ?? "", step.type, String(step.reached),
                              step.conversion.map(Self.fraction) ?? ""])
            }
        }
        return table
    }

    /// A fraction with four decimals, as in the JSON.
    static func fraction(_ v: Double) -> String {
        let n = Int((v * 10_000).rounded())
        let frac = String(n % 10_000)
        return "\(n / 10_000)." + String(repeating: "0", count: 4 - frac.count) + frac
    }
}
