import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on POSIX sockets for the transport tests: 127.0.0.1, port chosen by the
/// kernel, one thread per connection, Nagle off. It counts accepted connections and can misbehave on
/// purpose (hang, close without answering, send a truncated body), which a full server library hides.
///
/// Thread rules: `lock` guards `acceptedCount`, `openSockets`, `stopped` and `eventLog`; the socket
/// descriptors are plain integers used by the connection threads.
final class TestHTTPServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    enum Reply: Sendable {
        /// A normal response with Content-Length; `closeAfter` closes the connection silently afterwards
        /// (without announcing `Connection: close`), as servers do with idle keep-alive connections.
        case respond(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                     closeAfter: Bool = false)
        /// Never answer: hold the connection until the client closes it (then emit `clientClosed`), or
        /// for at most 10 s (a guard so a broken client cannot hang the test run).
        case hang
        /// Read the request, then close the connection without a byte of response.
        case closeWithoutResponse
        /// Announce `declaredLength` bytes of body, send `body` (shorter), then close.
        case truncated(declaredLength: Int, body: [UInt8])
    }

    /// What the server observed, in order; tests wait for these instead of sleeping.
    enum Event: Sendable, Equatable {
        case requestReceived(path: String)
        case clientClosedWhileHanging(path: String)
    }

    let port: UInt16
    private let listenSocket: Int32
    private let handler: @Sendable (Request) -> Reply
    private let lock = NSLock()
    private var acceptedCount = 0
    private var openSockets: Set<Int32> = []
    private var stopped = false
    private let eventContinuation: AsyncStream<Event>.Continuation
    /// Every `Event`, as it happens.
    let events: AsyncStream<Event>

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var acceptedConnections: Int { lock.withLock { acceptedCount } }

    init(handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        (events, eventContinuation) = AsyncStream.makeStream(of: Event.self)
        let (fd, port) = try TestHTTPServer.bindLoopback()
        guard listen(fd, 64) == 0 else { close(fd); throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        listenSocket = fd
        self.port = port
        Thread.detachNewThread { [self] in acceptLoop() }
        // A guard, not a timing assumption: if a broken transport leaves a test waiting for an event
        // that never comes, stopping the server ends `events` and the test fails instead of hanging.
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { [weak self] in self?.stop() }
    }

    /// Binds a TCP socket to 127.0.0.1 on a kernel-chosen port (not yet listening).
    static func bindLoopback() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { close(fd); throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Stops accepting, closes every connection, and ends `events`.
    func stop() {
        // Under the lock so no descriptor is closed (and its number reused) while we shut it down.
        // shutdown() wakes a thread blocked in accept() or recv() on Linux; the owning thread closes.
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listenSocket, Int32(SHUT_RDWR))
            for fd in openSockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        eventContinuation.finish()
    }

    deinit { stop() }

    private func emit(_ event: Event) { eventContinuation.yield(event) }

    private func acceptLoop() {
        defer {
            stop()
            close(listenSocket)
        }
        while true {
            let fd = accept(listenSocket, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            let accepted: Bool = lock.withLock {
                guard !stopped else { return false }
                acceptedCount += 1
                openSockets.insert(fd)
                return true
            }
            guard accepted else { close(fd); return }
            // Without this every response waits ~40 ms for a delayed ACK (SWIFT_NOTES §3.3).
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            lock.withLock {
                openSockets.remove(fd)
                close(fd)
            }
        }
        var buffer: [UInt8] = []
        while let request = readRequest(fd, &buffer) {
            emit(.requestReceived(path: request.path))
            switch handler(request) {
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
                    if recv(fd, &byte, 1, 0) <= 0 { emit(.clientClosedWhileHanging(path: request.path)) }
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
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while true {
            if let index = buffer.firstRange(of: separator) { headEnd = index.lowerBound; break }
            guard receive(fd, &buffer) else { return nil }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]),
                            line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyStart = headEnd + separator.count
        while buffer.count < bodyStart + length {
            guard receive(fd, &buffer) else { return nil }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    private func receive(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }
}

extension AsyncStream where Element: Equatable {
    /// Waits until `event` arrives; false if the stream ended first.
    func first(_ event: Element) async -> Bool {
        for await e in self where e == event { return true }
        return false
    }
}
