import HireLedgerTestSupport
import AshbyAPI
import AshbySimulator
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import LMDB

/// A store filled by syncing a tiny simulated Ashby account over real HTTP, plus the way to append
/// more (advance the simulator a day and sync again).
final class SyncedLedger: @unchecked Sendable {
    let path: String
    let sim: SimulatedAshby
    let simServer: SimulatorServer
    let store: LedgerStore
    let service: SyncService

    static func make(days: Int = 3) async throws -> SyncedLedger {
        let path = NSTemporaryDirectory() + "hireledger-server-tests-" + UUID().uuidString
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 7, size: .tiny))
        let server = SimulatorServer(simulator: sim)
        let url = try await server.start(host: "127.0.0.1", port: 0)
        let client = AshbyClient(baseURL: url, apiKey: try APIKey(sim.fullAccessKey), transport: try CurlTransport())
        let clock = ClosureLedgerClock { sim.now }
        let store = try LedgerStore.open(directory: path, options: Environment.Options(mapSize: 64 << 20, noSync: true), now: clock.now())
        let ledger = SyncedLedger(path: path, sim: sim, simServer: server, store: store,
                                  service: SyncService(store: store, client: client, clock: clock))
        for day in 0..<days {
            if day > 0 { sim.advance(days: 1) }
            _ = try await ledger.service.sync()
        }
        return ledger
    }

    private init(path: String, sim: SimulatedAshby, simServer: SimulatorServer, store: LedgerStore, service: SyncService) {
        self.path = path
        self.sim = sim
        self.simServer = simServer
        self.store = store
        self.service = service
    }

    /// One more simulated day synced; returns how many events it appended (at least one is required).
    @discardableResult
    func syncNextDay() async throws -> Int {
        sim.advance(days: 1)
        return try await service.sync().appendedEvents
    }

    func shutdown() async {
        await simServer.stop()
        try? FileManager.default.removeItem(atPath: path)
    }
}

let testToken = "test-token-0123456789abcdef"
let bearer: HTTPFields = [.authorization: "Bearer \(testToken)"]

func makeAPI(_ ledger: SyncedLedger, heartbeatSeconds: Int = 15) throws -> LedgerAPI {
    try LedgerAPI(store: ledger.store, token: APIToken(testToken),
                  // The tests' receivers listen on loopback: opt in, as an operator would with --allow-private-webhooks.
                  options: ServerOptions(port: 0, heartbeatSeconds: heartbeatSeconds, pollMilliseconds: 20, webhookAddressPolicy: .allowPrivate))
}

func parseBody(_ response: TestResponse) throws -> JSONValue {
    try JSONValue.parse(Array(response.body.readableBytesView))
}

/// The repository root (for schemas/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func loadJSON(_ relativePath: String) throws -> JSONValue {
    try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/" + relativePath))))
}

/// Runs a blocking SSE client on a thread of its own, reading until `until` says stop or the stream ends.
func readStream(port: Int, path: String, headers: [String: String],
                until stop: @escaping @Sendable ([SSEClient.Message]) -> Bool) async throws -> (status: Int, messages: [SSEClient.Message]) {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<(status: Int, messages: [SSEClient.Message]), any Error>) in
        let thread = Thread {
            do {
                let client = try SSEClient(port: port, path: path, headers: headers, timeoutSeconds: 20)
                var got: [SSEClient.Message] = []
                if client.status == 200 {
                    while !stop(got), let m = try client.next() { got.append(m) }
                }
                client.close()
                c.resume(returning: (client.status, got))
            } catch {
                c.resume(throwing: error)
            }
        }
        thread.start()
    }
}
