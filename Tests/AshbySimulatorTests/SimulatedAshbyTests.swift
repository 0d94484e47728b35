import AshbySimulator
import Foundation
import HireLedgerCore
import Testing

struct SimulatedAshbyTests {
    static func tiny(seed: UInt64 = 7, openings: Bool = true, missingPermissionStatus: Int = 403) -> SimulatedAshby {
        SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: .tiny, openingsEnabled: openings,
                                                             missingPermissionStatus: missingPermissionStatus))
    }

    /// (endpoint, params that include everything, entity type in `counts()`)
    static let listEndpoints: [(String, [String: JSONValue], String)] = [
        ("application.list", [:], "application"),
        ("candidate.list", [:], "candidate"),
        ("job.list", ["status": ["Draft", "Open", "Closed", "Archived"]], "job"),
        ("opening.list", [:], "opening"),
        ("offer.list", [:], "offer"),
        ("interviewSchedule.list", [:], "interviewSchedule"),
        ("interviewPlan.list", ["includeArchived": true], "interviewPlan"),
        ("interview.list", ["includeArchived": true, "includeNonSharedInterviews": true], "interview"),
        ("department.list", ["includeArchived": true], "department"),
        ("location.list", ["includeArchived": true, "includeLocationHierarchy": true], "location"),
        ("user.list", ["includeDeactivated": true], "user"),
        ("candidateTag.list", ["includeArchived": true], "candidateTag"),
        ("customField.list", ["includeArchived": true], "customField"),
    ]

    @Test func everyPaginatedListWalksToTheWorldsCounts() throws {
        let sim = Self.tiny()
        sim.advance(days: 3)
        let counts = sim.counts()
        let c = Caller(sim)
        for (endpoint, params, type) in Self.listEndpoints {
            let walk = try c.walk(endpoint, params, limit: 7)
            let ids = walk.results.ids
            #expect(ids.count == counts[type], "\(endpoint): \(ids.count) results, world has \(counts[type] ?? -1)")
            #expect(Set(ids).count == ids.count, "\(endpoint): duplicate ids in one pass")
            #expect(walk.syncToken != nil, "\(endpoint): last page has no syncToken")
        }
    }

    @Test func unpaginatedListsAndInfoEndpointsAnswer() throws {
        let sim = Self.tiny()
        let c = Caller(sim)
        let counts = sim.counts()
        #expect(try c.call("archiveReason.list", ["includeArchived": true])["results"]?.arrayValue?.count == counts["archiveReason"])
        #expect(try c.call("closeReason.list", ["includeArchived": true])["results"]?.arrayValue?.count == counts["closeReason"])
        #expect(try c.call("source.list", ["includeArchived": true])["results"]?.arrayValue?.count == counts["source"])
        let plans = try c.walk("interviewPlan.list").results
        var stages = 0
        for p in plans {
            let r = try c.call("interviewStage.list", ["interviewPlanId": .string(p.string("id")!)])
            stages += r["results"]?.arrayValue?.count ?? 0
            #expect(r["moreDataAvailable"]?.boolValue == false)
        }
        #expect(stages == counts["interviewStage"])
        let postings = try c.call("jobPosting.list")["results"]?.arrayValue ?? []
        #expect(!postings.isEmpty)
        // Each info endpoint answers for an id taken from its list.
        let infos: [(String, String, String, [String: JSONValue])] = [
            ("application.list", "application.info", "applicationId", [:]), ("candidate.list", "candidate.info", "id", [:]),
            ("job.list", "job.info", "id", [:]), ("opening.list", "opening.info", "openingId", [:]),
            ("offer.list", "offer.info", "offerId", [:]), ("interview.list", "interview.info", "id", [:]),
            ("department.list", "department.info", "departmentId", [:]), ("location.list", "location.info", "locationId", [:]),
            ("user.list", "user.info", "userId", [:]),
        ]
        for (list, info, param, _) in infos {
            let first = try #require(try c.walk(list).results.first, "\(list) is empty")
            let id = try #require(first.string("id"))
            let r = try c.call(info, .object([param: .string(id)]))
            #expect(r["success"]?.boolValue == true && r["results"]?.string("id") == id, "\(info) failed: \(r)")
        }
        let posting = try #require(postings.first?.string("id"))
        #expect(try c.call("jobPosting.info", ["jobPostingId": .string(posting)])["results"]?.string("id") == posting)
        let stage = try #require(try c.walk("application.list").results.first?["currentInterviewStage"]?.string("id"))
        #expect(try c.call("interviewStage.info", ["interviewStageId": .string(stage)])["results"]?.string("id") == stage)
        let app = try #require(try c.walk("application.list").results.first?.string("id"))
        let history = try c.walk("application.listHistory", ["applicationId": .string(app)], limit: 1)
        #expect(!history.results.isEmpty && history.syncToken == nil)
    }

    @Test func defaultFiltersHideWhatAshbyHides() throws {
        let sim = Self.tiny()
        sim.advance(days: 10)
        let c = Caller(sim)
        let jobs = try c.walk("job.list").results
        #expect(!jobs.contains { $0.string("status") == "Draft" })
        let users = try c.walk("user.list").results
        #expect(users.allSatisfy { $0["isEnabled"]?.boolValue == true })
        let locations = try c.walk("location.list").results
        #expect(locations.allSatisfy { $0.string("type") == "Location" })
        let interviews = try c.walk("interview.list").results
        #expect(interviews.allSatisfy { absent($0["jobId"]) && $0["isArchived"]?.boolValue == false })
        let hired = try c.walk("application.list", ["status": "Hired"]).results
        #expect(hired.allSatisfy { $0.string("status") == "Hired" && $0["currentInterviewStage"]?.string("type") == "Hired" })
    }

    @Test func everyErrorCodeComesWithItsStatusAndEnvelope() throws {
        let sim = Self.tiny()
        let c = Caller(sim)
        let noKey = sim.handle(path: "/job.list", headers: ["Content-Type": "application/json"], body: Array("{}".utf8))
        #expect(noKey.status == 401)
        let unknown = Caller(sim, key: "not-a-key").raw("job.list")
        #expect(unknown.status == 403)
        let limited = Caller(sim, key: sim.makeKey(permissions: [.jobsRead]))
        let denied = limited.raw("candidate.list")
        #expect(denied.status == 403)
        let deniedBody = try JSONValue.parse(denied.body)
        #expect(deniedBody["errors"] == ["missing_endpoint_permission"])
        #expect(errorCode(deniedBody) == "missing_endpoint_permission" && deniedBody["errorInfo"]?.string("requestId") != nil)
        #expect(limited.raw("job.list").status == 200)
        #expect(c.raw("apiKey.info").status == 403)
        let admin = Caller(sim, key: sim.makeKey(permissions: AshbyPermission.syncReadSet.union([.apiKeysRead])))
        let info = try admin.call("apiKey.info")
        #expect(info["results"]?["scopes"]?.arrayValue?.contains("jobs:read") == true)

        let lenient = Self.tiny(missingPermissionStatus: 200)
        let r200 = Caller(lenient, key: lenient.makeKey(permissions: [.jobsRead])).raw("offer.list")
        #expect(try r200.status == 200 && errorCode(JSONValue.parse(r200.body)) == "missing_endpoint_permission")

        let malformed = sim.handle(path: "/job.list", headers: ["Authorization": c.authHeader, "Content-Type": "application/json"],
                                   body: Array("{not json".utf8))
        #expect(try malformed.status == 200 && errorCode(JSONValue.parse(malformed.body)) == "invalid_input")
        let noContentType = sim.handle(path: "/job.list", headers: ["Authorization": c.authHeader], body: Array("{}".utf8))
        #expect(errorCode(try JSONValue.parse(noContentType.body)) == "invalid_input")
        #expect(errorCode(try c.call("job.list", ["limit": "ten"])) == "invalid_input")
        #expect(errorCode(try c.call("application.info", [:])) == "invalid_input")
        #expect(errorCode(try c.call("application.info", ["applicationId": "00000000-0000-4000-8000-000000000000"])) == "application_not_found")
        #expect(errorCode(try c.call("job.info", ["id": "00000000-0000-4000-8000-000000000000"])) == "job_not_found")
        #expect(errorCode(try c.call("candidate.list", ["cursor": "garbage"])) == "cursor_invalid")
        #expect(c.raw("nothing.here").status == 404)
        #expect(c.raw("application.list").header("ashby-version") == "2026-01-01")
        #expect(c.raw("application.list").header("x-ashby-request-id")?.count == 26)
    }

    @Test func cursorIsBoundToItsQuery() throws {
        let sim = Self.tiny()
        let c = Caller(sim)
        let page = try c.call("application.list", ["limit": 5])
        let cursor = try #require(page.string("nextCursor"))
        #expect(try c.call("application.list", ["limit": 5, "cursor": .string(cursor)])["success"]?.boolValue == true)
        #expect(errorCode(try c.call("application.list", ["limit": 5, "cursor": .string(cursor), "status": "Hired"])) == "cursor_invalid")
        #expect(errorCode(try c.call("candidate.list", ["limit": 5, "cursor": .string(cursor)])) == "cursor_invalid")
        // limit may change between pages; it is capped at 100.
        let big = try c.call("application.list", ["limit": 1000])
        #expect(big["results"]?.arrayValue?.count == 100)
    }

    @Test func sameSeedAndAdvancesGiveByteIdenticalResponses() throws {
        func transcript(_ seed: UInt64) throws -> [[UInt8]] {
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: .small))
            let c = Caller(sim)
            var out: [[UInt8]] = []
            for round in 0..<3 {
                if round > 0 { sim.advance(days: round * 2) }
                for endpoint in ["application.list", "candidate.list", "offer.list", "opening.list", "job.list", "interviewSchedule.list"] {
                    var cursor: JSONValue = .null
                    repeat {
                        let r = c.raw(endpoint, ["limit": 100, "cursor": cursor])
                        out.append(r.body)
                        cursor = (try JSONValue.parse(r.body))["nextCursor"] ?? .null
                    } while !cursor.isNull
                }
            }
            out.append(Array(sim.journal().map { $0.json.canonicalString }.joined(separator: "\n").utf8))
            return out
        }
        let a = try transcript(42), b = try transcript(42), other = try transcript(43)
        #expect(a == b)
        #expect(a != other)
    }

    @Test func worldIsInternallyConsistent() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 3, size: .small))
        sim.advance(days: 5)
        let c = Caller(sim)
        let apps = try c.walk("application.list").results
        var hired = 0
        for app in apps.prefix(300) {
            let created = try #require(app.string("createdAt")), updated = try #require(app.string("updatedAt"))
            #expect(created <= updated)
            let info = try c.call("application.info", .object(["applicationId": .string(app.string("id")!)]))["results"]!
            let history = try #require(info["applicationHistory"]?.arrayValue)
            #expect(history.first?.string("enteredStageAt") == created)
            for (k, h) in history.enumerated() {
                #expect(h["stageNumber"]?.intValue == k)
                if k + 1 < history.count {
                    let left = Timestamp(iso8601: h.string("leftStageAt")!)!
                    let next = Timestamp(iso8601: history[k + 1].string("enteredStageAt")!)!
                    #expect(next.millisecondsSinceEpoch - left.millisecondsSinceEpoch == 3)
                } else {
                    #expect(absent(h["leftStageAt"]))
                    #expect(h.string("stageId") == app["currentInterviewStage"]?.string("id"))
                    #expect(h.string("enteredStageAt")! <= updated)
                }
            }
            if app.string("status") == "Archived" { #expect(!absent(app["archivedAt"]) && app["archiveReason"]?.isNull == false) }
            else { #expect(absent(app["archivedAt"]) && app["archiveReason"]?.isNull == true) }
            if app.string("status") == "Hired" { hired += 1 }
        }
        // Every hire has an accepted offer for its application.
        let offers = try c.walk("offer.list").results
        let accepted = Set(offers.filter { $0.string("acceptanceStatus") == "Accepted" }.compactMap { $0.string("applicationId") })
        let hiredApps = apps.filter { $0.string("status") == "Hired" }.compactMap { $0.string("id") }
        #expect(!hiredApps.isEmpty)
        #expect(hiredApps.allSatisfy { accepted.contains($0) })
        // Filled openings are referenced by an accepted offer.
        let openings = try c.walk("opening.list").results
        let offeredOpenings = Set(offers.filter { $0.string("acceptanceStatus") == "Accepted" }.compactMap { $0["latestVersion"]?.string("openingId") })
        for o in openings where o.string("openingState") == "Filled" {
            #expect(offeredOpenings.contains(o.string("id")!))
            #expect(o["closedAt"]?.stringValue != nil)
        }
        _ = hired
    }

    @Test func accountWithoutOpeningsAnswersEmptyAndNotFound() throws {
        let sim = Self.tiny(openings: false)
        let c = Caller(sim)
        let list = try c.call("opening.list")
        #expect(list["success"]?.boolValue == true && list["results"]?.arrayValue?.isEmpty == true)
        #expect(errorCode(try c.call("opening.info", ["openingId": "00000000-0000-4000-8000-000000000000"])) == "opening_not_found")
        let offers = try c.walk("offer.list").results
        #expect(offers.allSatisfy { $0["latestVersion"]?["openingId"]?.isNull == true })
        #expect(sim.counts()["opening"] == 0)
    }

    @Test func advanceProducesRealisticDailyChangesInTimeOrder() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 5, size: .medium))
        let start = sim.now
        sim.advance(days: 7)
        #expect(sim.now == start.adding(days: 7))
        let journal = sim.journal()
        #expect(zip(journal, journal.dropFirst()).allSatisfy { $0.at <= $1.at && $0.seq + 1 == $1.seq })
        #expect(journal.allSatisfy { $0.at >= start && $0.at < sim.now })
        let perDay = Double(Set(journal.map(\.changeSeq)).count) / 7
        #expect(perDay > 100 && perDay < 2000, "medium world changed \(perDay) records/day")
        let kinds = Set(journal.map { "\($0.entityType).\($0.field ?? $0.kind.rawValue)" })
        for expected in ["application.created", "application.currentInterviewStage.id", "application.archiveReason.id",
                         "offer.created", "offer.acceptanceStatus", "opening.openingState", "candidate.created", "job.status"] {
            #expect(kinds.contains(expected), "no \(expected) in a week")
        }
    }
}
