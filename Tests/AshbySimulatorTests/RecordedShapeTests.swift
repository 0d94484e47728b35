import AshbySimulator
import Foundation
import HireLedgerCore
import Testing

/// Compares each endpoint's reply with the real recorded reply of the same endpoint
/// (shared/reference/ashby-recorded): same keys, nesting and value kinds, values ignored.
struct RecordedShapeTests {
    static let referenceDir: URL = {
        if let dir = ProcessInfo.processInfo.environment["HIRELEDGER_REFERENCE_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir).appendingPathComponent("ashby-recorded")
        }
        // Tests/AshbySimulatorTests/<file> → repository root → ../shared/reference
        let here = URL(fileURLWithPath: #filePath)
        let repo = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [repo.appendingPathComponent("../shared/reference/ashby-recorded"),
                          URL(fileURLWithPath: "/work/shared/reference/ashby-recorded")]
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[1]
    }()

    /// Recorded file → (endpoint, how to build our request from the simulator).
    static let cases: [(file: String, endpoint: String, idParam: String?, list: String?)] = [
        ("list-applications.json", "application.list", nil, nil),
        ("get-application.json", "application.info", "applicationId", "application.list"),
        ("list-candidates.json", "candidate.list", nil, nil),
        ("get-candidate.json", "candidate.info", "id", "candidate.list"),
        ("list-departments.json", "department.list", nil, nil),
        ("get-department.json", "department.info", "departmentId", "department.list"),
        ("list-interviews.json", "interview.list", nil, nil),
        ("get-interview.json", "interview.info", "id", "interview.list"),
        ("list-jobs.json", "job.list", nil, nil),
        ("get-job.json", "job.info", "id", "job.list"),
        ("list-job-postings.json", "jobPosting.list", nil, nil),
        ("get-job-posting.json", "jobPosting.info", "jobPostingId", "jobPosting.list"),
        ("list-sources.json", "source.list", nil, nil),
        ("list-users.json", "user.list", nil, nil),
        ("get-user.json", "user.info", "userId", "user.list"),
    ]

    /// Keys we send that a recording happens not to show: the recorded candidate.info's candidate had no
    /// location, while the candidate.list recording shows the key.
    /// jobPosting.info sends both the recorded `shouldDisplayCompensation` and the spec's required
    /// `shouldDisplayCompensationOnJobBoard`.
    static let allowedExtra: [String: Set<String>] = [
        "get-candidate.json": [".results.location"],
        "get-job-posting.json": [".results.compensation.shouldDisplayCompensationOnJobBoard"],
    ]

    @Test(arguments: cases.map(\.file))
    func replyHasTheRecordedKeysAndKinds(file: String) throws {
        let entry = Self.cases.first { $0.file == file }!
        let data = try Data(contentsOf: Self.referenceDir.appendingPathComponent(file))
        let recordedFile = try JSONValue.parse([UInt8](data))
        let recordings = try #require(recordedFile["post"]?["/\(entry.endpoint)"])
        let recorded = (recordings.arrayValue ?? [recordings]).compactMap { $0["response"] }

        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 21, size: .small))
        sim.advance(days: 2)
        let c = Caller(sim)
        var ours: [JSONValue] = []
        if let param = entry.idParam, let list = entry.list {
            // Several records, so optional keys (archivedAt, location, ...) show up in the merged shape.
            let items = list == "jobPosting.list" ? (try c.call(list)["results"]?.arrayValue ?? []) : try c.walk(list).results
            for item in items.prefix(60) {
                ours.append(try c.call(entry.endpoint, .object([param: .string(item.string("id")!)])))
            }
        } else {
            ours.append(try c.call(entry.endpoint))
        }
        let recordedShape = recorded.compactMap(Shape.of).reduce(nil) { Shape.merge($0, $1) }
        let ourShape = ours.compactMap(Shape.of).reduce(nil) { Shape.merge($0, $1) }
        // Pagination keys differ with where the recording's pass ended; compare the records themselves.
        let diffs = Shape.differences(recorded: recordedShape, ours: ourShape, path: "", allowedExtra: Set([".nextCursor", ".syncToken", ".moreDataAvailable"]).union(Self.allowedExtra[file] ?? []))
            .filter { !$0.hasPrefix("missing .nextCursor") && !$0.hasPrefix("missing .syncToken") }
        #expect(diffs.isEmpty, "\(entry.endpoint) differs from \(file):\n\(diffs.joined(separator: "\n"))")
    }
}
