import CurlHTTP
import Foundation
import HireLedgerTestSupport

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
        let replyBody = Array("[".utf8) + reply.dropLast() + Array("]".utf8)
        let replySize = replyBody.count
        let server = try LoopbackHTTPServer(recordsRequests: false) { _, _ in
            .respond(status: 200, headers: [(name: "Content-Type", value: "application/json")], body: replyBody)
        }
        defer { server.stop() }
        let body = Array(#"{"limit":100,"syncToken":"\#(String(repeating: "x", count: 900))"}"#.utf8)
        let url = "http://127.0.0.1:\(server.port)/candidate.list"
        let request = HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: body)

        print("curl benchmark: \(requests) POSTs of \(body.count) B, replies of \(replySize) B, loopback")
        print("machine: \(Bench.machine()); build: \(Bench.buildMode)")

        let transport = try CurlTransport()
        _ = try await transport.send(request)   // connect once outside the timing
        var start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<requests {
            let response = try await transport.send(request)
            precondition(response.status == 200 && response.body.count == replySize)
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
}
