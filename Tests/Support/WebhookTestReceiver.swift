import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A webhook receiver for the tests of HireLedger and HireLedgerServer (target HireLedgerTestSupport): a small HTTP/1.1 server on POSIX sockets at 127.0.0.1, port chosen
/// by the kernel, one thread per connection (adapted from Tests/CurlHTTPTests/TestHTTPServer.swift). It
/// records every request in order and answers with what `handler` returns for it (given its index).
///
/// Thread rules: `lock` guards `received`, `openSockets`, `stopped` and `waiters`.
public final class WebhookTestReceiver: @unchecked Sendable {
    public struct Request: Sendable {
        public var path: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    public enum Reply: Sendable {
        case status(Int, headers: [(String, String)] = [])
        /// Never answer (until the client gives up).
        case hang
    }

    public let port: UInt16
    private let listenSocket: Int32
    private let handler: @Sendable (Int, Request) -> Reply
    private let lock = NSLock()
    private var received: [Request] = []
    private var openSockets: Set<Int32> = []
    private var stopped = false
    private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

    public var url: String { "http://127.0.0.1:\(port)/hooks" }
    public var requests: [Request] { lock.withLock { received } }

    public init(handler: @escaping @Sendable (Int, Request) -> Reply = { _, _ in .status(204) }) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listenSocket = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Returns once at least `n` requests have arrived (or the receiver stopped).
    public func waitForRequests(_ n: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if received.count >= n || stopped { return true }
                waiters.append((n, c))
                return false
            }
            if now { c.resume() }
        }
    }

    public func stop() {
        let pending: [CheckedContinuation<Void, Never>] = lock.withLock {
            guard !stopped else { return [] }
            stopped = true
            shutdown(listenSocket, Int32(SHUT_RDWR))
            for fd in openSockets { shutdown(fd, Int32(SHUT_RDWR)) }
            defer { waiters = [] }
            return waiters.map(\.1)
        }
        for c in pending { c.resume() }
    }

    deinit { stop() }

    private func acceptLoop() {
        defer { stop(); close(listenSocket) }
        while true {
            let fd = accept(listenSocket, nil, nil)
            if fd < 0 { if errno == EINTR { continue }; return }
            let ok = lock.withLock { () -> Bool in
                guard !stopped else { return false }
                openSockets.insert(fd)
                return true
            }
            guard ok else { close(fd); return }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { lock.withLock { openSockets.remove(fd); close(fd) } }
        var buffer: [UInt8] = []
        while let request = readRequest(fd, &buffer) {
            let (index, ready): (Int, [CheckedContinuation<Void, Never>]) = lock.withLock {
                received.append(request)
                let n = received.count
                let ready = waiters.filter { $0.0 <= n }.map(\.1)
                waiters.removeAll { $0.0 <= n }
                return (n - 1, ready)
            }
            for c in ready { c.resume() }
            switch handler(index, request) {
            case let .status(status, headers):
                var head = "HTTP/1.1 \(status) Status\r\nContent-Length: 0\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "\r\n"
                let bytes = Array(head.utf8)
                var sent = 0
                while sent < bytes.count {
                    let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { return }
                    sent += n
                }
            case .hang:
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, 10_000)
                return
            }
        }
    }

    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd = 0
        while true {
            if let r = buffer.firstRange(of: separator) { headEnd = r.lowerBound; break }
            guard receive(fd, &buffer) else { return nil }
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
        while buffer.count < bodyStart + length { guard receive(fd, &buffer) else { return nil } }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(path: String(requestLine[1]), headers: headers, body: body)
    }

    private func receive(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }
}

/// A gate a receiver's handler can wait at: closed until `open()`, then open for good. With it a crash
/// test holds the sender mid-delivery (answers stop after request N) however fast or loaded the machine,
/// so that a kill always lands during delivery.
public final class TestGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    public init() {}

    /// Blocks the calling thread until the gate is open, or at most `timeout` (so a test that forgets to
    /// open it does not leave threads behind for ever).
    public func wait(timeout: TimeInterval = 120) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !isOpen, condition.wait(until: deadline) {}
    }

    public func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}
