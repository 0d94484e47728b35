import AshbySimulator
import HireLedgerCore
import Testing

struct FaultInjectionTests {
    @Test func failNextAppliesEachFaultOnceInOrder() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 31, size: .tiny))
        let c = Caller(sim)
        sim.faults = FaultConfiguration(retryAfterSeconds: 7, slowMillis: 250,
                                        failNext: [.rateLimited, .serverError, .malformed, .truncated, .reset, .slow])
        let limited = c.raw("job.list")
        #expect(limited.status == 429 && limited.header("retry-after") == "7")
        #expect(errorCode(try JSONValue.parse(limited.body)) == "rate_limit_exceeded")
        let server = c.raw("job.list")
        #expect((500...599).contains(server.status))
        let malformed = c.raw("job.list")
        #expect(malformed.status == 200)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(malformed.body) }
        let truncated = c.raw("job.list")
        guard case .truncate(let n)? = truncated.transportFault else { Issue.record("no truncation"); return }
        #expect(n > 0 && n < truncated.body.count)
        #expect(c.raw("job.list").transportFault == .reset)
        let slow = c.raw("job.list")
        #expect(slow.delayMillis == 250 && slow.status == 200)
        let normal = c.raw("job.list")
        #expect(normal.status == 200 && normal.transportFault == nil && normal.delayMillis == 0)
    }

    @Test func targetedFaultsPassOverOtherEndpoints() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 31, size: .tiny))
        let c = Caller(sim)
        sim.faults = .failing(next: 1, with: .serverError, of: ["candidate.list"])
        #expect(c.raw("job.list").status == 200)
        #expect(c.raw("department.list").status == 200)
        #expect((500...599).contains(c.raw("candidate.list").status))
        #expect(c.raw("candidate.list").status == 200)
    }

    @Test func randomFaultsFollowTheSeed() throws {
        func statuses(_ seed: UInt64) -> [Int] {
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(
                seed: seed, size: .tiny, faults: FaultConfiguration(rate429: 0.2, rate5xx: 0.2)))
            let c = Caller(sim)
            return (0..<60).map { _ in c.raw("department.list").status }
        }
        let a = statuses(1), b = statuses(1)
        #expect(a == b)
        #expect(a.contains(429) && a.contains { $0 >= 500 } && a.contains(200))
        #expect(a != statuses(2))
    }

    @Test func withdrawnPermissionTurnsIntoMissingEndpointPermission() throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 32, size: .tiny))
        let c = Caller(sim)
        #expect(try c.call("offer.list")["success"]?.boolValue == true)
        sim.withdraw(.offersRead, fromKey: sim.fullAccessKey)
        #expect(errorCode(try c.call("offer.list")) == "missing_endpoint_permission")
        #expect(try c.call("job.list")["success"]?.boolValue == true)
        sim.revoke(key: sim.fullAccessKey)
        #expect(c.raw("job.list").status == 403)
    }
}
