import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore

/// `bench webhooks [--events N]`: a log of N events (default 100 000) in a temporary store (fsync on)
/// delivered by `WebhookDispatcher.deliverOnce()` over CurlTransport to one loopback receiver in this
/// process (thread per connection, TCP_NODELAY, 204 to everything), signed with Standard Webhooks
/// HMAC-SHA256, cursor committed every 256 events.
///
/// Two subscriptions, run one after the other: one event per request, then batches of 100 events per
/// request. Receiver and dispatcher share the machine's cores, so the figures are a floor.
enum WebhookBench {
    static func run(_ arguments: [String]) async throws {
        var events = 100_000
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--events": events = Int(arguments[i + 1]) ?? events; i += 2
            default:
                print("usage: bench webhooks [--events N]")
                exit(2)
            }
        }
        let dir = NSTemporaryDirectory() + "hireledger-bench-webhooks-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try LedgerStore.open(directory: dir)
        let t0 = Timestamp(iso8601: "2026-03-01T09:00:00Z")!
        var appended = 0
        while appended < events {
            let n = min(5000, events - appended)
            try store.append((0..<n).map { k in
                let id = "a\(appended + k)"
                return PendingEvent(type: .domain(.applicationStageChanged), subject: EntityKey(.application, id),
                                    observedAt: t0.adding(milliseconds: Int64(appended + k)), occurredAt: t0, occurredAtInferred: false,
                                    data: ["applicationId": .string(id), "fromStage": ["id": "s1", "title": "Screen"],
                                           "toStage": ["id": "s2", "title": "Onsite"], "jobId": "j1"])
            })
            appended += n
        }
        let receiver = try WebhookBenchReceiver()
        defer { receiver.stop() }
        let subs = try SubscriptionStore(store: store, addressPolicy: .allowPrivate)
        let transport = try CurlTransport()
        print("webhooks benchmark: \(events) events, one loopback receiver, fsync on, cursor commit every 256 events")
        print("machine: \(machine()); build: \(buildMode)")
        for batch in [1, 100] {
            let (sub, _) = try subs.create(url: "http://127.0.0.1:\(receiver.port)/hook", types: [], startAt: .beginning, batchSize: batch)
            let dispatcher = WebhookDispatcher(store: store, subscriptions: subs, transport: transport)
            let before = receiver.counts
            let start = DispatchTime.now().uptimeNanoseconds
            let report = try await dispatcher.deliverOnce()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let after = receiver.counts
            let cursor = try subs.get(sub.id)?.cursor.value ?? 0
            precondition(report.delivered == events && cursor == UInt64(events) && report.failedAttempts == 0, "not everything was delivered")
            print(String(format: "batch %3d: %8.0f events/s, %7.0f requests/s (%d events, %d requests, %.2f s, %.1f MB received)",
                         batch, Double(report.delivered) / seconds, Double(report.requests) / seconds, report.delivered,
                         after.requests - before.requests, seconds, Double(after.bytes - before.bytes) / 1e6))
            _ = try subs.delete(sub.id)
        }
    }

    private static var buildMode: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    private static func machine() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (nproc), \(model)"
    }
}

/// A keep-alive HTTP/1.1 receiver answering 204 to every request; counts requests and body bytes.
/// `lock` guards the counters.
private final class WebhookBenchReceiver: @unchecked Sendable {
    let port: UInt16
    private let listenSocket: Int32
    private let lock = NSLock()
    private var requests = 0
    private var bytes = 0

    var counts: (requests: Int, bytes: Int) { lock.withLock { (requests, bytes) } }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 128) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, ok else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        listenSocket = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { if errno == EINTR { continue }; return }
                var one: Int32 = 1
                setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                Thread.detachNewThread { [self] in serve(c) }
            }
        }
    }

    func stop() { shutdown(listenSocket, Int32(SHUT_RDWR)) }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        let reply = Array("HTTP/1.1 204 No Content\r\n\r\n".utf8)
        let separator = Array("\r\n\r\n".utf8)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            // One request: head, then Content-Length bytes of body.
            var headEnd: Int?
            while headEnd == nil {
                if let r = buffer.firstRange(of: separator) { headEnd = r.lowerBound; break }
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[..<n])
            }
            let head = String(decoding: buffer[..<headEnd!], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            let total = headEnd! + separator.count + length
            while buffer.count < total {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[..<n])
            }
            buffer.removeFirst(total)
            lock.withLock { requests += 1; bytes += length }
            _ = reply.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }
}
