import AshbySimulator
import CurlHTTP
import Foundation
import HireLedgerCore
#if canImport(Glibc)
import Glibc
#endif

/// `bench sim [--size large] [--seed N] [--days N]`: the Ashby simulator's world generation (time and peak
/// RSS), in-process page rendering, a full paginated `application.list` pass over loopback HTTP, and an
/// incremental pass after `--days` of simulated time.
///
/// The loopback passes run twice: through CurlHTTP's `CurlTransport` (the project's client transport) and
/// through a minimal blocking HTTP/1.1 keep-alive client on one socket (defined below), which shows what
/// the server side alone costs.
enum SimulatorBench {
    static func run(_ arguments: [String]) async throws {
        var size = WorldSize.large, seed: UInt64 = 1, days = 1
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--size": size = WorldSize(rawValue: arguments[i + 1]) ?? size; i += 2
            case "--seed": seed = UInt64(arguments[i + 1]) ?? seed; i += 2
            case "--days": days = Int(arguments[i + 1]) ?? days; i += 2
            default:
                print("usage: bench sim [--size tiny|small|medium|large] [--seed N] [--days N]")
                exit(2)
            }
        }
        print("simulator benchmark: size \(size.rawValue), seed \(seed)")
        print("machine: \(Bench.machine()); build: \(Bench.buildMode)")

        let clock = ContinuousClock()
        let rssBefore = peakRSSMegabytes()
        var t0 = clock.now
        let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: seed, size: size, incrementalPageCap: 100_000))
        let generation = clock.now - t0
        let counts = sim.counts()
        print("generate: \(generation.inSeconds) s, peak RSS \(peakRSSMegabytes()) MB (before: \(rssBefore) MB)")
        print("counts: " + counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))

        // In-process: render every application page through handle() (no sockets).
        let auth = "Basic " + Base64Codec.encode(Array("\(sim.fullAccessKey):".utf8))
        t0 = clock.now
        var pass = try await listPass { body in
            let r = sim.handle(path: "/application.list", headers: ["Authorization": auth, "Content-Type": "application/json"], body: Array(body.utf8))
            return r.body
        }
        let inProcess = clock.now - t0
        print("in-process application.list pass (incl. parsing each page): \(pass.records) records, \(pass.bytes / 1_000_000) MB in \(inProcess.inSeconds) s = \(Int(Double(pass.records) / inProcess.inSeconds)) records/s")

        // Over loopback HTTP.
        let server = SimulatorServer(simulator: sim)
        let url = try await server.start()
        let port = UInt16(url.split(separator: ":").last!)!
        let client = try BlockingHTTPClient(port: port)
        func post(_ body: String) throws -> [UInt8] {
            let (status, reply) = try client.post("/application.list", auth: auth, body: body)
            precondition(status == 200, "HTTP \(status)")
            return reply
        }
        t0 = clock.now
        pass = try await listPass(post)
        let syncToken = pass.syncToken
        let overHTTP = clock.now - t0
        print("HTTP (raw socket client) application.list full pass: \(pass.records) records, \(pass.requests) requests, \(pass.bytes / 1_000_000) MB in \(overHTTP.inSeconds) s = \(Int(Double(pass.records) / overHTTP.inSeconds)) records/s, \(String(format: "%.2f", overHTTP.inSeconds * 1000 / Double(pass.requests))) ms/request")

        // The same pass through CurlHTTP's libcurl transport.
        let curl = try CurlTransport()
        t0 = clock.now
        pass = try await listPass { body in
            let r = try await curl.send(CurlHTTP.HTTPRequest(method: "POST", url: url + "/application.list",
                                                             headers: [("Authorization", auth), ("Content-Type", "application/json")],
                                                             body: Array(body.utf8)))
            precondition(r.status == 200, "HTTP \(r.status)")
            return r.body
        }
        let overCurl = clock.now - t0
        print("HTTP (CurlTransport) application.list full pass: \(pass.records) records, \(pass.requests) requests in \(overCurl.inSeconds) s = \(Int(Double(pass.records) / overCurl.inSeconds)) records/s, \(String(format: "%.2f", overCurl.inSeconds * 1000 / Double(pass.requests))) ms/request")

        // Small requests: latency is dominated by the transport (Nagle would show as ~40 ms each).
        t0 = clock.now
        for _ in 0..<500 {
            let (status, _) = try client.post("/department.list", auth: auth, body: "{\"limit\":1}")
            precondition(status == 200, "HTTP \(status)")
        }
        let small = clock.now - t0
        print("HTTP small requests (department.list limit 1): 500 in \(small.inSeconds) s = \(String(format: "%.3f", small.inSeconds * 2)) ms/request")

        // The same small requests through CurlTransport, one at a time and four in flight (the sync's
        // default request budget): what each application history request costs a daily sync.
        func smallCurl() async throws {
            let r = try await curl.send(CurlHTTP.HTTPRequest(method: "POST", url: url + "/department.list",
                                                             headers: [("Authorization", auth), ("Content-Type", "application/json")],
                                                             body: Array("{\"limit\":1}".utf8)))
            precondition(r.status == 200, "HTTP \(r.status)")
        }
        t0 = clock.now
        for _ in 0..<500 { try await smallCurl() }
        let smallCurlSequential = clock.now - t0
        t0 = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask { for _ in stride(from: worker, to: 500, by: 4) { try await smallCurl() } }
            }
            try await group.waitForAll()
        }
        let smallCurlConcurrent = clock.now - t0
        print("HTTP (CurlTransport) small requests: 500 one at a time \(String(format: "%.3f", smallCurlSequential.inSeconds * 2)) ms/request, "
              + "4 in flight \(String(format: "%.3f", smallCurlConcurrent.inSeconds * 2)) ms/request")

        t0 = clock.now
        sim.advance(days: days)
        let advance = clock.now - t0
        let journal = sim.journal()
        print("advance \(days) day(s): \(advance.inSeconds) s, \(journal.count) journal entries, \(Set(journal.map(\.changeSeq)).count) record changes")
        t0 = clock.now
        pass = try await listPass(from: syncToken!, post)
        let incremental = clock.now - t0
        print("HTTP application.list incremental pass: \(pass.records) changed records, \(pass.requests) requests in \(incremental.inSeconds) s")
        print("peak RSS at end: \(peakRSSMegabytes()) MB")
        client.close()
        await server.stop()
    }

    /// One paginated `application.list` pass (limit 100), each request's body to its reply through
    /// `fetch`: a full pass, or with `syncToken` an incremental one (which must succeed).
    static func listPass(from syncToken: String? = nil, _ fetch: (String) async throws -> [UInt8]) async throws
        -> (records: Int, bytes: Int, requests: Int, syncToken: String?) {
        var records = 0, bytes = 0, requests = 0
        var cursor: String?, token: String?
        repeat {
            let body = cursor.map { "{\"limit\":100,\"cursor\":\"\($0)\"}" }
                ?? (syncToken.map { "{\"limit\":100,\"syncToken\":\"\($0)\"}" } ?? "{\"limit\":100}")
            let reply = try await fetch(body)
            requests += 1
            let page = try JSONValue.parse(reply)
            precondition(syncToken == nil || page["success"]?.boolValue == true, "incremental pass failed: \(page)")
            records += page["results"]?.arrayValue?.count ?? 0
            bytes += reply.count
            cursor = page["moreDataAvailable"]?.boolValue == true ? page.string("nextCursor") : nil
            token = page.string("syncToken") ?? token
        } while cursor != nil
        return (records, bytes, requests, token)
    }


    static func peakRSSMegabytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss / 1024  // Linux reports kilobytes
    }
}

/// One keep-alive HTTP/1.1 connection to 127.0.0.1 with blocking reads; enough for the benchmark.
final class BlockingHTTPClient {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func close() { _ = Glibc.close(fd) }

    func post(_ path: String, auth: String, body: String) throws -> (Int, [UInt8]) {
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: \(auth)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: keep-alive\r\n\r\n\(body)"
        var bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeMutableBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw POSIXError(.EPIPE) }
            sent += n
        }
        bytes = []
        // Headers.
        var headerEnd: Int? = nil
        while headerEnd == nil {
            if let r = find([13, 10, 13, 10]) { headerEnd = r } else { try fill() }
        }
        let head = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        buffer.removeFirst(headerEnd! + 4)
        let lines = head.split(separator: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var length = 0
        for line in lines.dropFirst() where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        while buffer.count < length { try fill() }
        let reply = Array(buffer[..<length])
        buffer.removeFirst(length)
        return (status, reply)
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for i in 0...(buffer.count - pattern.count) where buffer[i] == pattern[0] && Array(buffer[i..<i + pattern.count]) == pattern { return i }
        return nil
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { throw POSIXError(.ECONNRESET) }
        buffer.append(contentsOf: chunk[..<n])
    }
}
