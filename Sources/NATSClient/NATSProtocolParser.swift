/// An operation sent by the server, as `NATSProtocolParser` reads it.
enum ServerOperation {
    case info(json: [UInt8])
    case message(sid: Int, NATSMessage)
    case ping
    case pong
    case ok
    case err(String)
}

/// Incremental reader of the server side of the NATS protocol (INFO, MSG, HMSG, PING, PONG, +OK, -ERR):
/// bytes go in as they arrive from the socket, whole operations come out.
///
/// Not thread-safe: owned by the connection's I/O thread.
struct NATSProtocolParser {
    private var buffer: [UInt8] = []
    private var start = 0
    /// The largest control line accepted (a longer one is a protocol error, not a reason to buffer forever).
    static let maxControlLine = 64 * 1024

    struct Malformed: Error, CustomStringConvertible { let description: String }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete operation, or nil when more bytes are needed.
    mutating func next() throws(Malformed) -> ServerOperation? {
        guard let lineEnd = findCRLF(from: start) else {
            if buffer.count - start > Self.maxControlLine { throw Malformed(description: "a control line longer than \(Self.maxControlLine) bytes") }
            return nil
        }
        let line = buffer[start..<lineEnd]
        let afterLine = lineEnd + 2
        let verbEnd = line.firstIndex(of: UInt8(ascii: " ")) ?? line.endIndex
        let verb = String(decoding: line[line.startIndex..<verbEnd], as: UTF8.self).uppercased()
        switch verb {
        case "PING":
            start = afterLine
            return .ping
        case "PONG":
            start = afterLine
            return .pong
        case "+OK":
            start = afterLine
            return .ok
        case "-ERR":
            start = afterLine
            var text = String(decoding: line[verbEnd...], as: UTF8.self).trimmingSpaces
            if text.hasPrefix("'") && text.hasSuffix("'") && text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return .err(text)
        case "INFO":
            start = afterLine
            return .info(json: Array(line[verbEnd...]))
        case "MSG", "HMSG":
            let args = line[verbEnd...].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
                .map { String(decoding: $0, as: UTF8.self) }
            let hasHeaders = verb == "HMSG"
            // MSG <subject> <sid> [reply] <#bytes>; HMSG <subject> <sid> [reply] <#header bytes> <#total bytes>
            let fixed = hasHeaders ? 4 : 3
            guard args.count == fixed || args.count == fixed + 1, let sid = Int(args[1]) else {
                throw Malformed(description: "a \(verb) line with unexpected arguments")
            }
            let reply = args.count == fixed + 1 ? args[2] : nil
            guard let total = Int(args[args.count - 1]), total >= 0 else { throw Malformed(description: "a \(verb) line without a valid size") }
            var headerBytes = 0
            if hasHeaders {
                guard let h = Int(args[args.count - 2]), h >= 0, h <= total else { throw Malformed(description: "an HMSG line with an invalid header size") }
                headerBytes = h
            }
            // The payload and its trailing CRLF must be here before the operation is consumed.
            guard buffer.count >= afterLine + total + 2 else { return nil }
            var message = NATSMessage(subject: args[0], reply: reply, payload: Array(buffer[(afterLine + headerBytes)..<(afterLine + total)]))
            if hasHeaders {
                guard let decoded = NATSHeaders.decode(buffer[afterLine..<(afterLine + headerBytes)]) else {
                    throw Malformed(description: "an HMSG whose header block does not start with NATS/1.0")
                }
                (message.status, message.statusDescription, message.headers) = decoded
            }
            start = afterLine + total + 2
            return .message(sid: sid, message)
        default:
            throw Malformed(description: "an unknown operation '\(verb.prefix(16))'")
        }
    }

    private func findCRLF(from index: Int) -> Int? {
        var i = index
        let end = buffer.count - 1
        while i < end {
            if buffer[i] == 13 && buffer[i + 1] == 10 { return i }
            i += 1
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
