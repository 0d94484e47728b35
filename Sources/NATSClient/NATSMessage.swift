import Foundation

/// A message received on a subscription (`MSG` or `HMSG`).
public struct NATSMessage: Sendable {
    public var subject: String
    public var reply: String?
    /// Headers in the order sent (a name may repeat). Empty for `MSG`.
    public var headers: [(name: String, value: String)]
    /// The status code of the header line (`NATS/1.0 503`), e.g. 503 no responders, 100 flow control or
    /// idle heartbeat, 404/408 for pull requests; nil for an ordinary message.
    public var status: Int?
    /// The text after the status code (`NATS/1.0 100 Idle Heartbeat`).
    public var statusDescription: String?
    public var payload: [UInt8]

    public init(subject: String, reply: String?, headers: [(name: String, value: String)] = [], status: Int? = nil,
                statusDescription: String? = nil, payload: [UInt8]) {
        self.subject = subject
        self.reply = reply
        self.headers = headers
        self.status = status
        self.statusDescription = statusDescription
        self.payload = payload
    }

    /// The first value of header `name` (compared case-insensitively).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

/// The `NATS/1.0` header block of `HPUB`/`HMSG`.
enum NATSHeaders {
    /// Encodes `headers` as `NATS/1.0\r\nName: value\r\n…\r\n`. Names and values must not contain CR or
    /// LF (a programmer error: HireLedger's own headers never do).
    static func encode(_ headers: [(name: String, value: String)]) -> [UInt8] {
        var out = Array("NATS/1.0\r\n".utf8)
        for h in headers {
            precondition(!h.name.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" }) &&
                         !h.value.contains(where: { $0 == "\r" || $0 == "\n" }), "a NATS header contains CR, LF or ':' in its name")
            out += Array(h.name.utf8)
            out += Array(": ".utf8)
            out += Array(h.value.utf8)
            out += [13, 10]
        }
        out += [13, 10]
        return out
    }

    /// Decodes a header block; nil when it does not start with `NATS/1.0`.
    static func decode(_ bytes: ArraySlice<UInt8>) -> (status: Int?, description: String?, headers: [(name: String, value: String)])? {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: true).makeIterator()
        guard let first = lines.next(), first.hasPrefix("NATS/1.0") else { return nil }
        let statusPart = first.dropFirst("NATS/1.0".count).drop(while: { $0 == " " })
        var status: Int?, description: String?
        if !statusPart.isEmpty {
            let code = statusPart.prefix(while: { $0 != " " })
            status = Int(code)
            let rest = statusPart.dropFirst(code.count).drop(while: { $0 == " " })
            if !rest.isEmpty { description = String(rest) }
        }
        var headers: [(name: String, value: String)] = []
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).trimmingCharacters(in: [" "])
            let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: [" "])
            headers.append((name, value))
        }
        return (status, description, headers)
    }
}
