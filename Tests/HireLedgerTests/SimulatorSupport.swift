import AshbyAPI
import Foundation
import AshbySimulator
import CurlHTTP
import HireLedger
import HireLedgerCore
import Synchronization

/// An `HTTPTransport` that hands requests straight to a `SimulatedAshby` (no sockets): the sim's
/// `handle` function, with its transport faults played as a thrown reset or a cut body.
struct InProcessSimulatorTransport: HTTPTransport {
    let sim: SimulatedAshby

    struct Reset: RetryableError, CustomStringConvertible {
        var isRetryable: Bool { true }
        var description: String { "connection reset by the simulator" }
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var path = request.url
        if let schemeEnd = path.range(of: "://") {
            path = String(path[schemeEnd.upperBound...])
            path = path.firstIndex(of: "/").map { String(path[$0...]) } ?? "/"
        }
        var headers: [String: String] = [:]
        for h in request.headers { headers[h.name] = h.value }
        let r = sim.handle(method: request.method, path: path, headers: headers, body: request.body)
        switch r.transportFault {
        case .reset?: throw Reset()
        case .truncate(let n)?: return HTTPResponse(status: r.status, headers: r.headers, body: Array(r.body.prefix(n)))
        case nil: return HTTPResponse(status: r.status, headers: r.headers, body: r.body)
        }
    }
}

/// A simulator, a store in a temporary directory and a sync service wired together, with the store's
/// clock reading the simulator's simulated time.
struct SyncHarness {
    let sim: SimulatedAshby
    let store: LedgerStore
    let client: AshbyClient
    let clock: ClosureLedgerClock

    init(sim: SimulatedAshby, storePath: String, transport: (any HTTPTransport)? = nil, baseURL: String = "http://sim.invalid",
         retryPolicy: RetryPolicy = RetryPolicy.ashbyClient(seed: 7)) throws {
        self.sim = sim
        store = try openTestStore(storePath, now: sim.now)
        client = AshbyClient(baseURL: baseURL, apiKey: try APIKey(sim.fullAccessKey),
                             transport: transport ?? InProcessSimulatorTransport(sim: sim),
                             retryPolicy: retryPolicy, clock: ManualAshbyClock())
        clock = ClosureLedgerClock { [sim] in sim.now }
    }

    func service(observer: SyncObserver? = nil) -> SyncService {
        SyncService(store: store, client: client, clock: clock, observer: observer)
    }
}

/// Collects progress reports (thread-safe).
final class ProgressLog: Sendable {
    private let items = Mutex([SyncProgress]())
    func add(_ p: SyncProgress) { items.withLock { $0.append(p) } }
    var all: [SyncProgress] { items.withLock { $0 } }
}

func tinySimulator(seed: UInt64 = 11, openings: Bool = true) -> SimulatedAshby {
    SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: .tiny, openingsEnabled: openings))
}

/// Serves `sim` over HTTP on 127.0.0.1 (a free port) while `body` runs with its base URL, and stops the
/// server afterwards, also when `body` throws.
func withSimulatorServer<R>(_ sim: SimulatedAshby, _ body: (String) async throws -> R) async throws -> R {
    let server = SimulatorServer(simulator: sim)
    let url = try await server.start(host: "127.0.0.1", port: 0)
    do {
        let result = try await body(url)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
