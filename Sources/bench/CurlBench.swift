import CurlHTTP
import Foundation

/// `bench curl [--requests N] [--concurrency N]`: CurlTransport against a loopback HTTP/1.1 server in
/// this process (POSIX sockets, thread per connection, TCP_NODELAY, fixed JSON reply).
///
/// Reports sequential POST requests/s (one task, each request awaited before the next: the shape of a
/// paginated sync) and the same with N tasks in flight, plus the connections the server accepted.
/// Client and server share the machine's cores, so figures are a floor for the client alone.
enum CurlBench {
    static func run(_ arguments: [String]) async throws {
        var requests = 5000
        var concurrency = 16
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--requests": requests = Int(arguments[i + 1]) ?? requests; i += 2
            case "--concurrency": concurrency = Int(arguments[i + 1]) ?? concurrency; i += 2
            default:
                print("usage: bench curl [--requests N] [--concurrency N]")
                exit(2)
            }
        }
        let reply = Array(String(repeating: #"{"id":"4f1c2b7e","name":"Ada"},"#, count: 30).utf8)
        let server = try BenchHTTPServer(reply: Array("[".utf8) + reply.dropLast() + Array("]".utf8))
        defer { server.stop() }
        let body = Array(#"{"limit":100,"syncToken":"\#(String(repeating: "x", count: 900))"}"#.utf8)
        let url = "http://127.0.0.1:\(server.port)/candidate.list"
        let request = HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: body)

        print("curl benchmark: \(requests) POSTs of \(body.count) B, replies of \(server.replySize) B, loopback")
        print("machine: \(machine()); build: \(buildMode)")

        let transport = try CurlTransport()
        _ = try await transport.send(request)   // connect once outside the timing
        var start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<requests {
            let response = try await transport.send(request)
            precondition(response.status == 200 && response.body.count == server.replySize)
        }
        var seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("sequential:      \(rate(requests, seconds)) req/s  (\(String(format: "%.1f", seconds * 1e6 / Double(requests))) µs/request), "
              + "server accepted \(server.acceptedConnections) connection(s)")

        let before = server.acceptedConnections
        let total = requests, inFlight = concurrency
        start = DispatchTime.now().uptimeNanoseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<inFlight {
                group.addTask {
                    for _ in stride(from: worker, to: total, by: inFlight) {
                        let response = try await transport.send(request)
                        precondition(response.status == 200)
                    }
                }
            }
            try await group.waitForAll()
        }
        seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("\(concurrency) in flight:    \(rate(requests, seconds)) req/s, "
              + "\(server.acceptedConnections - before) more connection(s) (cap \(transport.configuration.maximumConnectionsPerHost)/host)")
        let statistics = transport.statistics
        print("transport: \(statistics.requestsCompleted) completed, \(statistics.requestsFailed) failed, "
              + "\(statistics.connectionsOpened) connections opened")
    }

    private static func rate(_ count: Int, _ seconds: Double) -> String {
        String(format: "%7.0f", Double(count) / seconds)
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
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (nproc), \(model)"
    }
}

/// A minimal keep-alive HTTP/1.1 server answering every request with 200 and a fixed JSON body.
/// Thread per connection; `lock` guards the counters and the set of open sockets.
private final class BenchHTTPServer: @unchecked Sendable {
    let port: UInt16
    let replySize: Int
    private let response: [UInt8]
    private let listenSocket: Int32
    private let lock = NSLock()
    private var accepted = 0
    private var stopped = false
    private var openSockets: Set<Int32> = []

    var acceptedConnections: Int { lock.withLock { accepted } }

    init(reply: [UInt8]) throws {
        replySize = reply.count
        response = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(reply.count)\r\n\r\n".utf8) + reply
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
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listenSocket, Int32(SHUT_RDWR))
            for fd in openSockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenSocket, nil, nil)
            if fd < 0 { if errno == EINTR { continue } else { break } }
            var one: Int32 = 1
            // Without TCP_NODELAY each reply waits ~40 ms for a delayed ACK.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            lock.withLock {
                accepted += 1
                openSockets.insert(fd)
            }
            Thread.detachNewThread { [self] in serve(fd) }
        }
        close(listenSocket)
    }

    private func serve(_ fd: Int32) {
        defer { lock.withLock { openSockets.remove(fd); close(fd) } }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let separator = Array("\r\n\r\n".utf8)
        while true {
            // Read one request: head, then Content-Length bytes of body.
            var headEnd: Int?
            var needed = Int.max
            while buffer.count < needed {
                if headEnd == nil, let range = buffer.firstRange(of: separator) {
                    headEnd = range.upperBound
                    let head = String(decoding: buffer[..<range.lowerBound], as: UTF8.self).lowercased()
                    let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    needed = range.upperBound + length
                    continue
                }
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[..<n])
            }
            buffer.removeFirst(needed)
            var sent = 0
            while sent < response.count {
                let n = response[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                sent += n
            }
        }
    }
}
