import Foundation

/// The JetStream API over a `NATSConnection`: JSON requests to `$JS.API.*` subjects (stream info,
/// create, update; consumer create and delete) and publishing with a `PubAck`.
///
/// Only what HireLedger needs; each call maps JetStream's error answers to `NATSError.jetStream` with the
/// server's own description, and a 503 status to `.noResponders` (JetStream not enabled, or no stream
/// captures the subject).
public struct JetStream: Sendable {
    public let connection: NATSConnection
    /// Seconds an API request may take.
    public var timeout: Double
    public let apiPrefix = "$JS.API"

    public init(connection: NATSConnection, timeout: Double = 5) {
        self.connection = connection
        self.timeout = timeout
    }

    /// Sends an API request and returns its JSON answer, or throws the error it carries.
    public func api(_ subject: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        let payload = try body.map { Array(try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])) } ?? []
        let full = apiPrefix + "." + subject
        let reply: NATSMessage
        do {
            reply = try await connection.request(full, payload: payload, timeout: timeout).reply()
        } catch NATSError.noResponders {
            throw NATSError.noResponders(subject: full)
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(reply.payload)) as? [String: Any] else {
            throw NATSError.protocolError(server: connection.server, detail: "the JetStream API answered \(full) with something that is not a JSON object")
        }
        if let error = json["error"] as? [String: Any] {
            throw NATSError.jetStream(code: error["code"] as? Int ?? 0, errorCode: error["err_code"] as? Int ?? 0,
                                      description: error["description"] as? String ?? "no description")
        }
        return json
    }

    /// The stream's configuration and state, or nil when there is no stream of that name.
    public func streamInfo(_ name: String) async throws -> StreamInfo? {
        do {
            return StreamInfo(json: try await api("STREAM.INFO.\(name)"))
        } catch NATSError.jetStream(404, _, _) {
            return nil
        }
    }

    public func createStream(_ config: [String: Any]) async throws -> StreamInfo {
        guard let name = config["name"] as? String else { throw NATSError.protocolError(server: "-", detail: "a stream configuration without a name") }
        return StreamInfo(json: try await api("STREAM.CREATE.\(name)", config))
    }

    public func updateStream(_ config: [String: Any]) async throws -> StreamInfo {
        guard let name = config["name"] as? String else { throw NATSError.protocolError(server: "-", detail: "a stream configuration without a name") }
        return StreamInfo(json: try await api("STREAM.UPDATE.\(name)", config))
    }

    /// Publishes to a subject a stream captures; the answer is read with `PendingPublish.ack()`. Calls are
    /// written in order, so many publishes can be in flight before their acks are awaited.
    public func publish(_ subject: String, headers: [(name: String, value: String)], payload: [UInt8],
                        timeout: Double? = nil) throws -> PendingPublish {
        PendingPublish(reply: try connection.request(subject, headers: headers, payload: payload, timeout: timeout ?? self.timeout))
    }

    /// Creates a consumer on `stream` (`config` is JetStream's consumer configuration) and returns its name.
    public func createConsumer(stream: String, config: [String: Any]) async throws -> String {
        let answer = try await api("CONSUMER.CREATE.\(stream)", ["stream_name": stream, "config": config])
        guard let name = answer["name"] as? String else {
            throw NATSError.protocolError(server: connection.server, detail: "the consumer create answer has no name")
        }
        return name
    }

    public func deleteConsumer(stream: String, name: String) async throws {
        _ = try await api("CONSUMER.DELETE.\(stream).\(name)")
    }
}

/// A stream's configuration and state as `STREAM.INFO` returns them. `config` is kept whole so that an
/// update can send it back with only the changed fields replaced.
public struct StreamInfo: @unchecked Sendable {
    // @unchecked: `config` holds only JSONSerialization values (strings, numbers, arrays, dictionaries), never mutated after init.
    public let config: [String: Any]
    public let messages: UInt64
    public let firstSequence: UInt64
    public let lastSequence: UInt64

    init(json: [String: Any]) {
        config = json["config"] as? [String: Any] ?? [:]
        let state = json["state"] as? [String: Any] ?? [:]
        messages = (state["messages"] as? NSNumber)?.uint64Value ?? 0
        firstSequence = (state["first_seq"] as? NSNumber)?.uint64Value ?? 0
        lastSequence = (state["last_seq"] as? NSNumber)?.uint64Value ?? 0
    }

    public var subjects: [String] { config["subjects"] as? [String] ?? [] }
    public var retention: String { config["retention"] as? String ?? "limits" }
    public var replicas: Int { config["num_replicas"] as? Int ?? 1 }
    /// Nanoseconds; 0 is unlimited.
    public var maxAge: Int64 { (config["max_age"] as? NSNumber)?.int64Value ?? 0 }
    /// Nanoseconds.
    public var duplicateWindow: Int64 { (config["duplicate_window"] as? NSNumber)?.int64Value ?? 0 }
}

/// A JetStream publish waiting for its acknowledgement.
public struct PendingPublish: Sendable {
    let reply: PendingReply

    /// Waits for the `PubAck`. Throws `NATSError.jetStream` when the stream refused the message,
    /// `.noResponders` when no stream captures the subject, `.timedOut`, `.connectionLost`.
    public func ack() async throws -> PubAck {
        let message = try await reply.reply()
        guard let json = try? JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any] else {
            throw NATSError.protocolError(server: "-", detail: "a JetStream publish was answered with something that is not a JSON object")
        }
        if let error = json["error"] as? [String: Any] {
            throw NATSError.jetStream(code: error["code"] as? Int ?? 0, errorCode: error["err_code"] as? Int ?? 0,
                                      description: error["description"] as? String ?? "no description")
        }
        guard let stream = json["stream"] as? String, let seq = (json["seq"] as? NSNumber)?.uint64Value else {
            throw NATSError.protocolError(server: "-", detail: "a JetStream publish ack without stream and seq")
        }
        return PubAck(stream: stream, sequence: seq, duplicate: json["duplicate"] as? Bool ?? false)
    }
}

/// JetStream's acknowledgement of a stored (or de-duplicated) message.
public struct PubAck: Sendable, Hashable {
    public var stream: String
    /// The message's sequence in the stream (for a duplicate, the sequence of the copy already stored).
    public var sequence: UInt64
    /// True when the message id was already in the stream's duplicate window: nothing new was stored.
    public var duplicate: Bool
}
