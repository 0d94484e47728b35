import AshbyAPI
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import Synchronization

/// Step (d) of `bench sync --latency-ms N`: the day-1 incremental sync against replies that each take N
/// ms, sequential and concurrent, each from a fresh copy of the day-0 store, next to the time to merely
/// download the changed pages.
enum SyncLatencyBench {
    static func run(simulator: SimulatorEndpoint, snapshot: String, latencyMillis: Int, concurrencies: [Int],
                    now: Timestamp) async throws {
        let clock = ContinuousClock()
        let day0 = try LedgerStore.open(directory: snapshot, now: now)
        let transport = try CurlTransport(configuration: CurlTransport.Configuration(
            maximumConnectionsPerHost: max(8, concurrencies.max() ?? 1)))
        let client = AshbyClient(baseURL: simulator.url, apiKey: try APIKey(simulator.key), transport: transport)
        try await simulator.setLatency(millis: latencyMillis)
        print("(d) day-1 incremental sync from the day-0 store, every reply taking \(latencyMillis) ms:")

        // The listing requests the sync makes, one after another as the pager does, nothing recorded.
        var requestsBefore = try await simulator.requestCount()
        var t0 = clock.now
        var pages = 0, records = 0
        for type in SyncPlan.order {
            let endpoint = type.listEndpoint
            if type == .interviewStages {
                for plan in try day0.liveKeys(of: .interviewPlan) {
                    records += try await client.interviewStages(interviewPlanId: plan.id).count
                    pages += 1
                }
                continue
            }
            let token = endpoint.supportsSyncToken ? try day0.syncToken(endpoint: endpoint.method) : nil
            var pager = client.pager(endpoint, syncToken: token)
            while let page = try await pager.nextRaw() {
                pages += 1
                records += page.count
            }
        }
        let download = (clock.now - t0).inSeconds
        let downloadRequests = try await simulator.requestCount() - requestsBefore
        print("    download the changed pages only (sequential, nothing recorded): \(SyncBench.format(download)) s, "
            + "\(pages) pages, \(records) records, \(downloadRequests) requests")

        var logHashes: [UInt64] = []
        for n in concurrencies {
            let directory = snapshot + "-c\(n)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try day0.copy(to: directory)
            let store = try LedgerStore.open(directory: directory, now: now)
            let counts = Mutex((fetched: 0, skipped: 0))
            let service = SyncService(store: store, client: client, clock: ClosureLedgerClock { now }, observer: { p in
                if case .page(let page) = p { counts.withLock { $0.fetched += page.historiesFetched; $0.skipped += page.historiesSkipped } }
            })
            requestsBefore = try await simulator.requestCount()
            t0 = clock.now
            let report = try await service.sync(SyncOptions(maxConcurrentRequests: n))
            let seconds = (clock.now - t0).inSeconds
            let requests = try await simulator.requestCount() - requestsBefore
            let (fetched, skipped) = counts.withLock { ($0.fetched, $0.skipped) }
            let hash = try logHash(store)
            logHashes.append(hash)
            let label = n == SyncOptions.defaultMaxConcurrentRequests
                ? " (the default; the cap starts at \(min(n, SyncOptions.startingConcurrentRequests)))" : ""
            print("    --max-concurrent-requests \(n)\(label): \(SyncBench.format(seconds)) s (\(String(format: "%.2f", seconds / download))x the download), "
                + "\(requests) requests, \(fetched) histories fetched, \(skipped) skipped, \(report.appendedEvents) events")
        }
        try await simulator.setLatency(millis: 0)
        print("    event logs of the runs byte-identical: \(Set(logHashes).count == 1 ? "yes" : "NO")")
    }

    /// A chain of XXH64 over every event's stored bytes, in log order (read 10k events at a time).
    static func logHash(_ store: LedgerStore) throws -> UInt64 {
        var chain: UInt64 = 0
        var after = LogPosition.none
        while true {
            let events = try store.events(after: after, limit: 10_000)
            guard let last = events.last else { return chain }
            for event in events {
                var bytes = withUnsafeBytes(of: chain.bigEndian) { Array($0) }
                bytes += event.storageBytes()
                chain = ContentHash(bytes: bytes).value
            }
            after = last.seq
        }
    }
}
