import FlyingFox
import FlyingSocks
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Serves a `SimulatedAshby` over HTTP/1.1 on a local port (FlyingFox, BSD sockets).
///
/// Every request goes to `SimulatedAshby.handle`; `/_sim/*` control endpoints answer only loopback
/// peers. Transport faults are acted out here: `reset` closes the connection without a response,
/// `truncate` sends part of the body under the full `Content-Length` and closes, `slow` sleeps first.
/// TCP_NODELAY is set on the listening socket (inherited by accepted sockets on Linux and the BSDs)
/// and on every socket the pool sees, because FlyingFox writes headers and body separately and Nagle
/// plus delayed ACKs would add ~40 ms to every loopback request.
public actor SimulatorServer {
    /// What answers the requests: a `SimulatedAshby`, or a `FolderAshby`.
    public let responder: any AshbyResponder
    private var server: HTTPServer?
    private var task: Task<Void, any Error>?
    private var port: UInt16 = 0

    public init(simulator: SimulatedAshby) {
        responder = simulator
    }

    public init(responder: any AshbyResponder) {
        self.responder = responder
    }

    /// Starts listening and returns the base URL, e.g. `http://127.0.0.1:54321`. Port 0 picks a free port.
    public func start(host: String = "127.0.0.1", port: UInt16 = 0) async throws -> String {
        precondition(server == nil, "SimulatorServer.start called twice")
        let simulator = self.responder
        let portBox = PortBox()
        let handler = ClosureHTTPHandler { request in
            try await SimulatorServer.respond(to: request, simulator: simulator, serverPort: portBox.value)
        }
        let server = HTTPServer(address: try .inet(ip4: host, port: port), timeout: 120,
                                pool: NoDelaySocketPool(base: HTTPServer.defaultPool()), logger: .disabled, handler: handler)
        self.server = server
        task = Task { try await server.run() }
        // Generous: on a loaded 2-core machine (a parallel test suite) the listener can take seconds to come up.
        try await server.waitUntilListening(timeout: 120)
        guard case .ip4(_, let bound)? = await server.listeningAddress else {
            throw SimulatorServerError(message: "the server did not report an IPv4 listening address")
        }
        self.port = bound
        portBox.value = bound
        return "http://\(host):\(bound)"
    }

    /// Stops listening and closes open connections.
    public func stop() async {
        await server?.stop(timeout: 1)
        task?.cancel()
        server = nil
        task = nil
    }

    static func respond(to request: HTTPRequest, simulator: any AshbyResponder, serverPort: UInt16) async throws -> HTTPResponse {
        if request.path.hasPrefix("/_sim/") && !isLoopback(request.remoteAddress) {
            return HTTPResponse(statusCode: .forbidden, body: Data("control endpoints answer loopback peers only\n".utf8))
        }
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name.rawValue.lowercased()] = value }
        let body = [UInt8](try await request.bodyData)
        let answer = simulator.handle(method: request.method.rawValue, path: request.path, headers: headers, body: body)
        if answer.delayMillis > 0 { try await Task.sleep(for: .milliseconds(answer.delayMillis)) }
        if answer.transportFault == .reset {
            shutdownConnection(peer: request.remoteAddress, serverPort: serverPort)
            throw SimulatorServerError(message: "connection reset by fault injection")
        }
        var out = HTTPHeaders()
        for (name, value) in answer.headers { out.addValue(value, for: HTTPHeader(name)) }
        let status = HTTPStatusCode(answer.status, phrase: phrase(answer.status))
        if case .truncate(let n)? = answer.transportFault {
            out[.contentLength] = String(answer.body.count)
            out[.connection] = "close"
            let partial = Array(answer.body.prefix(max(1, n)))
            return HTTPResponse(statusCode: status, headers: out,
                                body: HTTPBodySequence(from: PartialBody(bytes: partial), count: answer.body.count,
                                                       suggestedBufferSize: partial.count))
        }
        return HTTPResponse(statusCode: status, headers: out, body: HTTPBodySequence(data: Data(answer.body), suggestedBufferSize: 256 * 1024))
    }

    static func isLoopback(_ address: HTTPRequest.Address?) -> Bool {
        switch address {
        case .ip4(let ip, _)?: return ip.hasPrefix("127.")
        case .ip6(let ip, _)?: return ip == "::1" || ip.hasPrefix("::ffff:127.")
        case .unix?: return true
        case nil: return false
        }
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    /// Finds the accepted socket whose peer is `peer` on our port and shuts it down, so the client sees
    /// the connection close without a response. FlyingFox keeps sockets private, hence the fd scan; it
    /// only runs for injected resets.
    static func shutdownConnection(peer: HTTPRequest.Address?, serverPort: UInt16) {
        guard case .ip4(let ip, let peerPort)? = peer else { return }
        for fd in Int32(3)..<Int32(65_536) {
            var storage = sockaddr_in()
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &len) }
            }
            if ok != 0 {
                if errno == EBADF && fd > 1024 { break }
                continue
            }
            guard storage.sin_family == sa_family_t(AF_INET), UInt16(bigEndian: storage.sin_port) == peerPort else { continue }
            var local = sockaddr_in()
            var llen = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &llen) }
            }
            var addr = storage.sin_addr
            var text = [CChar](repeating: 0, count: 32)
            inet_ntop(AF_INET, &addr, &text, 32)
            let peerIP = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if UInt16(bigEndian: local.sin_port) == serverPort && peerIP == ip {
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                shutdown(fd, Int32(SHUT_RDWR))
                return
            }
        }
    }
}

/// Answers Ashby API requests (and `/_sim/` control requests) for `SimulatorServer`.
public protocol AshbyResponder: Sendable {
    /// Answers one request; `path` is e.g. `/application.list`, header names as received.
    func handle(method: String, path: String, headers: [String: String], body: [UInt8]) -> SimulatorResponse
}

extension SimulatedAshby: AshbyResponder {}

struct SimulatorServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The bound port, set once after listening starts and read by the request handler.
private final class PortBox: Sendable {
    private let stored = Mutex<UInt16>(0)
    var value: UInt16 {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}

/// A socket pool that sets TCP_NODELAY on every socket it suspends (the listening socket first of all).
struct NoDelaySocketPool: AsyncSocketPool {
    let base: any AsyncSocketPool

    func prepare() async throws { try await base.prepare() }
    func run() async throws { try await base.run() }

    func suspendSocket(_ socket: Socket, untilReadyFor events: Socket.Events) async throws {
        var one: Int32 = 1
        setsockopt(socket.file.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        try await base.suspendSocket(socket, untilReadyFor: events)
    }
}

/// A body that yields `bytes` and then fails, so FlyingFox closes the connection mid-body.
struct PartialBody: AsyncBufferedSequence {
    typealias Element = UInt8
    let bytes: [UInt8]

    func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes) }

    struct Iterator: AsyncBufferedIteratorProtocol {
        var bytes: [UInt8]
        var sent = false

        mutating func next() async throws -> UInt8? {
            guard let b = try await nextBuffer(suggested: 1) else { return nil }
            return b.first
        }

        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? {
            if sent { throw SimulatorServerError(message: "body truncated by fault injection") }
            sent = true
            return bytes
        }
    }
}
