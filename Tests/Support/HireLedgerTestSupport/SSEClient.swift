import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small blocking Server-Sent Events client over plain HTTP/1.1 on IPv4, for tests, benchmarks and
/// scripts against `hireledger serve` (it decodes chunked transfer encoding; no TLS, no redirects).
///
/// Rules: it blocks the calling thread in `recv`, so run it on a thread of its own (never on the
/// cooperative pool, which the server may need to answer it). One instance is used by one thread.
/// A read that waits longer than `timeoutSeconds` throws.
public final class SSEClient {
    /// One message: `id`, `event` and `data` fields (data lines joined by "\n"); comments are skipped.
    public struct Message: Sendable, Equatable {
        public var id: String?
        public var event: String?
        public var data: String
    }

    /// The response status code.
    public private(set) var status = 0
    /// The response headers, names lowercased.
    public private(set) var headers: [String: String] = [:]

    private var fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunked = false
    private var chunkLeft = 0
    private var body: [UInt8] = []
    private var bodyStart = 0
    private var ended = false

    /// Connects and sends `GET path` with `headers`, then reads the response head.
    public init(host: String = "127.0.0.1", port: Int, path: String, headers requestHeaders: [String: String] = [:],
                timeoutSeconds: Int = 20) throws(SSEClientError) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SSEClientError("socket() failed: \(String(cString: strerror(errno)))") }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            SSEClient.closeFD(fd)
            throw SSEClientError("\(host) is not an IPv4 address")
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let message = String(cString: strerror(errno))
            SSEClient.closeFD(fd)
            throw SSEClientError("cannot connect to \(host):\(port): \(message)")
        }
        var request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nAccept: text/event-stream\r\n"
        for (k, v) in requestHeaders { request += "\(k): \(v)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { SSEClient.closeFD(fd); throw SSEClientError("send failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
        try readHead()
    }

    deinit { if fd >= 0 { SSEClient.closeFD(fd) } }

    private static func closeFD(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    /// Closes the connection (the server sees the client go away at its next write).
    public func close() {
        if fd >= 0 { _ = shutdown(fd, Int32(SHUT_RDWR)); SSEClient.closeFD(fd); fd = -1 }
    }

    /// The next message, or nil when the server ended the stream.
    public func next() throws(SSEClientError) -> Message? {
        var message = Message(id: nil, event: nil, data: "")
        var hasData = false, hasAny = false
        while let line = try bodyLine() {
            if line.isEmpty {
                if hasAny { return message }
                continue
            }
            if line.first == UInt8(ascii: ":") { continue }
            let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
            let field = String(decoding: line[..<colon], as: UTF8.self)
            var valueStart = colon < line.endIndex ? line.index(after: colon) : colon
            if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart = line.index(after: valueStart) }
            let value = String(decoding: line[valueStart...], as: UTF8.self)
            switch field {
            case "id": message.id = value; hasAny = true
            case "event": message.event = value; hasAny = true
            case "data":
                message.data += (hasData ? "\n" : "") + value
                hasData = true
                hasAny = true
            default: continue   // retry and unknown fields
            }
        }
        return nil
    }

    // MARK: - HTTP

    private func fill() throws(SSEClientError) -> Bool {
        if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        if start > 1 << 20 { buffer.removeFirst(start); start = 0 }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            throw SSEClientError(errno == EAGAIN || errno == EWOULDBLOCK ? "timed out waiting for the server" : "recv failed: \(String(cString: strerror(errno)))")
        }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// A CRLF- or LF-terminated line of the raw connection (head and chunk sizes).
    private func rawLine() throws(SSEClientError) -> String? {
        while true {
            if let nl = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = nl
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let s = String(decoding: buffer[start..<end], as: UTF8.self)
                start = nl + 1
                return s
            }
            guard try fill() else { return nil }
        }
    }

    private func readHead() throws(SSEClientError) {
        guard let statusLine = try rawLine() else { throw SSEClientError("the server closed the connection before answering") }
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let code = Int(parts[1]) else { throw SSEClientError("bad status line: \(statusLine)") }
        status = code
        while let line = try rawLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        chunked = headers["transfer-encoding"]?.lowercased().contains("chunked") ?? false
    }

    /// Appends more decoded body bytes to `body`; false at the end of the body.
    private func moreBody() throws(SSEClientError) -> Bool {
        if ended { return false }
        if !chunked {
            if start == buffer.count, !(try fill()) { ended = true; return false }
            body.append(contentsOf: buffer[start...])
            start = buffer.count
            return true
        }
        if chunkLeft == 0 {
            guard let sizeLine = try rawLine() else { ended = true; return false }
            if sizeLine.isEmpty { return true }   // the CRLF after a chunk's data
            guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
                throw SSEClientError("bad chunk size line: \(sizeLine)")
            }
            if size == 0 { ended = true; return false }
            chunkLeft = size
        }
        if start == buffer.count, !(try fill()) { ended = true; return false }
        let take = min(chunkLeft, buffer.count - start)
        body.append(contentsOf: buffer[start..<(start + take)])
        start += take
        chunkLeft -= take
        return true
    }

    /// The next LF-terminated line of the decoded body (without its CR/LF), or nil at the end.
    private func bodyLine() throws(SSEClientError) -> ArraySlice<UInt8>? {
        while true {
            if let nl = body[bodyStart...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = nl
                if end > bodyStart, body[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = body[bodyStart..<end]
                bodyStart = nl + 1
                return line
            }
            if bodyStart > 1 << 20 { body.removeFirst(bodyStart); bodyStart = 0 }
            guard try moreBody() else { return nil }
        }
    }
}

/// A connection or protocol failure of `SSEClient`.
public struct SSEClientError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
