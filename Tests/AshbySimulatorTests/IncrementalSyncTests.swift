import AshbySimulator
import HireLedgerCore
import Testing

struct IncrementalSyncTests {
    static let synced: [(String, [String: JSONValue], String)] = [
        ("application.list", [:], "application"),
        ("candidate.list", [:], "candidate"),
        ("job.list", ["status": ["Draft", "Open", "Closed", "Archived"]], "job"),
        ("opening.list", [:], "opening"),
        ("offer.list", [:], "offer"),
        ("interviewSchedule.list", [:], "interviewSchedule"),
        ("department.list", ["includeArchived": true], "department"),
        ("user.list", ["includeDeactivated": true], "user"),
        ("interview.list", ["includeArchived": true, "includeNonSharedInterviews": true], "interview"),
        ("candidateTag.list", ["includeArchived": true], "candidateTag"),
    ]

    /// The ids the journal says changed (created or updated, and still alive) after journal position `after`.
    static func expectedChanges(_ sim: SimulatedAshby, after: Int, type: String) -> Set<String> {
        var changed = Set<String>(), gone = Set<String>()
        for e in sim.journal(after: after) where e.entityType == type {
            switch e.kind {
            case .created, .updated: changed.insert(e.entityId)
            case .deleted, .merged: gone.insert(e.entityId)
            }
        }
        return changed.subtracting(gone)
    }

    @Test func incrementalPassesReturnExactlyTheChangedRecordsAcrossAdvances() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 11, size: .small, incrementalPageCap: 1000))
        let c = Caller(sim)
        var tokens: [String: String] = [:]
        for (endpoint, params, _) in Self.synced {
            let token: String = try #require(try c.walk(endpoint, params).syncToken)
            tokens[endpoint] = token
        }
        var position = 0
        for days in [1, 3, 2] {
            sim.advance(days: days)
            var totalChanged = 0
            for (endpoint, params, type) in Self.synced {
                var p = params
                p["syncToken"] = .string(tokens[endpoint]!)
                let pass = try c.walk(endpoint, p, limit: 25)
                let got = pass.results.ids
                #expect(Set(got).count == got.count, "\(endpoint): a record twice in one incremental pass")
                let expected = Self.expectedChanges(sim, after: position, type: type)
                #expect(Set(got) == expected, "\(endpoint) after \(days)d: missing \(expected.subtracting(got).count), extra \(Set(got).subtracting(expected).count)")
                totalChanged += got.count
                let token: String = try #require(pass.syncToken)
                tokens[endpoint] = token
            }
            #expect(totalChanged > 0)
            position = sim.journal().count
        }
        // Nothing changed since the last tokens: every incremental pass is empty and still yields a token.
        for (endpoint, params, _) in Self.synced {
            var p = params
            p["syncToken"] = .string(tokens[endpoint]!)
            let pass = try c.walk(endpoint, p)
            #expect(pass.results.isEmpty && pass.syncToken != nil, "\(endpoint) not empty without changes")
        }
    }

    @Test func incrementalRecordsCarryTheirNewState() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 12, size: .small))
        let c = Caller(sim)
        let token = try #require(try c.walk("application.list").syncToken)
        let position = sim.journal().count
        sim.advance(days: 2)
        let changed = try c.walk("application.list", ["syncToken": .string(token)]).results
        var byId: [String: JSONValue] = [:]
        for a in changed { byId[a.string("id")!] = a }
        // The latest stage move of each application in the journal is the application's current stage,
        // and updatedAt is the time of its last journalled change.
        var lastStage: [String: (String, Timestamp)] = [:]
        var lastChange: [String: Timestamp] = [:]
        for e in sim.journal(after: position) where e.entityType == "application" {
            lastChange[e.entityId] = e.at
            if e.field == "currentInterviewStage.id", let new = e.new?.stringValue { lastStage[e.entityId] = (new, e.at) }
        }
        #expect(!lastStage.isEmpty)
        for (id, (stage, at)) in lastStage {
            guard let app = byId[id] else { continue }
            #expect(app["currentInterviewStage"]?.string("id") == stage)
            let info = try c.call("application.info", .object(["applicationId": .string(id)]))["results"]!
            #expect(info["applicationHistory"]?.arrayValue?.last?.string("enteredStageAt") == at.iso8601)
        }
        for (id, at) in lastChange { if let app = byId[id] { #expect(app.string("updatedAt") == at.iso8601) } }
    }

    @Test func cursorWithTokenAndCursorAloneContinueTheSamePass() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 13, size: .small))
        let c = Caller(sim)
        let token = try #require(try c.walk("application.list").syncToken)
        sim.advance(days: 5)
        let withToken = try c.walk("application.list", ["syncToken": .string(token)], limit: 4, cursorOnly: false)
        let cursorOnly = try c.walk("application.list", ["syncToken": .string(token)], limit: 4, cursorOnly: true)
        #expect(withToken.pages > 2)
        #expect(withToken.results.ids == cursorOnly.results.ids)
        #expect(withToken.syncToken == cursorOnly.syncToken)
        // A cursor from a pass with another token is rejected.
        let first = try c.call("application.list", ["syncToken": .string(token), "limit": 4])
        let cursor = try #require(first.string("nextCursor"))
        let otherToken = try #require(try c.walk("application.list").syncToken)
        #expect(errorCode(try c.call("application.list", ["syncToken": .string(otherToken), "cursor": .string(cursor)])) == "cursor_invalid")
    }

    @Test func tokensExpireAfterTheirSimulatedMaximumAge() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 14, size: .tiny, syncTokenMaxAgeDays: 30))
        let c = Caller(sim)
        let token = try #require(try c.walk("candidate.list").syncToken)
        sim.advance(days: 30)
        #expect(try c.call("candidate.list", ["syncToken": .string(token)])["success"]?.boolValue == true)
        sim.advance(days: 1)
        let expired = try c.call("candidate.list", ["syncToken": .string(token)])
        #expect(errorCode(expired) == "sync_token_expired" && expired["errors"] == ["sync_token_expired"])
        #expect(errorCode(try c.call("job.list", ["syncToken": .string(token)])) == "invalid_input")
        #expect(errorCode(try c.call("job.list", ["syncToken": "99vGA7xrP"])) == "invalid_input")
    }

    @Test func tooManyChangedPagesIsIncrementalSyncTooLarge() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 15, size: .small, incrementalPageCap: 2))
        let c = Caller(sim)
        let token = try #require(try c.walk("application.list").syncToken)
        sim.advance(days: 10)
        let changed = try c.walk("application.list", ["syncToken": .string(token)], limit: 100).results.count
        #expect(changed > 30)
        let tooLarge = try c.call("application.list", ["syncToken": .string(token), "limit": 10])
        #expect(errorCode(tooLarge) == "incremental_sync_too_large")
    }

    @Test func deletedAndMergedCandidatesStopAppearing() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 16, size: .medium))
        let c = Caller(sim)
        sim.advance(days: 30)
        let gone = Set(sim.journal().filter { $0.entityType == "candidate" && ($0.kind == .deleted || $0.kind == .merged) }.map(\.entityId))
        #expect(!gone.isEmpty)
        let ids = Set(try c.walk("candidate.list").results.ids)
        #expect(ids.isDisjoint(with: gone))
        let one = try #require(gone.first)
        #expect(errorCode(try c.call("candidate.info", .object(["id": .string(one)]))) == "candidate_not_found")
    }
}
