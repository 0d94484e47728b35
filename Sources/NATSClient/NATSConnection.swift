import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One client connection to a NATS server, speaking the core protocol (INFO, CONNECT with headers,
/// PUB/HPUB, SUB/UNSUB, MSG/HMSG, PING/PONG, +OK/-ERR) over plain TCP.
///
/// Why HireLedger has its own client: no maintained NATS client for Swift is in the package set this
/// project builds from (nats-io/nats.swift is not there, and the older community clients are
/// unmaintained and built on SwiftNIO, which would add minutes to every clean build for a few hundred
/// lines of protocol). The protocol is small, line-based and documented, and JetStream is a JSON API on
/// top of request/reply, so this client implements exactly what the publisher and its tests need.
///
/// Threading: every socket call runs on one dedicated thread per connection (POSIX sockets, `poll`),
/// never on Swift's cooperative pool. Callers only append to an outgoing buffer under a lock and wake
/// the thread through a pipe, so `publish` and `request` never block; replies resume the waiting task
/// from the I/O thread. Subscription handlers run on the I/O thread and must return quickly.
///
/// Rules for callers:
/// - Call `close()` when done: the I/O thread keeps the connection alive until then (or until the
///   server goes away). After a close or a broken connection every call throws; make a new connection.
/// - No automatic reconnection: a broken connection fails every request in flight with
///   `.connectionLost`, so a caller that keeps a durable cursor (the JetStream publisher) reconnects
///   and re-sends from it, with JetStream's de-duplication removing the repeats.
public final class NATSConnection: @unchecked Sendable {
    /// What the server said about itself in INFO.
    public struct ServerInfo: Sendable, Decodable {
        public var server_id: String
        public var version: String
        public var max_payload: Int
        public var headers: Bool?
        public var jetstream: Bool?
        public var auth_required: Bool?
    }

    public let url: NATSURL
    /// The server's INFO as received during the handshake.
    public let info: ServerInfo
    /// The address with credentials masked, for messages.
    public var server: String { url.redacted }

    private let fd: Int32
    private let wakeRead: Int32, wakeWrite: Int32
    private let inboxPrefix: String
    private static let inboxSid = 1
    private let pingInterval: Double
    private let maxOutstandingPings = 2

    // Invariant: everything below is only touched with `lock` held.
    private let lock = PThreadLock()
    private var outgoing: [UInt8] = []
    private var closing = false
    private var closedReason: NATSError?
    private var pipeClosed = false
    private var handlers: [Int: @Sendable (NATSMessage) -> Void] = [:]
    private var nextSid = 2
    private var nextReply = 0
    private var replies: [String: PendingReply] = [:]
    /// Why each PING we sent is waiting, in order: a keepalive (nil) or a `flush` (its pending answer,
    /// which the timer may already have failed; completing it again is harmless).
    private var pingWaiters: [PendingReply?] = []

    private init(url: NATSURL, info: ServerInfo, fd: Int32, wakeRead: Int32, wakeWrite: Int32, pingInterval: Double) {
        self.url = url
        self.info = info
        self.fd = fd
        self.wakeRead = wakeRead
        self.wakeWrite = wakeWrite
        self.pingInterval = pingInterval
        inboxPrefix = "_INBOX." + NATSConnection.randomToken(22) + "."
        // First in the outgoing buffer, before any request a caller can queue once `connect` returns:
        // otherwise a reply could come back before the server knew the inbox, and be dropped.
        outgoing = Array("SUB \(inboxPrefix)* \(NATSConnection.inboxSid)\r\n".utf8)
    }

    /// Connects, reads INFO, sends CONNECT (headers on, no_responders on, the URL's credentials) and
    /// waits for the PONG that confirms the server accepted it.
    ///
    /// - Parameters:
    ///   - name: the client name the server shows in its monitoring.
    ///   - timeout: seconds for the TCP connection and the handshake.
    ///   - pingInterval: seconds between keepalive PINGs; two unanswered ones end the connection.
    /// - Throws: `NATSError.unreachable`, `.authorizationFailed`, `.protocolError`, `.timedOut`.
    public static func connect(_ url: NATSURL, name: String = "hireledger", timeout: Double = 5,
                               pingInterval: Double = 20) async throws -> NATSConnection {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<NATSConnection, any Error>) in
            let thread = Thread {
                let connection: NATSConnection
                do {
                    connection = try handshake(url: url, name: name, timeout: timeout, pingInterval: pingInterval)
                } catch {
                    c.resume(throwing: error)
                    return
                }
                c.resume(returning: connection)
                connection.runLoop()
            }
            thread.name = "nats-io"
            thread.start()
        }
    }

    // MARK: - Public operations

    /// A new unique subject for replies to this connection.
    public func newInbox() -> String { "_INBOX." + NATSConnection.randomToken(22) }

    /// Publishes `payload` to `subject` (HPUB when `headers` is not empty). Returns once the bytes are
    /// queued for the I/O thread; nothing confirms delivery (use `request` and a JetStream ack for that).
    public func publish(_ subject: String, reply: String? = nil, headers: [(name: String, value: String)] = [],
                        payload: [UInt8]) throws {
        let frame = try encodePublish(subject, reply: reply, headers: headers, payload: payload)
        try enqueue(frame)
    }

    /// Publishes with a reply subject of this connection's inbox and returns the pending answer at once,
    /// so that many requests can be in flight (they are written in the order of the calls).
    public func request(_ subject: String, headers: [(name: String, value: String)] = [], payload: [UInt8],
                        timeout: Double) throws -> PendingReply {
        let pending = PendingReply(subject: subject, timeout: timeout)
        let token = lock.withLock { () -> String in nextReply += 1; return String(nextReply, radix: 36) }
        let frame = try encodePublish(subject, reply: inboxPrefix + token, headers: headers, payload: payload)
        try lock.withLock {
            if let closedReason { throw closedReason }
            if closing { throw NATSError.connectionLost(server: server, detail: "the connection was closed by HireLedger") }
            replies[token] = pending
            appendOutgoing(frame)
        }
        return pending
    }

    /// Subscribes to `subject` (wildcards allowed). `handler` runs on the I/O thread, in order, for every
    /// message; it must not block. Returns the subscription id for `unsubscribe`.
    @discardableResult
    public func subscribe(_ subject: String, handler: @escaping @Sendable (NATSMessage) -> Void) throws -> Int {
        try NATSConnection.checkSubject(subject, wildcards: true)
        return try lock.withLock {
            if let closedReason { throw closedReason }
            let sid = nextSid
            nextSid += 1
            handlers[sid] = handler
            appendOutgoing(Array("SUB \(subject) \(sid)\r\n".utf8))
            return sid
        }
    }

    public func unsubscribe(_ sid: Int) {
        lock.withLock {
            guard handlers.removeValue(forKey: sid) != nil, closedReason == nil else { return }
            appendOutgoing(Array("UNSUB \(sid)\r\n".utf8))
        }
    }

    /// Waits until the server has processed everything sent so far (a PING/PONG round trip).
    public func flush(timeout: Double = 5) async throws {
        let pending = PendingReply(subject: "PING", timeout: timeout)
        try lock.withLock {
            if let closedReason { throw closedReason }
            pingWaiters.append(pending)
            appendOutgoing(Array("PING\r\n".utf8))
        }
        _ = try await pending.reply()
    }

    /// Closes the connection: what is queued is written (best effort), then the socket is closed and
    /// every request still waiting fails with `.connectionLost`.
    public func close() {
        lock.withLock {
            closing = true
            wakeLocked()
        }
    }

    /// Why the connection ended, or nil while it is open.
    public var closeReason: NATSError? { lock.withLock { closedReason } }

    // MARK: - Encoding

    private func encodePublish(_ subject: String, reply: String?, headers: [(name: String, value: String)],
                               payload: [UInt8]) throws -> [UInt8] {
        try NATSConnection.checkSubject(subject, wildcards: false)
        var frame: [UInt8]
        if headers.isEmpty {
            guard payload.count <= info.max_payload else { throw NATSError.payloadTooLarge(size: payload.count, limit: info.max_payload) }
            frame = Array("PUB \(subject) \(reply.map { $0 + " " } ?? "")\(payload.count)\r\n".utf8)
        } else {
            let h = NATSHeaders.encode(headers)
            let total = h.count + payload.count
            guard total <= info.max_payload else { throw NATSError.payloadTooLarge(size: total, limit: info.max_payload) }
            frame = Array("HPUB \(subject) \(reply.map { $0 + " " } ?? "")\(h.count) \(total)\r\n".utf8)
            frame.reserveCapacity(frame.count + total + 2)
            frame += h
        }
        frame += payload
        frame += [13, 10]
        return frame
    }

    /// A subject is dot-separated non-empty tokens of printable characters without spaces; `*` and `>`
    /// only in subscriptions.
    static func checkSubject(_ subject: String, wildcards: Bool) throws {
        let bad = subject.isEmpty || subject.utf8.contains { $0 <= 32 || $0 == 127 }
            || subject.split(separator: ".", omittingEmptySubsequences: false).contains { $0.isEmpty }
            || (!wildcards && subject.split(separator: ".").contains { $0 == "*" || $0 == ">" })
        if bad { throw NATSError.protocolError(server: "-", detail: "'\(subject)' is not a valid NATS subject") }
    }

    private func enqueue(_ frame: [UInt8]) throws {
        try lock.withLock {
            if let closedReason { throw closedReason }
            if closing { throw NATSError.connectionLost(server: server, detail: "the connection was closed by HireLedger") }
            appendOutgoing(frame)
        }
    }

    /// Appends to the outgoing buffer and wakes the I/O thread when it was empty. Caller holds `lock`.
    private func appendOutgoing(_ bytes: [UInt8]) {
        let wasEmpty = outgoing.isEmpty
        outgoing += bytes
        if wasEmpty { wakeLocked() }
    }

    /// Writes a byte to the wake pipe. Caller holds `lock`: the pipe is closed under it at shutdown, so
    /// a byte can never go to a descriptor number the system has since given to another socket.
    private func wakeLocked() {
        guard !pipeClosed else { return }
        var one: UInt8 = 1
        _ = Glibc.write(wakeWrite, &one, 1)
    }

    // MARK: - The I/O thread

    private func runLoop() {
        var parser = NATSProtocolParser()
        var writeBuffer: [UInt8] = []
        var writeOffset = 0
        var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
        var lastPing = monotonicNanoseconds()
        var outstandingPings = 0
        var failure: NATSError?

        loop: while true {
            let (isClosing, hasOutgoing) = lock.withLock { (closing, !outgoing.isEmpty) }
            if writeOffset >= writeBuffer.count && hasOutgoing {
                writeBuffer = lock.withLock { () -> [UInt8] in defer { outgoing = [] }; return outgoing }
                writeOffset = 0
            }
            let wantWrite = writeOffset < writeBuffer.count
            if isClosing && !wantWrite { break }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN) | (wantWrite ? Int16(POLLOUT) : 0), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, isClosing ? 1000 : 100)
            if ready < 0 && errno != EINTR { failure = .connectionLost(server: server, detail: "poll failed: \(String(cString: strerror(errno)))"); break }
            if isClosing && ready == 0 { break }  // could not write what was left within a second
            if fds[1].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 256)
                while Glibc.read(wakeRead, &drain, drain.count) > 0 {}
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                while true {
                    let n = readBuffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
                    if n == 0 { failure = .connectionLost(server: server, detail: "the server closed the connection"); break loop }
                    if n < 0 {
                        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
                        failure = .connectionLost(server: server, detail: String(cString: strerror(errno)))
                        break loop
                    }
                    readBuffer.withUnsafeBytes { parser.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                    do {
                        while let op = try parser.next() {
                            if let error = handle(op, outstandingPings: &outstandingPings) { failure = error; break loop }
                        }
                    } catch {
                        failure = .protocolError(server: server, detail: error.description)
                        break loop
                    }
                    if n < readBuffer.count { break }
                }
            }
            if fds[0].revents & Int16(POLLOUT) != 0 && writeOffset < writeBuffer.count {
                let n = writeBuffer.withUnsafeBytes { raw in
                    Glibc.send(fd, raw.baseAddress! + writeOffset, raw.count - writeOffset, Int32(MSG_NOSIGNAL))
                }
                if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                    failure = .connectionLost(server: server, detail: String(cString: strerror(errno)))
                    break
                }
                if n > 0 { writeOffset += n }
            }
            // Timers: request deadlines and keepalive.
            let now = monotonicNanoseconds()
            let expired = lock.withLock { () -> [PendingReply] in
                let gone = replies.filter { $0.value.deadline <= now }
                for key in gone.keys { replies.removeValue(forKey: key) }
                return Array(gone.values) + pingWaiters.compactMap { $0 }.filter { $0.deadline <= now }
            }
            for p in expired { p.complete(.failure(.timedOut(what: "a request on '\(p.subject)'", seconds: p.timeout))) }
            if !isClosing && Double(now - lastPing) / 1e9 >= pingInterval {
                if outstandingPings >= maxOutstandingPings {
                    failure = .connectionLost(server: server, detail: "the server did not answer \(maxOutstandingPings) PINGs (stale connection)")
                    break
                }
                lastPing = now
                outstandingPings += 1
                lock.withLock {
                    pingWaiters.append(nil)
                    appendOutgoing(Array("PING\r\n".utf8))
                }
            }
        }
        shutdown(failure ?? .connectionLost(server: server, detail: "the connection was closed by HireLedger"))
    }

    /// Handles one server operation; returns an error that ends the connection.
    private func handle(_ op: ServerOperation, outstandingPings: inout Int) -> NATSError? {
        switch op {
        case .ping:
            lock.withLock { appendOutgoing(Array("PONG\r\n".utf8)) }
        case .pong:
            let waiter = lock.withLock { () -> PendingReply?? in
                pingWaiters.isEmpty ? nil : pingWaiters.removeFirst()
            }
            switch waiter {
            case .some(.some(let p)): p.complete(.success(NATSMessage(subject: "PONG", reply: nil, payload: [])))
            case .some(.none): outstandingPings = 0
            case .none: break
            }
        case .ok, .info:
            break
        case .err(let text):
            let lower = text.lowercased()
            // A permissions violation leaves the connection open; the request it concerns times out.
            if lower.contains("permissions violation") { return nil }
            if lower.contains("authorization") || lower.contains("authentication") || lower.contains("user authentication") {
                return .authorizationFailed(server: server, detail: text)
            }
            return .protocolError(server: server, detail: "-ERR '\(text)'")
        case .message(let sid, let message):
            if sid == NATSConnection.inboxSid {
                guard message.subject.hasPrefix(inboxPrefix) else { return nil }
                let token = String(message.subject.dropFirst(inboxPrefix.count))
                guard let pending = lock.withLock({ replies.removeValue(forKey: token) }) else { return nil }
                if message.status == 503 {
                    pending.complete(.failure(.noResponders(subject: pending.subject)))
                } else {
                    pending.complete(.success(message))
                }
            } else if let handler = lock.withLock({ handlers[sid] }) {
                handler(message)
            }
        }
        return nil
    }

    private func shutdown(_ reason: NATSError) {
        let (pending, waiters) = lock.withLock { () -> ([PendingReply], [PendingReply]) in
            closedReason = reason
            closing = true
            pipeClosed = true
            Glibc.close(wakeWrite)
            defer { replies = [:]; pingWaiters = []; handlers = [:]; outgoing = [] }
            return (Array(replies.values), pingWaiters.compactMap { $0 })
        }
        Glibc.close(fd)
        Glibc.close(wakeRead)
        for p in pending { p.complete(.failure(reason)) }
        for w in waiters { w.complete(.failure(reason)) }
    }

    // MARK: - Handshake (blocking, on the new I/O thread before it starts its loop)

    private static func handshake(url: NATSURL, name: String, timeout: Double, pingInterval: Double) throws -> NATSConnection {
        let deadline = monotonicNanoseconds() + UInt64(timeout * 1e9)
        let fd = try openSocket(url: url, deadline: deadline)
        var parser = NATSProtocolParser()
        func nextOperation() throws -> ServerOperation {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                do {
                    if let op = try parser.next() { return op }
                } catch {
                    throw NATSError.protocolError(server: url.redacted, detail: error.description)
                }
                let now = monotonicNanoseconds()
                guard now < deadline else { throw NATSError.timedOut(what: "the NATS handshake with \(url.redacted)", seconds: timeout) }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let r = poll(&p, 1, Int32(max(1, (deadline - now) / 1_000_000)))
                if r < 0 && errno != EINTR { throw NATSError.connectionLost(server: url.redacted, detail: String(cString: strerror(errno))) }
                if r <= 0 { continue }
                let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { throw NATSError.connectionLost(server: url.redacted, detail: "the server closed the connection during the handshake") }
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw NATSError.connectionLost(server: url.redacted, detail: String(cString: strerror(errno)))
                }
                buffer.withUnsafeBytes { parser.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        }
        func sendAll(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR {
                        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                        _ = poll(&p, 1, 100)
                        continue
                    }
                    throw NATSError.connectionLost(server: url.redacted, detail: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
        do {
            guard case .info(let json) = try nextOperation() else {
                throw NATSError.protocolError(server: url.redacted, detail: "the server did not start with INFO; is this a NATS server?")
            }
            let info: ServerInfo
            do { info = try JSONDecoder().decode(ServerInfo.self, from: Data(json)) } catch {
                throw NATSError.protocolError(server: url.redacted, detail: "its INFO could not be read (\(error))")
            }
            guard info.headers ?? false else {
                throw NATSError.protocolError(server: url.redacted, detail: "it does not support message headers (NATS 2.2 or newer is needed, version \(info.version) found)")
            }
            var connect: [String: Any] = [
                "verbose": false, "pedantic": false, "headers": true, "no_responders": true, "protocol": 1,
                "lang": "swift", "version": "hireledger-1", "name": name, "echo": true,
            ]
            if let user = url.user { connect["user"] = user; connect["pass"] = url.password ?? "" }
            if let token = url.token { connect["auth_token"] = token }
            let connectJSON = try JSONSerialization.data(withJSONObject: connect, options: [.sortedKeys])
            try sendAll(Array("CONNECT ".utf8) + Array(connectJSON) + Array("\r\nPING\r\n".utf8))
            while true {
                switch try nextOperation() {
                case .pong: break
                case .err(let text):
                    let lower = text.lowercased()
                    if lower.contains("authorization") || lower.contains("authentication") {
                        throw NATSError.authorizationFailed(server: url.redacted, detail: text)
                    }
                    throw NATSError.protocolError(server: url.redacted, detail: "-ERR '\(text)'")
                case .ping:
                    try sendAll(Array("PONG\r\n".utf8))
                    continue
                default:
                    continue
                }
                break
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var pipeFds: [Int32] = [0, 0]
            guard pipe(&pipeFds) == 0 else {
                throw NATSError.protocolError(server: url.redacted, detail: "could not create a pipe: \(String(cString: strerror(errno)))")
            }
            for f in pipeFds { _ = fcntl(f, F_SETFL, fcntl(f, F_GETFL) | O_NONBLOCK) }
            return NATSConnection(url: url, info: info, fd: fd, wakeRead: pipeFds[0], wakeWrite: pipeFds[1], pingInterval: pingInterval)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// A non-blocking TCP socket connected to the URL's host, trying each resolved address in turn.
    private static func openSocket(url: NATSURL, deadline: UInt64) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(url.host, String(url.port), &hints, &list)
        guard rc == 0, let first = list else {
            throw NATSError.unreachable(server: url.redacted, detail: "the host name could not be resolved (\(String(cString: gai_strerror(rc))))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let a = node {
            node = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var r = Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen)
            if r != 0 && errno == EINPROGRESS {
                let now = monotonicNanoseconds()
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let waited = now < deadline ? poll(&p, 1, Int32(max(1, (deadline - now) / 1_000_000))) : 0
                if waited <= 0 {
                    Glibc.close(fd)
                    lastError = "connection timed out"
                    continue
                }
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                r = soError == 0 ? 0 : -1
                if soError != 0 { errno = soError }
            }
            if r == 0 { return fd }
            lastError = String(cString: strerror(errno))
            Glibc.close(fd)
        }
        throw NATSError.unreachable(server: url.redacted, detail: lastError)
    }

    static func randomToken(_ count: Int) -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var rng = SystemRandomNumberGenerator()
        return String(decoding: (0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }, as: UTF8.self)
    }
}
