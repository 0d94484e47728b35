import Foundation
import HireLedgerCore
import NATSClient

/// Publishes the log to a NATS JetStream stream, in log order and exactly once per stream.
///
/// Each event is one message: the CloudEvent JSON (`application/cloudevents+json`, as webhooks send it)
/// on subject `<prefix>.<account>.<event type>` (`JetStreamPublisherOptions.subject(forWireName:)`),
/// with the header `Nats-Msg-Id: <storeId>:<seq>` (the event id).
///
/// Exactly once: the store keeps a cursor per stream (`checkpoints` key `publish/nats/<stream>`), moved
/// only past events JetStream has acknowledged, to the highest position below which every event is
/// acknowledged. A publisher killed (or a server lost) between the acks and the cursor's commit sends
/// those events again from the cursor; JetStream drops the copies by their message id, as long as they
/// come within the stream's duplicate window (default 1 h for streams this publisher creates), and acks
/// them as duplicates. Order: one connection, messages written in log order, and a failed publish
/// stops the pass, so the stream never holds an event whose predecessor is missing for good.
///
/// Rules for callers: run one publisher per store and stream (two would both send, and JetStream would
/// drop the copies, but their cursors could overwrite each other). The store is only read, except the
/// cursor's commits, which run on the store's writer thread; so publishing never blocks a sync
/// for longer than one small write.
public final class JetStreamPublisher: Sendable {
    public let store: LedgerStore
    public let url: NATSURL
    public let options: JetStreamPublisherOptions
    private let source: String
    private let log: @Sendable (String) -> Void
    private let pollInterval: Double
    private let wakeSignal = WakeSignal()
    private let subjects: [String: String]

    /// - Parameters:
    ///   - log: one line per notable thing (connected, stream created, caught up, connection lost and
    ///     retried); never carries a credential (the URL is shown redacted) or an event's content.
    ///   - pollInterval: in `run()`, longest wait before looking for new events without a `wake()`.
    public init(store: LedgerStore, url: NATSURL, options: JetStreamPublisherOptions, pollInterval: Double = 1,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        precondition(options.problems().isEmpty, "invalid publisher options: \(options.problems())")
        self.store = store
        self.url = url
        self.options = options
        self.log = log
        self.pollInterval = pollInterval
        source = "urn:hireledger:store:\(store.storeId)"
        var subjects: [String: String] = [:]
        for type in EventType.allCases { subjects[type.wireName] = options.subject(forWireName: type.wireName) }
        self.subjects = subjects
    }

    /// Seconds a JetStream API request (stream info, create, update) may take: generous, because a busy
    /// or recovering server answers these slowly and a timeout here stops a `--once` run.
    static let apiTimeout: Double = 20

    /// The `checkpoints` key of a stream's cursor.
    public static func cursorKey(stream: String) -> String { "publish/nats/" + stream }

    /// The last event JetStream has acknowledged for this stream (`.none` before the first).
    public func cursor() throws -> LogPosition {
        guard let bytes = try store.checkpoint(Self.cursorKey(stream: options.stream)) else { return .none }
        guard let position = LogPosition(bigEndianBytes: bytes) else {
            throw LedgerStoreError.damagedEntry(path: store.path, database: "checkpoints",
                                                what: "the NATS publish cursor of stream \(options.stream) is not an 8-byte position")
        }
        return position
    }

    /// Tells a running `run()` that new events may be in the log.
    public func wake() { wakeSignal.signal() }

    /// Connects, creates or checks the stream, publishes everything after the cursor, and returns.
    /// Throws on the first failure (server unreachable, authorization, stream mismatch, a refused
    /// message, a lost connection) after committing the cursor for what was acknowledged.
    public func publishOnce() async throws -> PublishReport {
        let connection = try await NATSConnection.connect(url, name: "hireledger-publish")
        defer { connection.close() }
        log("connected to \(url.redacted) (nats-server \(connection.info.version))")
        let js = JetStream(connection: connection, timeout: Self.apiTimeout)
        var report = try await ensureStream(js)
        try await publishAvailable(js, into: &report)
        return report
    }

    /// Creates or extends the stream for each publisher, one after the other over one connection (to the
    /// first one's server), so that publishers started together do not race to change the stream's
    /// subjects (see `ensureStream`). Throws the first failure; the publishers' `run()` check the stream
    /// again anyway.
    public static func prepareStream(for publishers: [JetStreamPublisher]) async throws {
        guard let first = publishers.first else { return }
        let connection = try await NATSConnection.connect(first.url, name: "hireledger-publish")
        defer { connection.close() }
        let js = JetStream(connection: connection, timeout: apiTimeout)
        for publisher in publishers { _ = try await publisher.ensureStream(js) }
    }

    /// Publishes until the task is cancelled: catches up, then publishes new events as they are
    /// appended (on `wake()` or every `pollInterval`). A lost or unreachable server is retried with a
    /// backoff from 0.5 s up to 30 s, resuming from the cursor. Throws `CancellationError` when cancelled,
    /// and the errors that retrying cannot fix: refused credentials, a stream that does not match the
    /// options, a message the stream refuses, a store error.
    public func run() async throws {
        var backoff = 0.5
        while true {
            try Task.checkCancellation()
            let connection: NATSConnection
            do {
                connection = try await NATSConnection.connect(url, name: "hireledger-publish")
            } catch let error as NATSError where error.isTransient {
                log("\(error); retrying in \(backoff) s")
                try await Task.sleep(nanoseconds: UInt64(backoff * 1e9))
                backoff = min(backoff * 2, 30)
                continue
            }
            log("connected to \(url.redacted) (nats-server \(connection.info.version))")
            do {
                let js = JetStream(connection: connection, timeout: Self.apiTimeout)
                var report = try await ensureStream(js)
                backoff = 0.5
                while true {
                    try Task.checkCancellation()
                    let before = report.published + report.duplicates
                    try await publishAvailable(js, into: &report)
                    if report.published + report.duplicates > before { continue }
                    if let reason = connection.closeReason { throw reason }
                    await waitForWork()
                }
            } catch where Self.retryable(error) {
                connection.close()
                log("\(error); reconnecting in \(backoff) s from the cursor")
                try await Task.sleep(nanoseconds: UInt64(backoff * 1e9))
                backoff = min(backoff * 2, 30)
            } catch {
                connection.close()
                throw error
            }
        }
    }

    /// Whether `run()` reconnects after `error`: the server went away or is slow, or answers no
    /// responders (JetStream not up yet after a restart; a server without JetStream keeps failing, and
    /// each attempt is logged).
    static func retryable(_ error: any Error) -> Bool {
        switch error {
        case let e as NATSError:
            if case .noResponders = e { return true }
            return e.isTransient
        case JetStreamPublisherError.eventRefused(_, let cause): return retryable(cause)
        default: return false
        }
    }

    private func waitForWork() async {
        let pause = pollInterval
        // A signal after this read still ends the wait; one before it was for the pass just made,
        // or is caught by the poll interval.
        let seen = wakeSignal.generation
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(nanoseconds: UInt64(pause * 1e9)) }
            group.addTask { await self.wakeSignal.wait(since: seen) }
            await group.next()
            group.cancelAll()
        }
    }

    // MARK: - The stream

    /// Creates the stream if missing; otherwise checks it against the options, adds this publisher's
    /// subjects if the stream does not capture them yet, and applies allowed changes with `updateStream`.
    ///
    /// Publishers of several accounts may share one stream. JetStream replaces a stream's subject list
    /// whole and has no compare-and-set, so two publishers extending it at the same moment can lose one
    /// of the additions: publishers in one process (`serve --deployment`) therefore extend it one after
    /// the other first (`prepareStream(for:)`). Separate processes starting at the same instant are
    /// narrowed, not ruled out: a create that loses the race finds the stream there, and an update whose
    /// subjects are missing when the stream is read back goes round again (up to 8 times); an addition
    /// lost after that shows as no responders, which `run()` retries by checking the stream again.
    func ensureStream(_ js: JetStream) async throws -> PublishReport {
        for attempt in 1...8 {
            if let report = try await ensureStreamPass(js, mayRetry: attempt < 8) { return report }
            try await Task.sleep(nanoseconds: UInt64.random(in: 1_000_000...50_000_000))
        }
        throw JetStreamPublisherError.streamRefused(stream: options.stream, action: "update",
                                                    detail: "other publishers kept changing the stream's subjects at the same time")
    }

    /// One pass of `ensureStream`; nil when it lost a race with another publisher and should be run again.
    private func ensureStreamPass(_ js: JetStream, mayRetry: Bool) async throws -> PublishReport? {
        var report = PublishReport(cursor: try cursor())
        let nanos = { (seconds: Double) -> Int64 in Int64(seconds * 1e9) }
        guard let info = try await js.streamInfo(options.stream) else {
            let config: [String: Any] = [
                "name": options.stream, "subjects": [options.subjectFilter], "storage": "file",
                "retention": (options.retention ?? .limits).rawValue, "num_replicas": options.replicas ?? 1,
                "max_age": nanos(options.maxAge ?? 0),
                "duplicate_window": nanos(options.duplicateWindow ?? JetStreamPublisherOptions.defaultDuplicateWindow),
                "discard": "old",
            ]
            do { _ = try await js.createStream(config) } catch let NATSError.jetStream(code, errCode, description) {
                if mayRetry, try await js.streamInfo(options.stream) != nil { return nil } // another publisher created it
                throw JetStreamPublisherError.streamRefused(stream: options.stream, action: "create", detail: "\(code)/\(errCode): \(description)")
            }
            log("created stream \(options.stream) (subjects \(options.subjectFilter))")
            report.streamCreated = true
            return report
        }
        var differences: [String] = []
        var fixable: [String: Any] = [:]
        if let r = options.retention, r.rawValue != info.retention {
            differences.append("retention is \(info.retention), --retention asks for \(r.rawValue) (JetStream cannot change a stream's retention; use another --stream)")
        }
        if let n = options.replicas, n != info.replicas {
            differences.append("replicas are \(info.replicas), --replicas asks for \(n)")
            fixable["num_replicas"] = n
        }
        if let a = options.maxAge, nanos(a) != info.maxAge {
            differences.append("max age is \(Self.seconds(info.maxAge)), --max-age asks for \(Self.seconds(nanos(a)))")
            fixable["max_age"] = nanos(a)
        }
        if let d = options.duplicateWindow, nanos(d) != info.duplicateWindow {
            differences.append("duplicate window is \(Self.seconds(info.duplicateWindow)), --duplicate-window asks for \(Self.seconds(nanos(d)))")
            fixable["duplicate_window"] = nanos(d)
        } else if options.duplicateWindow == nil && info.duplicateWindow <= 0 {
            differences.append("the stream has no duplicate window, so a re-send after a crash would be stored twice")
            fixable["duplicate_window"] = nanos(JetStreamPublisherOptions.defaultDuplicateWindow)
        }
        let captured = info.subjects.contains { Self.filter($0, covers: options.subjectFilter) }
        let retentionDiffers = options.retention.map { $0.rawValue != info.retention } ?? false
        if !differences.isEmpty && (!options.updateStream || retentionDiffers) {
            throw JetStreamPublisherError.streamMismatch(stream: options.stream, differences: differences,
                                                         canUpdate: !retentionDiffers)
        }
        if !captured || !fixable.isEmpty {
            var config = info.config
            for (k, v) in fixable { config[k] = v }
            if !captured { config["subjects"] = info.subjects + [options.subjectFilter] }
            do { _ = try await js.updateStream(config) } catch let NATSError.jetStream(code, errCode, description) {
                throw JetStreamPublisherError.streamRefused(stream: options.stream, action: "update", detail: "\(code)/\(errCode): \(description)")
            }
            if !captured, mayRetry, let after = try await js.streamInfo(options.stream),
               !after.subjects.contains(where: { Self.filter($0, covers: options.subjectFilter) }) {
                return nil // another publisher's update replaced the subject list at the same moment
            }
            if !captured { log("added subjects \(options.subjectFilter) to stream \(options.stream)") }
            if !fixable.isEmpty { log("updated stream \(options.stream): \(differences.joined(separator: "; "))") }
        }
        return report
    }

    private static func seconds(_ nanos: Int64) -> String {
        nanos == 0 ? "unlimited" : "\(Double(nanos) / 1e9) s"
    }

    /// Whether stream subject `filter` (with `*` and `>` wildcards) captures every subject matching `subjects`.
    static func filter(_ filter: String, covers subjects: String) -> Bool {
        let f = filter.split(separator: "."), s = subjects.split(separator: ".")
        for (i, token) in f.enumerated() {
            if token == ">" { return i < s.count }
            guard i < s.count else { return false }
            if token == "*" { if s[i] == ">" { return false }; continue }
            if token != s[i] { return false }
        }
        return f.count == s.count
    }

    // MARK: - Publishing

    /// Publishes from the cursor to the end of the log with up to `pipeline` messages in flight,
    /// committing the cursor every `commitEvery` acks, at the end, and before throwing.
    func publishAvailable(_ js: JetStream, into report: inout PublishReport) async throws {
        var acked = try cursor()
        var committed = acked
        var nextToRead = acked
        var inFlight: [(seq: LogPosition, pending: PendingPublish)] = []
        var head = 0
        var failure: (any Error)?
        let pipeline = options.pipeline

        func awaitOldest() async {
            let (seq, pending) = inFlight[head]
            head += 1
            do {
                let ack = try await pending.ack()
                acked = seq
                if ack.duplicate { report.duplicates += 1 } else { report.published += 1 }
            } catch {
                failure = JetStreamPublisherError.eventRefused(eventId: "\(store.storeId):\(seq.value)", cause: error)
            }
            if head > 4096 { inFlight.removeFirst(head); head = 0 }
        }

        reading: while failure == nil {
            let events = try store.events(after: nextToRead, limit: max(1024, pipeline))
            if events.isEmpty { break }
            for event in events {
                while inFlight.count - head >= pipeline, failure == nil { await awaitOldest() }
                if failure != nil { break reading }
                let payload = event.cloudEvent(source: source).canonicalBytes()
                let subject = subjects[event.type.wireName] ?? options.subject(forWireName: event.type.wireName)
                do {
                    inFlight.append((event.seq, try js.publish(subject, headers: [("Nats-Msg-Id", event.id),
                                                                                  ("Content-Type", "application/cloudevents+json")],
                                                               payload: payload, timeout: options.ackTimeout)))
                } catch {
                    failure = JetStreamPublisherError.eventRefused(eventId: event.id, cause: error)
                    break reading
                }
                nextToRead = event.seq
                if acked.value - committed.value >= UInt64(options.commitEvery) {
                    try await commit(acked)
                    committed = acked
                }
            }
        }
        while failure == nil && head < inFlight.count { await awaitOldest() }
        if acked > committed { try await commit(acked) }
        report.cursor = acked
        if let failure { throw failure }
    }

    private func commit(_ position: LogPosition) async throws {
        let store = self.store, key = Self.cursorKey(stream: options.stream)
        try await store.onWriterThread {
            try store.setCheckpoints([CheckpointWrite(key: key, value: position.bigEndianBytes)])
        }
    }
}

/// What a publish pass did.
public struct PublishReport: Sendable, Hashable {
    /// Messages JetStream stored.
    public var published = 0
    /// Messages JetStream acknowledged as duplicates (already stored before a crash or a lost connection).
    public var duplicates = 0
    /// The cursor after the pass.
    public var cursor: LogPosition
    /// True when this pass created the stream.
    public var streamCreated = false

    public init(cursor: LogPosition) { self.cursor = cursor }
}

/// Why publishing stopped for a reason that waiting does not fix.
public enum JetStreamPublisherError: Error, Sendable, CustomStringConvertible {
    /// The existing stream differs from what the options ask for.
    case streamMismatch(stream: String, differences: [String], canUpdate: Bool)
    /// JetStream refused to create or update the stream.
    case streamRefused(stream: String, action: String, detail: String)
    /// An event could not be published (refused by the stream, no responders, too large, or its ack lost).
    case eventRefused(eventId: String, cause: any Error)

    public var description: String {
        switch self {
        case .streamMismatch(let stream, let differences, let canUpdate):
            "the JetStream stream \(stream) does not match the options: \(differences.joined(separator: "; ")). "
                + (canUpdate ? "Pass --update-stream to change the stream, or drop the options to accept its settings. Nothing was published."
                   : "Nothing was published.")
        case .streamRefused(let stream, let action, let detail):
            "JetStream refused to \(action) the stream \(stream): \(detail). Nothing was published."
        case .eventRefused(let eventId, let cause):
            "event \(eventId) was not published: \(cause). Events before it are published and the cursor is kept; run publish again to go on from there."
        }
    }
}
