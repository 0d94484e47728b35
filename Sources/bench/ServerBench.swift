import HireLedgerTestSupport
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import LMDB

/// `bench server [events] [clients]`: the HTTP API over loopback. A store of synthetic events
/// (record and domain events of applications, ~0.6 KB CloudEvents), then:
/// 1. `clients` concurrent SSE clients, each reading all `events` from the start (one thread each);
/// 2. `/v1/events` paging throughput, one client, pages of 1000, through libcurl.
enum ServerBench {
    static func run(_ args: [String]) async throws {
        let eventCount = args.first.flatMap(Int.init) ?? 100_000
        let clients = args.dropFirst().first.flatMap(Int.init) ?? 100
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown"
        print("server bench: \(eventCount) events, \(clients) SSE clients, release build, nproc \(ProcessInfo.processInfo.activeProcessorCount), CPU \(cpu)")

        let path = NSTemporaryDirectory() + "hireledger-server-bench-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t0 = Timestamp(iso8601: "2026-01-05T09:00:00Z")!
        let store = try LedgerStore.open(directory: path, options: Environment.Options(noSync: true), now: t0)
        var batch: [PendingEvent] = []
        for i in 0..<eventCount {
            let app = EntityKey(.application, "app-\(i / 4)")
            let t = t0.adding(days: i / 5000)
            batch.append(PendingEvent(type: .domain(.applicationStageChanged), subject: app, observedAt: t, occurredAt: t,
                                      occurredAtInferred: false, backfilled: false,
                                      data: ["applicationId": .string(app.id), "jobId": .string("job-\(i % 97)"), "jobTitle": "Software Engineer, Platform",
                                             "fromStage": ["id": "s1", "title": "Phone screen", "type": "Active"],
                                             "toStage": ["id": "s2", "title": "Onsite interview", "type": "Active"],
                                             "departmentId": .string("dep-\(i % 13)"), "locationId": .string("loc-\(i % 7)")]))
            if batch.count == 5000 { _ = try store.append(batch); batch.removeAll() }
        }
        if !batch.isEmpty { _ = try store.append(batch) }
        let sample = try store.event(at: LogPosition(1))!.cloudEvent(source: "urn:hireledger:store:\(store.storeId)").canonicalBytes().count
        print("store filled: \(try store.lastPosition.value) events, CloudEvent ~\(sample) B")

        let token = "bench-token-0123456789"
        let api = try LedgerAPI(store: store, token: APIToken(token), options: ServerOptions(port: 0))
        let portBox = PortBox()
        let app = api.application(onListening: { portBox.set($0) })
        let serverTask = Task { try await app.run() }
        let port = await portBox.wait()

        // 1. Concurrent SSE clients.
        let target = eventCount
        let started = Date()
        let results = await withTaskGroup(of: (Double, Int, Bool).self) { group in
            for _ in 0..<clients {
                group.addTask {
                    await withCheckedContinuation { c in
                        Thread {
                            let s = Date()
                            var n = 0, ordered = true, last: UInt64 = 0
                            do {
                                let client = try SSEClient(port: port, path: "/v1/events/stream", headers: ["Authorization": "Bearer \(token)"], timeoutSeconds: 120)
                                while n < target, let m = try client.next() {
                                    let id = UInt64(m.id ?? "") ?? 0
                                    if id != last + 1 { ordered = false }
                                    last = id
                                    n += 1
                                }
                                client.close()
                            } catch {
                                print("client error: \(error)")
                            }
                            c.resume(returning: (Date().timeIntervalSince(s), n, ordered))
                        }.start()
                    }
                }
            }
            var out: [(Double, Int, Bool)] = []
            for await r in group { out.append(r) }
            return out
        }
        let wall = Date().timeIntervalSince(started)
        let times = results.map(\.0).sorted()
        let complete = results.filter { $0.1 == target && $0.2 }.count
        print(String(format: "SSE: %d/%d clients received all %d events in order; wall %.1f s; per client median %.1f s, max %.1f s; %.0f events/s per client (median), %.0f events/s total",
                     complete, clients, target, wall, times[times.count / 2], times.last!, Double(target) / times[times.count / 2],
                     Double(target * clients) / wall))

        // 2. Paging throughput.
        let transport = try CurlTransport()
        let pageStart = Date()
        var after: UInt64 = 0, pages = 0, received = 0, bytes = 0
        while true {
            let r = try await transport.send(CurlHTTP.HTTPRequest(url: "http://127.0.0.1:\(port)/v1/events?limit=1000&after=\(after)",
                                                                  headers: [("Authorization", "Bearer \(token)")]))
            let body = try JSONValue.parse(r.body)
            pages += 1
            bytes += r.body.count
            received += body["events"]?.arrayValue?.count ?? 0
            guard let next = body["next"]?.numberValue?.text, let n = UInt64(next) else { break }
            after = n
        }
        let pageTime = Date().timeIntervalSince(pageStart)
        print(String(format: "paging: %d events in %d pages of 1000 in %.2f s: %.0f events/s, %.1f MB/s (client parses each page with JSONValue.parse)",
                     received, pages, pageTime, Double(received) / pageTime, Double(bytes) / pageTime / 1e6))
        serverTask.cancel()
        _ = try? await serverTask.value
    }
}

/// The port the server bound, handed from `onServerRunning` to the benchmark.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func set(_ p: Int) {
        lock.lock()
        port = p
        let w = waiters
        waiters = []
        lock.unlock()
        for c in w { c.resume(returning: p) }
    }

    func wait() async -> Int {
        await withCheckedContinuation { c in
            lock.lock()
            if let port { lock.unlock(); c.resume(returning: port); return }
            waiters.append(c)
            lock.unlock()
        }
    }
}
