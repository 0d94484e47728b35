import Foundation

/// A stored message as a JetStream consumer delivers it.
public struct JetStreamMessage: Sendable {
    public var subject: String
    public var headers: [(name: String, value: String)]
    public var payload: [UInt8]
    /// The message's sequence in the stream.
    public var streamSequence: UInt64
    /// When the stream stored it, nanoseconds since 1970.
    public var storedAtNanoseconds: Int64
    /// Messages left for this consumer after this one.
    public var pending: UInt64

    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }
}

/// An ephemeral push consumer without acknowledgements (what NATS clients call an ordered consumer):
/// the server pushes the stream's messages, from where `start` says, to an inbox of this connection,
/// with flow control and idle heartbeats answered here. For reading a stream back in order (tests,
/// audits); durable processing belongs to the consumers' own clients.
public final class JetStreamPushConsumer: Sendable {
    /// Where delivery starts.
    public enum Start: Sendable {
        case all
        /// The first message stored at or after this time (JetStream's `by_start_time`).
        case time(Date)
        case sequence(UInt64)
    }

    public let stream: String
    public let name: String
    private let jetStream: JetStream
    private let sid: Int

    private init(stream: String, name: String, jetStream: JetStream, sid: Int) {
        self.stream = stream
        self.name = name
        self.jetStream = jetStream
        self.sid = sid
    }

    /// Creates the consumer and starts delivery to `handler`, which runs on the connection's I/O thread
    /// in stream order and must return quickly.
    public static func start(_ jetStream: JetStream, stream: String, filterSubject: String? = nil, start: Start = .all,
                             handler: @escaping @Sendable (JetStreamMessage) -> Void) async throws -> JetStreamPushConsumer {
        let connection = jetStream.connection
        let inbox = connection.newInbox()
        let sid = try connection.subscribe(inbox) { message in
            if message.status == 100 {
                // Flow control (has a reply subject) or an idle heartbeat (may name a stalled consumer's subject).
                if let reply = message.reply ?? message.header("Nats-Consumer-Stalled") {
                    try? connection.publish(reply, payload: [])
                }
                return
            }
            guard message.status == nil, let meta = message.reply.flatMap(AckMetadata.init) else { return }
            handler(JetStreamMessage(subject: message.subject, headers: message.headers, payload: message.payload,
                                     streamSequence: meta.streamSequence, storedAtNanoseconds: meta.timestamp, pending: meta.pending))
        }
        var config: [String: Any] = [
            "deliver_subject": inbox, "ack_policy": "none", "flow_control": true,
            "idle_heartbeat": 1_000_000_000, "max_deliver": 1, "mem_storage": true, "num_replicas": 1,
            "inactive_threshold": 300_000_000_000,
        ]
        switch start {
        case .all: config["deliver_policy"] = "all"
        case .time(let t):
            config["deliver_policy"] = "by_start_time"
            config["opt_start_time"] = rfc3339(t)
        case .sequence(let s):
            config["deliver_policy"] = "by_start_sequence"
            config["opt_start_seq"] = s
        }
        if let filterSubject { config["filter_subject"] = filterSubject }
        do {
            let name = try await jetStream.createConsumer(stream: stream, config: config)
            return JetStreamPushConsumer(stream: stream, name: name, jetStream: jetStream, sid: sid)
        } catch {
            connection.unsubscribe(sid)
            throw error
        }
    }

    /// Deletes the consumer and stops delivery.
    public func stop() async {
        jetStream.connection.unsubscribe(sid)
        try? await jetStream.deleteConsumer(stream: stream, name: name)
    }

    static func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}

/// What the reply subject of a delivered message says:
/// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time ns>.<pending>`, or the
/// newer form with a domain and account hash after `$JS.ACK` (and possibly a random token at the end).
struct AckMetadata {
    var streamSequence: UInt64
    var timestamp: Int64
    var pending: UInt64

    init?(_ reply: String) {
        let t = reply.split(separator: ".", omittingEmptySubsequences: false)
        guard t.count >= 9, t[0] == "$JS", t[1] == "ACK" else { return nil }
        let base = t.count == 9 ? 2 : 4
        guard t.count >= base + 7, let sseq = UInt64(t[base + 3]), let ts = Int64(t[base + 5]), let pending = UInt64(t[base + 6]) else { return nil }
        streamSequence = sseq
        timestamp = ts
        self.pending = pending
    }
}
