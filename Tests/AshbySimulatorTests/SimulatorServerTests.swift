import AshbySimulator
import CurlHTTP
import Foundation
import HireLedgerCore
import Testing

struct SimulatorServerTests {
    @Test func servesTheAPIAndControlEndpointsOverLoopback() async throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 41, size: .tiny))
        let server = SimulatorServer(simulator: sim)
        let url = try await server.start()
        let client = try LoopbackClient(baseURL: url)
        do {
            var cursor: String? = nil
            var ids: [String] = []
            repeat {
                let body = cursor.map { "{\"limit\":20,\"cursor\":\"\($0)\"}" } ?? "{\"limit\":20}"
                let r = try await client.send("/application.list", key: sim.fullAccessKey, body: body)
                #expect(r.status == 200 && r.headers["content-type"] == "application/json; charset=utf-8")
                #expect(r.headers["ashby-version"] == "2026-01-01" && r.headers["x-ashby-request-id"] != nil)
                let page = try JSONValue.parse(r.body)
                ids += page["results"]?.ids ?? []
                cursor = page["moreDataAvailable"]?.boolValue == true ? page.string("nextCursor") : nil
            } while cursor != nil
            #expect(ids.count == sim.counts()["application"])

            #expect(try await client.send("/job.list", key: nil).status == 401)
            let advanced = try JSONValue.parse(try await client.send("/_sim/advance", key: nil, body: "{\"days\":2}").body)
            #expect(advanced.string("now") == sim.now.iso8601)
            let status = try JSONValue.parse(try await client.send("/_sim/status", method: "GET", key: nil).body)
            #expect(status["counts"]?["application"]?.intValue == sim.counts()["application"])
            let journal = try JSONValue.parse(try await client.send("/_sim/journal", key: nil, body: "{\"after\":0,\"limit\":5}").body)
            #expect(journal["entries"]?.arrayValue?.count == 5)
            let key = try JSONValue.parse(try await client.send("/_sim/keys", key: nil, body: "{\"permissions\":[\"jobs:read\"]}").body)
            let limited = try await client.send("/candidate.list", key: key.string("key"))
            #expect(limited.status == 403)
            _ = try await client.send("/_sim/faults", key: nil, body: "{\"failNext\":[\"rateLimited\"]}")
            let throttled = try await client.send("/job.list", key: sim.fullAccessKey)
            #expect(throttled.status == 429 && throttled.headers["retry-after"] == "1")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func resetAndTruncatedFaultsBreakTheConnection() async throws {
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 42, size: .tiny))
        let server = SimulatorServer(simulator: sim)
        let url = try await server.start()
        let client = try LoopbackClient(baseURL: url)
        sim.faults = .failing(next: 1, with: .reset)
        let reset = await #expect(throws: HTTPTransportError.self) { try await client.send("/job.list", key: sim.fullAccessKey) }
        #expect(reset?.kind == .connectionReset && reset?.curlCode == 52, "\(String(describing: reset))")
        sim.faults = .failing(next: 1, with: .truncated)
        let truncated = await #expect(throws: HTTPTransportError.self) { try await client.send("/application.list", key: sim.fullAccessKey) }
        #expect(truncated?.kind == .connectionReset && truncated?.curlCode == 18, "\(String(describing: truncated))")
        // The server keeps serving afterwards.
        let ok = try await client.send("/job.list", key: sim.fullAccessKey)
        #expect(ok.status == 200)
        await server.stop()
    }
}
