import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves a `SimulatedAshby` (or any `AshbyResponder`) over HTTP/1.1 on a local port: the simulator's
/// own small server on POSIX sockets, one thread per connection, keep-alive, `Content-Length` bodies.
///
/// Every request goes to `AshbyResponder.handle`; `/_sim/*` control endpoints answer only loopback
/// peers. Transport faults are acted out here: `reset` closes the connection without a response,
/// `truncate` sends part of the body under the full `Content-Length` and closes, `slow` (and the
/// configured latency) waits first, on the connection's own thread, so other connections go on.
/// Nagle is off on every accepted socket (each response is one `send` of head and body anyway).
///
/// Requests: `METHOD target HTTP/1.1` (or 1.0), headers up to `HTTPConnection.maxHeadBytes`, a body
/// of `Content-Length` bytes up to `HTTPConnection.maxBodyBytes` (`Expect: 100-continue` is answered);
/// a chunked body is refused (501), a malformed request gets 400 (431, 413 for sizes) and the
/// connection is closed. The query string is not part of the path the responder sees. A connection
/// idle for `HTTPConnection.idleSeconds` is closed.
///
/// Threads: the responder runs on the connection's thread (it may block it, e.g. on the simulator's
/// lock), never on the cooperative pool. `stop()` closes the listening socket and every connection
/// and waits (up to two seconds) for their threads to end.
public actor SimulatorServer {
    /// What answers the requests: a `SimulatedAshby`, or a `FolderAshby`.
    public let responder: any AshbyResponder
    private var listener: HTTPListener?

    public init(simulator: SimulatedAshby) {
        responder = simulator
    }

    public init(responder: any AshbyResponder) {
        self.responder = responder
    }

    /// Starts listening and returns the base URL, e.g. `http://127.0.0.1:54321`. Port 0 picks a free
    /// port. `host` is an IPv4 address (or `localhost`).
    public func start(host: String = "127.0.0.1", port: UInt16 = 0) async throws -> String {
        precondition(listener == nil, "SimulatorServer.start called twice")
        let listener = try HTTPListener(host: host, port: port, responder: responder)
        self.listener = listener
        listener.start()
        return "http://\(host):\(listener.port)"
    }

    /// Stops listening and closes open connections.
    public func stop() async {
        guard let listener else { return }
        self.listener = nil
        listener.shutdownAll()
        let deadline = ContinuousClock.now + .seconds(2)
        while listener.liveThreads > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
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

/// What an accept loop does when `accept` fails while the server is not stopping: the one policy of the
/// loopback servers here (this one and the tests' `LoopbackHTTPServer`).
public enum AcceptFailure: Sendable, Equatable {
    /// A client that gave up before it was accepted: accept the next one.
    case retry
    /// The machine is short of descriptors or buffers for a moment (a whole test suite in parallel):
    /// pause 10 ms and accept again. Ending the server would refuse every later connection.
    case pauseAndRetry
    /// Anything else (the socket is gone): end the accept loop.
    case stop

    public init(errno code: Int32) {
        switch code {
        case EINTR, ECONNABORTED, EPROTO: self = .retry
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: self = .pauseAndRetry
        default: self = .stop
        }
    }

    /// Pauses if due; whether the loop goes on.
    public func waitBeforeRetry() -> Bool {
        switch self {
        case .retry: return true
        case .pauseAndRetry:
            usleep(10_000)
            return true
        case .stop: return false
        }
    }
}

/// The listening socket, its accept thread and the connection threads.
///
/// Thread rules: `state` guards everything mutable. Socket descriptors are plain integers used by
/// their connection thread; they are closed under `state`, so `shutdownAll` never shuts down a number
/// that was already reused.
final class HTTPListener: Sendable {
    private struct State {
        var stopped = false
        var started = false
        var openSockets: Set<Int32> = []
        var liveThreads = 0
    }

    let port: UInt16
    private let listenSocket: Int32
    private let responder: any AshbyResponder
    private let state = Mutex(State())
    /// Connections beyond this are closed as soon as they are accepted.
    static let maxConnections = 512

    init(host: String, port: UInt16, responder: any AshbyResponder) throws {
        self.responder = responder
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        let ip = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, ip, &address.sin_addr) == 1 else {
            throw SimulatorServerError(message: "cannot listen on '\(host)': not an IPv4 address")
        }
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SimulatorServerError(message: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound, listen(fd, 128) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw SimulatorServerError(message: "cannot listen on \(host):\(port): \(message)")
        }
        listenSocket = fd
        self.port = UInt16(bigEndian: address.sin_port)
    }

    var liveThreads: Int { state.withLock { $0.liveThreads } }

    func start() {
        state.withLock { $0.liveThreads += 1; $0.started = true }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Stops accepting and shuts every connection down (their threads then close them and end).
    func shutdownAll() {
        state.withLock { s in
            guard !s.stopped else { return }
            s.stopped = true
            // shutdown() wakes a thread blocked in accept() or recv() on Linux; the owning thread closes.
            shutdown(listenSocket, Int32(SHUT_RDWR))
            for fd in s.openSockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    deinit {
        // A started listener lives as long as its accept thread, which closes the socket.
        if !state.withLock({ $0.started }) { close(listenSocket) }
    }

    private func acceptLoop() {
        defer {
            state.withLock { s in
                s.stopped = true
                close(listenSocket)
                s.liveThreads -= 1
            }
        }
        while true {
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listenSocket, $0, &peerLength) }
            }
            if fd < 0 {
                let code = errno
                guard !state.withLock({ $0.stopped }), AcceptFailure(errno: code).waitBeforeRetry() else { return }
                continue
            }
            let accepted = state.withLock { s -> Bool in
                guard !s.stopped, s.openSockets.count < HTTPListener.maxConnections else { return false }
                s.openSockets.insert(fd)
                s.liveThreads += 1
                return true
            }
            guard accepted else {
                close(fd)
                if state.withLock({ $0.stopped }) { return }
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var idle = timeval(tv_sec: HTTPConnection.idleSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &idle, socklen_t(MemoryLayout<timeval>.size))
            let loopback = HTTPListener.isLoopback(peer)
            Thread.detachNewThread { [self] in
                var connection = HTTPConnection(fd: fd, peerIsLoopback: loopback, responder: responder)
                connection.serve()
                state.withLock { s in
                    s.openSockets.remove(fd)
                    close(fd)
                    s.liveThreads -= 1
                }
            }
        }
    }

    static func isLoopback(_ peer: sockaddr_storage) -> Bool {
        var peer = peer
        switch Int32(peer.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &peer) { $0.load(as: sockaddr_in.self) }
            return UInt32(bigEndian: address.sin_addr.s_addr) >> 24 == 127
        case AF_INET6:
            let address = withUnsafeBytes(of: &peer) { $0.load(as: sockaddr_in6.self) }
            let b = withUnsafeBytes(of: address.sin6_addr) { Array($0) }
            if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return true }  // ::1
            return b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF && b[12] == 127  // ::ffff:127.x
        case AF_UNIX:
            return true
        default:
            return false
        }
    }
}

/// One accepted connection: reads requests, answers them through the responder, until the peer
/// closes, asks to close, sends something malformed, stays idle too long, or the server stops.
struct HTTPConnection {
    /// The largest request head (request line and headers) accepted.
    static let maxHeadBytes = 64 * 1024
    /// The largest request body accepted.
    static let maxBodyBytes = 16 * 1024 * 1024
    /// Seconds a connection may stay idle (or a send may stall) before it is closed.
    static let idleSeconds = 120

    let fd: Int32
    let peerIsLoopback: Bool
    let responder: any AshbyResponder
    /// Received bytes; `start` is where the next unread request begins.
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    init(fd: Int32, peerIsLoopback: Bool, responder: any AshbyResponder) {
        self.fd = fd
        self.peerIsLoopback = peerIsLoopback
        self.responder = responder
        buffer.reserveCapacity(16 * 1024)
    }

    struct Request {
        var method: String
        var path: String
        var headers: [String: String]
        var body: [UInt8]
        var keepAlive: Bool
    }

    enum ReadResult {
        case request(Request)
        /// The peer closed, the connection broke or went idle: close without answering.
        case closed
        /// A malformed or oversized request: answer `status` and close.
        case refused(status: Int, reason: String)
    }

    mutating func serve() {
        while true {
            switch readRequest() {
            case .closed:
                return
            case .refused(let status, let reason):
                _ = sendAll(Self.head(status: status, headers: [("content-type", "text/plain; charset=utf-8")],
                                      contentLength: reason.utf8.count + 1, close: true) + Array((reason + "\n").utf8))
                return
            case .request(let request):
                guard answer(request), request.keepAlive else { return }
            }
        }
    }

    /// Answers one request; false when the connection must close afterwards.
    private func answer(_ request: Request) -> Bool {
        if request.path.hasPrefix("/_sim/") && !peerIsLoopback {
            let text = Array("control endpoints answer loopback peers only\n".utf8)
            return sendAll(Self.head(status: 403, headers: [("content-type", "text/plain; charset=utf-8")],
                                     contentLength: text.count, close: !request.keepAlive) + text)
        }
        let answer = responder.handle(method: request.method, path: request.path, headers: request.headers, body: request.body)
        if answer.delayMillis > 0 { wait(milliseconds: answer.delayMillis) }
        switch answer.transportFault {
        case .reset?:
            // Close without a byte of response (the request was read whole, so the peer sees an orderly close).
            return false
        case .truncate(let n)?:
            let partial = answer.body.prefix(max(1, n))
            _ = sendAll(Self.head(status: answer.status, headers: answer.headers, contentLength: answer.body.count, close: true)
                        + partial)
            return false
        case nil:
            let head = Self.head(status: answer.status, headers: answer.headers, contentLength: answer.body.count,
                                 close: !request.keepAlive)
            return request.method == "HEAD" ? sendAll(head) : sendAll(head, answer.body)
        }
    }

    static func head(status: Int, headers: [(name: String, value: String)], contentLength: Int, close: Bool) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(SimulatorServer.phrase(status))\r\n"
        for (name, value) in headers {
            switch name.lowercased() {
            case "content-length", "connection", "transfer-encoding": continue
            default: text += "\(name): \(value)\r\n"
            }
        }
        text += "content-length: \(contentLength)\r\n"
        if close { text += "connection: close\r\n" }
        text += "\r\n"
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + contentLength)
        bytes.append(contentsOf: text.utf8)
        return bytes
    }

    /// Sleeps `milliseconds`, ending early when the server shuts the socket down.
    private func wait(milliseconds: Int) {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            let ms = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: fd, events: 0, revents: 0)
            let n = poll(&descriptor, 1, ms)
            if n > 0 && descriptor.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return }
        }
    }

    /// Sends `head` then `body` as one write (`sendmsg` with two buffers: the body is not copied behind
    /// the head first), then whatever the kernel did not take.
    private func sendAll(_ head: [UInt8], _ body: [UInt8]) -> Bool {
        guard !body.isEmpty else { return sendAll(head) }
        #if canImport(Glibc)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        let total = head.count + body.count
        var n = -1
        while true {
            n = head.withUnsafeBytes { h in
                body.withUnsafeBytes { b in
                    var vectors = [iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress), iov_len: h.count),
                                   iovec(iov_base: UnsafeMutableRawPointer(mutating: b.baseAddress), iov_len: b.count)]
                    return vectors.withUnsafeMutableBufferPointer { v in
                        var message = msghdr()
                        message.msg_iov = v.baseAddress
                        message.msg_iovlen = 2
                        return sendmsg(fd, &message, flags)
                    }
                }
            }
            if n < 0 && errno == EINTR { continue }
            break
        }
        if n <= 0 { return false }
        if n == total { return true }
        if n < head.count { return sendAll(Array(head[n...])) && sendAll(body) }
        return sendAll(Array(body[(n - head.count)...]))
    }

    private func sendAll(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            #if canImport(Glibc)
            let flags = Int32(MSG_NOSIGNAL)
            #else
            let flags: Int32 = 0
            #endif
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, flags) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads more bytes into `buffer`; false when the peer closed, the socket broke or went idle.
    private mutating func receive() -> Bool {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 64 * 1024 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let fd = self.fd
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[..<n])
            return true
        }
    }

    /// The index just past the blank line ending the head that starts at `start`, if it is buffered.
    private func headEnd(searchingFrom from: Int) -> Int? {
        var i = max(start, from)
        while i + 3 < buffer.count {
            if buffer[i] == 0x0D && buffer[i + 1] == 0x0A && buffer[i + 2] == 0x0D && buffer[i + 3] == 0x0A { return i + 4 }
            i += 1
        }
        return nil
    }

    private mutating func readRequest() -> ReadResult {
        // Blank lines before a request line are ignored (RFC 9112 §2.2).
        var scanned = 0  // bytes after `start` already searched (`receive` may move the head to the front)
        var end: Int
        while true {
            while start + 1 < buffer.count && buffer[start] == 0x0D && buffer[start + 1] == 0x0A { start += 2; scanned = 0 }
            if let found = headEnd(searchingFrom: start + scanned) { end = found; break }
            scanned = max(0, buffer.count - 3 - start)
            if buffer.count - start > Self.maxHeadBytes { return .refused(status: 431, reason: "request head too large") }
            guard receive() else { return .closed }
        }
        if end - start > Self.maxHeadBytes { return .refused(status: 431, reason: "request head too large") }
        let head = buffer[start..<(end - 4)]
        start = end
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).makeIterator()
        guard let requestLine = lines.next().map(Self.trimmingCR) else { return .refused(status: 400, reason: "no request line") }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0].allSatisfy(Self.isTokenByte), parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .refused(status: 400, reason: "malformed request line")
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .refused(status: version.hasPrefix("HTTP/") ? 505 : 400, reason: "HTTP/1.1 only")
        }
        var headers: [String: String] = [:]
        while let raw = lines.next() {
            let line = Self.trimmingCR(raw)
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
                  line[line.startIndex..<colon].allSatisfy(Self.isTokenByte) else {
                // Includes obsolete line folding (a line starting with a space), which RFC 9112 lets a server refuse.
                return .refused(status: 400, reason: "malformed header line")
            }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
            var value = line[(colon + 1)...]
            while let f = value.first, f == 0x20 || f == 0x09 { value = value.dropFirst() }
            while let l = value.last, l == 0x20 || l == 0x09 { value = value.dropLast() }
            let text = String(decoding: value, as: UTF8.self)
            if let earlier = headers[name] {
                if name == "content-length" && earlier != text { return .refused(status: 400, reason: "conflicting Content-Length") }
                if name != "content-length" { headers[name] = earlier + ", " + text }
            } else {
                headers[name] = text
            }
        }
        if headers["transfer-encoding"] != nil { return .refused(status: 501, reason: "Transfer-Encoding is not supported; send Content-Length") }
        var length = 0
        if let text = headers["content-length"] {
            guard !text.isEmpty, text.utf8.count <= 12, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(text) else {
                return .refused(status: 400, reason: "malformed Content-Length")
            }
            guard n <= Self.maxBodyBytes else { return .refused(status: 413, reason: "request body too large") }
            length = n
        }
        let connection = headers["connection"]?.lowercased() ?? ""
        let keepAlive = version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive")
        if length > buffer.count - start, headers["expect"]?.lowercased() == "100-continue" {
            guard sendAll(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return .closed }
        }
        while buffer.count - start < length {
            guard receive() else { return .closed }
        }
        let body = Array(buffer[start..<(start + length)])
        start += length
        var target = parts[1][...]
        if let q = target.firstIndex(where: { $0 == 0x3F || $0 == 0x23 }) { target = target[..<q] }
        return .request(Request(method: String(decoding: parts[0], as: UTF8.self), path: String(decoding: target, as: UTF8.self),
                                headers: headers, body: body, keepAlive: keepAlive))
    }

    private static func trimmingCR(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == 0x0D ? line.dropLast() : line
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): return true
        default: return false
        }
    }
}
