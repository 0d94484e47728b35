import Foundation
import HireLedgerCore
import HireLedgerTestSupport
import Testing

/// The views as a planner reads them on the command line: CSV of every view (parsed back and
/// compared with the JSON), months as columns, legends, headcount history, and formats a view
/// cannot give refused. Real `hireledger` processes on a store synced from the embedded simulator.
@Suite(.serialized)
struct PlannerCommandLineTests {
    /// A store synced over a few simulated days (the demo's loop at tiny size), shared by the tests.
    static let store: String = {
        let path = NSTemporaryDirectory() + "hl-planner-cli-" + UUID().uuidString
        _ = try? CommandLineTests.hireledger(["demo", "--store", path, "--size", "tiny", "--days", "20"])
        return path
    }()

    static func run(_ arguments: [String]) throws -> ChildProcess.Result {
        let r = try CommandLineTests.hireledger(arguments + ["--store", store])
        return r
    }

    static func json(_ arguments: [String]) throws -> JSONValue {
        let r = try run(arguments + ["--format", "json"])
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        return try JSONValue.parse(r.stdout)
    }

    static func csv(_ arguments: [String]) throws -> (header: [String], rows: [[String: String]]) {
        let r = try run(arguments + ["--format", "csv"])
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        #expect(r.stdout.hasSuffix("\r\n"), "RFC 4180 lines end with CRLF")
        return try CSVReader.rows(r.stdout)
    }

    static func int(_ v: JSONValue?) -> String { v?.intValue.map(String.init) ?? "" }

    @Test func headcountCSVHoldsTheJSONRows() throws {
        let args = ["headcount", "--by", "department,location,employmentType"]
        let view = try Self.json(args)
        let table = try Self.csv(args)
        let rows = try #require(view["rows"]?.arrayValue)
        #expect(!rows.isEmpty)
        #expect(table.rows.count == rows.count)
        for (row, line) in zip(rows, table.rows) {
            #expect(line["department_id"] == (row["department"]?["id"]?.stringValue ?? ""))
            #expect(line["department"] == (row["department"]?["path"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " / ") ?? ""))
            #expect(line["location_id"] == (row["location"]?["id"]?.stringValue ?? ""))
            #expect(line["employment_type"] == (row["employmentType"]?.stringValue ?? ""))
            #expect(line["month"] == (row["month"]?.stringValue ?? ""))
            for (column, member) in [("planned", "planned"), ("new_headcount", "newHeadcount"), ("backfills", "backfills"),
                                     ("committed", "committed"), ("filled", "filled"), ("slipped", "slipped"),
                                     ("slipped_days", "slippedDays"), ("closed_unfilled", "closedUnfilled")] {
                #expect(line[column] == Self.int(row["counts"]?[member]), "\(column)")
            }
            #expect(line["source"] == view["source"]?.stringValue)
        }
    }

    @Test func seriesCSVAndTableHoldTheJSONPoints() throws {
        let args = ["headcount", "--series", "month", "--from", "2026-01", "--to", "2026-12", "--by", "department"]
        let view = try Self.json(args)
        let points = try #require(view["points"]?.arrayValue)
        #expect(points.map { $0["period"]?.stringValue ?? "" } == (1...12).map { String(format: "2026-%02d", $0) })
        let table = try Self.csv(args)
        let totals = table.rows.filter { $0["group"] == "total" }
        #expect(totals.count == 12)
        for (p, line) in zip(points, totals) {
            #expect(line["period"] == p["period"]?.stringValue)
            #expect(line["as_of"] == p["asOf"]?.stringValue)
            for (column, member) in [("planned", "planned"), ("committed", "committed"), ("filled", "filled"), ("open", "open"),
                                     ("closed_unfilled", "closedUnfilled")] {
                #expect(line[column] == Self.int(p["totals"]?[member]), "\(column) \(line["period"] ?? "")")
            }
        }
        let rowLines = table.rows.filter { $0["group"] == "row" }
        #expect(rowLines.count == points.reduce(0) { $0 + ($1["rows"]?.arrayValue?.count ?? 0) })
        let text = try Self.run(args)
        #expect(text.status == 0, "\(text.stderr)")
        for month in 1...12 { #expect(text.stdout.contains(String(format: "2026-%02d", month))) }
        #expect(text.stdout.contains("Legend:") && text.stdout.contains("OPEN"))
        // Weeks and quarters, and the other axis.
        let weeks = try Self.json(["headcount", "--series", "week", "--from", "2026-03-02", "--to", "2026-03-29", "--axis", "knownAt"])
        #expect(weeks["points"]?.arrayValue?.map { $0["period"]?.stringValue ?? "" } == ["2026-W10", "2026-W11", "2026-W12", "2026-W13"])
        let quarters = try Self.json(["headcount", "--series", "quarter", "--from", "2026-01", "--to", "2026-12"])
        #expect(quarters["points"]?.arrayValue?.map { $0["period"]?.stringValue ?? "" } == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])
    }

    @Test func pipelineCSVHoldsEveryStageOfTheJSON() throws {
        for by in ["department", "job"] {
            let view = try Self.json(["pipeline", "--by", by])
            let table = try Self.csv(["pipeline", "--by", by])
            var expected: [[String]] = []
            for row in view["rows"]?.arrayValue ?? [] {
                for stage in row["stages"]?.arrayValue ?? [] {
                    let step = row["funnel"]?.arrayValue?.first { $0["type"] == stage["type"] }
                    expected.append([row["job"]?["id"]?.stringValue ?? "", row["department"]?["id"]?.stringValue ?? "",
                                     Self.int(row["applications"]), stage["stageId"]?.stringValue ?? "",
                                     Self.int(stage["current"]), Self.int(stage["entered"]),
                                     stage["medianDaysInStage"]?.doubleValue.map { CSVTable.days($0) } ?? "",
                                     step.map { Self.int($0["reached"]) } ?? ""])
                }
            }
            #expect(!expected.isEmpty)
            let got = table.rows.map { [$0["job_id"]!, $0["department_id"]!, $0["applications"]!, $0["stage_id"]!, $0["current"]!,
                                        $0["entered"]!, $0["median_days_in_stage"]!, $0["type_reached"]!] }
            #expect(got == expected, "by \(by)")
        }
        let table = try Self.run(["pipeline"])
        #expect(table.stdout.contains("MEDIAN DAYS IN STAGE") && table.stdout.contains("Legend:"))
    }

    @Test func changesCSVHoldsTheJSONItemsWithNames() throws {
        let args = ["changes", "--since", "2000-01-01"]
        let view = try Self.json(args)
        let items = try #require(view["items"]?.arrayValue)
        #expect(!items.isEmpty)
        let table = try Self.csv(args)
        #expect(table.rows.count == items.count)
        for (item, line) in zip(items, table.rows) {
            #expect(line["seq"] == Self.int(item["seq"]))
            #expect(line["kind"] == item["kind"]?.stringValue)
            #expect(line["occurred_at"] == item["occurredAt"]?.stringValue)
            #expect(line["job_id"] == (item["jobId"]?.stringValue ?? ""))
            #expect(line["date"] == (item["date"]?.stringValue ?? ""))
            #expect(line["delta_days"] == (item["deltaDays"]?.intValue.map(String.init) ?? ""))
        }
        // Job titles and department names, not just ids.
        #expect(table.rows.contains { !($0["job"] ?? "").isEmpty && !($0["department"] ?? "").isEmpty })
        let text = try Self.run(args)
        #expect(text.stdout.contains("JOB") && text.stdout.contains("DEPARTMENT") && text.stdout.contains("Legend:"))
    }

    @Test func pivotPutsMonthsInColumnsWithTheJSONCounts() throws {
        let view = try Self.json(["headcount", "--by", "department", "--from", "2026-01", "--to", "2026-12"])
        for measure in ["planned", "committed", "filled"] {
            let table = try Self.csv(["headcount", "--by", "department", "--from", "2026-01", "--to", "2026-12", "--pivot", "month",
                                      "--measure", measure])
            let months = Set((view["rows"]?.arrayValue ?? []).compactMap { $0["month"]?.stringValue })
            #expect(Set(table.header.dropFirst(5).filter { $0 != "unscheduled" }) == months)
            #expect(Array(table.header.dropFirst(5).filter { $0 != "unscheduled" }) == months.sorted())
            for row in view["rows"]?.arrayValue ?? [] {
                let id = row["department"]?["id"]?.stringValue ?? ""
                let month = row["month"]?.stringValue ?? "unscheduled"
                let line = try #require(table.rows.first { $0["department_id"] == id })
                #expect(line[month] == Self.int(row["counts"]?[measure]), "\(measure) \(id) \(month)")
            }
        }
        let text = try Self.run(["headcount", "--by", "department", "--from", "2026-01", "--to", "2026-06", "--pivot", "month"])
        #expect(text.status == 0, "\(text.stderr)")
        let headerLine = try #require(text.stdout.split(separator: "\n").dropFirst().first)
        #expect(headerLine.contains("2026-01") || headerLine.contains("2026-06"), "months are columns: \(headerLine)")
        #expect(text.stdout.contains("Legend:"))
        let refused = try Self.run(["headcount", "--pivot", "month", "--format", "json"])
        #expect(refused.status != 0 && refused.stderr.contains("--pivot"))
        let badPivot = try Self.run(["headcount", "--pivot", "quarter"])
        #expect(badPivot.status != 0 && badPivot.stderr.contains("--pivot takes 'month'"))
    }

    @Test func everyTableEndsWithALegendOfItsColumns() throws {
        let headcount = try Self.run(["headcount"])
        #expect(headcount.status == 0, "\(headcount.stderr)")
        let legend = try #require(headcount.stdout.components(separatedBy: "Legend:").last)
        for term in ["PLANNED", "NEW", "BACKFILL", "COMMITTED", "FILLED", "SLIPPED", "CLOSED UNFILLED", "MONTH", "DEPARTMENT"] {
            #expect(legend.contains("  \(term) "), "legend explains \(term)")
        }
        #expect(legend.contains("sub-departments"))
    }

    @Test func aFormatAViewCannotGiveIsAnError() throws {
        for (args, view) in [(["pipeline"], "pipeline"), (["changes", "--since", "2026-01-01"], "changes"), (["headcount"], "headcount")] {
            let r = try Self.run(args + ["--format", "ndjson"])
            #expect(r.status != 0 && r.stderr.contains("\(view) cannot print --format ndjson"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        for command in ["status", "events"] {
            let r = try Self.run([command, "--format", "csv"])
            #expect(r.status != 0 && r.stderr.contains("cannot print --format csv"), "\(command): \(r.stderr)")
        }
        let badSeries = try Self.run(["headcount", "--series", "fortnight"])
        #expect(badSeries.status != 0 && badSeries.stderr.contains("--series is month, week or quarter"))
        let tooLong = try Self.run(["headcount", "--series", "month", "--from", "2000-01", "--to", "2026-01"])
        #expect(tooLong.status != 0 && tooLong.stderr.contains("more than 120 months"))
    }
}
