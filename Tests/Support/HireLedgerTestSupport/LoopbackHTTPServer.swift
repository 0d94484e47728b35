import AshbySimulator
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one loopback HTTP/1.1 server of the tests and benchmarks (webhook receivers, transport tests,
/// benchmark peers): POSIX sockets on 127.0.0.1, a port chosen by the kernel, one thread per
/// connection, keep-alive, Nagle off. It answers each request with what `handler` returns for it
/// (given its 0-based index in arrival order), and can misbehave on purpose (hang, close without
/// answering, send a truncated body), which a full server library hides.
///
/// Rules: `handler` runs on the connection's thread and may block it (a test gate), never the
/// cooperative pool. With `recordsRequests` (the default) every request is kept for `requests`; a
/// benchmark that sends millions turns it off and reads `counts`. Stop it with `stop()` (deinit does).
/// With `guardSeconds` it stops itself after that long, so a test waiting for an event that never comes
/// fails instead of hanging.
///
/// Thread rules: `state` guards everything mutable; socket descriptors are plain integers used by the
/// connection threads and closed under `state` so a number is never reused while it is shut down.
public final class LoopbackHTTPServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        /// The first header named `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public enum Reply: Sendable {
        /// A response with Content-Length; `closeAfter` closes the connection silently afterwards
        /// (without announcing `Connection: close`), as servers do with idle keep-alive connections.
        case respond(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                     closeAfter: Bool = false)
        /// Never answer: hold the connection until the client closes it (then emit
        /// `clientClosedWhileHanging`), or for at most 10 s.
        case hang
        /// Read the request, then close the connection without a byte of response.
        case closeWithoutResponse
        /// Announce `declaredLength` bytes of body, send `body` (shorter), then close.
        case truncated(declaredLength: Int, body: [UInt8])

        /// A body-less response.
        public static func status(_ status: Int, headers: [(String, String)] = []) -> Reply {
            .respond(status: status, headers: headers.map { (name: $0.0, value: $0.1) })
        }
    }

    /// What the server observed, in order; tests wait for these instead of sleeping.
    public enum Event: Sendable, Equatable {
        case requestReceived(path: String)
        case clientClosedWhileHanging(path: String)
    }

    private struct State {
        var received: [Request] = []
        var requestCount = 0
        var bodyBytes = 0
        var acceptedCount = 0
        var openSockets: Set<Int32> = []
        var stopped = false
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    public let port: UInt16
    private let listenSocket: Int32
    private let handler: @Sendable (Int, Request) -> Reply
    private let recordsRequests: Bool
    private let state = Mutex(State())
    private let eventContinuation: AsyncStream<Event>.Continuation
    /// Every `Event`, as it happens.
    public let events: AsyncStream<Event>

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// `<baseURL>/hooks`: where tests point webhook subscriptions.
    public var url: String { baseURL + "/hooks" }
    /// The requests received so far, in order (empty unless `recordsRequests`).
    public var requests: [Request] { state.withLock { $0.received } }
    /// Requests received and body bytes read so far.
    public var counts: (requests: Int, bytes: Int) { state.withLock { ($0.requestCount, $0.bodyBytes) } }
    /// Connections accepted so far.
    public var acceptedConnections: Int { state.withLock { $0.acceptedCount } }

    /// Starts listening. `handler` gets each request's index in arrival order and the request.
    public init(guardSeconds: Double? = nil, recordsRequests: Bool = true,
                handler: @escaping @Sendable (Int, Request) -> Reply = { _, _ in .status(204) }) throws {
        self.handler = handler
        self.recordsRequests = recordsRequests
        (events, eventContinuation) = AsyncStream.makeStream(of: Event.self)
        let (fd, port) = try Self.bindLoopback()
        guard listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        listenSocket = fd
        self.port = port
        Thread.detachNewThread { [self] in acceptLoop() }
        if let guardSeconds {
            DispatchQueue.global().asyncAfter(deadline: .now() + guardSeconds) { [weak self] in self?.stop() }
        }
    }

    /// Starts listening; `handler` gets each request.
    public convenience init(guardSeconds: Double? = nil, handler: @escaping @Sendable (Request) -> Reply) throws {
        try self.init(guardSeconds: guardSeconds, handler: { _, request in handler(request) })
    }

    /// Binds a TCP socket to 127.0.0.1 on a kernel-chosen port (not yet listening).
    public static func bindLoopback() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            let code = errno
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Returns once at least `n` requests have arrived (or the server stopped).
    public func waitForRequests(_ n: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.requestCount >= n || s.stopped { return true }
                s.waiters.append((n, c))
                return false
            }
            if now { c.resume() }
        }
    }

    /// Stops accepting, closes every connection, ends `events` and releases every waiter.
    public func stop() {
        // shutdown() wakes a thread blocked in accept() or recv() on Linux; the owning thread closes.
        let pending = state.withLock { s -> [CheckedContinuation<Void, Never>]? in
            guard !s.stopped else { return nil }
            s.stopped = true
            shutdown(listenSocket, Int32(SHUT_RDWR))
            for fd in s.openSockets { shutdown(fd, Int32(SHUT_RDWR)) }
            defer { s.waiters = [] }
            return s.waiters.map(\.continuation)
        }
        guard let pending else { return }
        for c in pending { c.resume() }
        eventContinuation.finish()
    }

    deinit { stop() }

    private func acceptLoop() {
        defer {
            stop()
            close(listenSocket)
        }
        while true {
            let fd = accept(listenSocket, nil, nil)
            if fd < 0 {
                let code = errno
                guard !state.withLock({ $0.stopped }), AcceptFailure(errno: code).waitBeforeRetry() else { return }
                continue
            }
            let accepted = state.withLock { s -> Bool in
                guard !s.stopped else { return false }
                s.acceptedCount += 1
                s.openSockets.insert(fd)
                return true
            }
            guard accepted else { close(fd); return }
            // Without this every response waits ~40 ms for a delayed ACK.
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            state.withLock { s in
                s.openSockets.remove(fd)
                close(fd)
            }
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while let request = readRequest(fd, &buffer, &chunk) {
            let (index, ready) = state.withLock { s -> (Int, [CheckedContinuation<Void, Never>]) in
                if recordsRequests { s.received.append(request) }
                s.requestCount += 1
                s.bodyBytes += request.body.count
                let n = s.requestCount
                let ready = s.waiters.filter { $0.count <= n }.map(\.continuation)
                s.waiters.removeAll { $0.count <= n }
                return (n - 1, ready)
            }
            for c in ready { c.resume() }
            eventContinuation.yield(.requestReceived(path: request.path))
            switch handler(index, request) {
            case let .respond(status, headers, body, closeAfter):
                var head = "HTTP/1.1 \(status) Status\r\nContent-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "\r\n"
                guard write(fd, Array(head.utf8) + body) else { return }
                if closeAfter || request.header("connection")?.lowercased() == "close" { return }
            case .hang:
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&descriptor, 1, 10_000) > 0 {
                    var byte: UInt8 = 0
                    if recv(fd, &byte, 1, 0) <= 0 { eventContinuation.yield(.clientClosedWhileHanging(path: request.path)) }
                }
                return
            case .closeWithoutResponse:
                return
            case let .truncated(declaredLength, body):
                let head = "HTTP/1.1 200 OK\r\nContent-Length: \(declaredLength)\r\n\r\n"
                _ = write(fd, Array(head.utf8) + body)
                return
            }
        }
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads one request (head + Content-Length body); nil when the peer closed or sent garbage.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8], _ chunk: inout [UInt8]) -> Request? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd = 0
        while true {
            if let range = buffer.firstRange(of: separator) { headEnd = range.lowerBound; break }
            guard receive(fd, &buffer, &chunk) else { return nil }
        }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyStart = headEnd + separator.count
        while buffer.count < bodyStart + length {
            guard receive(fd, &buffer, &chunk) else { return nil }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    private func receive(_ fd: Int32, _ buffer: inout [UInt8], _ chunk: inout [UInt8]) -> Bool {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }
}

extension AsyncStream where Element: Equatable {
    /// Waits until `event` arrives; false if the stream ended first.
    public func first(_ event: Element) async -> Bool {
        for await e in self where e == event { return true }
        return false
    }
}
