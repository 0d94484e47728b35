import AshbyAPI
import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import Logging
import Synchronization
import Testing

/// What unattended runs log: the sync engine's outcome as one structured line, every failed webhook
/// attempt with the URL masked, and never a secret or a record's contents.
struct ObservabilityLogTests {
    /// A swift-log handler keeping every entry, for one logger.
    final class CapturedLog: LogHandler, Sendable {
        struct Entry: Sendable {
            var level: Logger.Level
            var message: String
            var metadata: [String: String]
        }
        private let entries = Mutex([Entry]())
        var all: [Entry] { entries.withLock { $0 } }

        var metadata: Logger.Metadata {
            get { [:] }
            set {}
        }
        var logLevel: Logger.Level {
            get { .trace }
            set {}
        }
        subscript(metadataKey _: String) -> Logger.Metadata.Value? {
            get { nil }
            set {}
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            let entry = Entry(level: level, message: message.description, metadata: (metadata ?? [:]).mapValues { $0.description })
            entries.withLock { $0.append(entry) }
        }

        /// A logger writing here.
        var logger: Logger { Logger(label: "test") { _ in self } }
    }

    @Test func aSyncRecordsItsOutcomeInOneStructuredLine() async throws {
        try await withTemporaryDirectory { path in
            let harness = try SyncHarness(sim: tinySimulator(), storePath: path)
            let log = CapturedLog()
            let report = try await harness.service().sync(SyncOptions(), logger: log.logger)
            let lines = log.all.filter { $0.message == "sync finished" }
            #expect(lines.count == 1)
            let line = try #require(lines.first)
            #expect(line.level == .info)
            #expect(line.metadata["outcome"] == "succeeded")
            #expect(line.metadata["events_appended"] == String(report.appendedEvents))
            #expect(line.metadata["passes"] == String(report.runs.count))
            #expect(line.metadata["records"] == String(report.runs.reduce(0) { $0 + $1.records }))
            #expect(line.metadata["entity_types"]?.contains("applications") == true)
            #expect(line.metadata["last_seq"] == String(report.lastPosition.value))
            #expect(Double(try #require(line.metadata["duration_s"])) != nil)
            // Counts, names of entity types, positions and a duration: nothing about the account's people.
            #expect(Set(line.metadata.keys) == ["outcome", "duration_s", "entity_types", "passes", "full_passes", "pages",
                                                "records", "tombstones", "events_appended", "first_seq", "last_seq"])
        }
    }

    @Test func aFailedSyncRecordsTheFailureAndStillThrows() async throws {
        try await withTemporaryDirectory { path in
            // Every request refused: the client gives up after its one attempt.
            let harness = try SyncHarness(sim: tinySimulator(), storePath: path, transport: RefusingTransport(),
                                          retryPolicy: .ashbyClient(maxAttempts: 1, seed: 1))
            let log = CapturedLog()
            await #expect(throws: (any Error).self) { try await harness.service().sync(SyncOptions(), logger: log.logger) }
            let line = try #require(log.all.first { $0.message == "sync failed" })
            #expect(line.level == .error)
            #expect(line.metadata["outcome"] == "failed")
            #expect(line.metadata["error"]?.isEmpty == false)
            #expect(line.metadata["error"]?.contains(harness.sim.fullAccessKey) == false)
        }
    }

    @Test func everyFailedWebhookAttemptIsLoggedWithTheURLMasked() async throws {
        let receiver = try LoopbackHTTPServer { index, _ in index == 0 ? .status(503) : .status(204) }
        defer { receiver.stop() }
        let log = CapturedLog()
        let transport = ObservedWebhookTransport(base: try CurlTransport(), logger: log.logger)
        let url = receiver.baseURL + "/hooks/secret-path?token=s3cr3t"
        let request = HTTPRequest(method: "POST", url: url, headers: [("webhook-id", "store:7"), ("webhook-signature", "v1,SIG")],
                                  body: Array(#"{"name":"Ada Lovelace"}"#.utf8))
        #expect(try await transport.send(request).status == 503)
        #expect(try await transport.send(request).status == 204)
        // Nothing listens on port 1: no response at all.
        await #expect(throws: HTTPTransportError.self) {
            try await transport.send(HTTPRequest(method: "POST", url: "http://127.0.0.1:1/x?token=s3cr3t", headers: [("webhook-id", "store:8")]))
        }
        let failures = log.all.filter { $0.message == "webhook delivery attempt failed" }
        #expect(failures.count == 2)
        #expect(failures.first?.level == .warning)
        #expect(failures.first?.metadata["status"] == "503")
        #expect(failures.first?.metadata["webhook_id"] == "store:7")
        #expect(failures.first?.metadata["url"] == "http://127.0.0.1:\(receiver.port)/…")
        #expect(failures.last?.metadata["error"] == "connectionRefused")
        #expect(failures.last?.metadata["url"] == "http://127.0.0.1:1/…")
        let everything = log.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains("s3cr3t") && !everything.contains("secret-path") && !everything.contains("SIG")
            && !everything.contains("Ada"))
        #expect(transport.requestCounts == ["5xx": 1, "2xx": 1, "error": 1])
    }

    @Test func deliverLogsFailedAttemptsOnStandardError() async throws {
        let dir = try Executables.directory()
        try await withTemporaryDirectory { path in
            let store = try LedgerStore.open(directory: path)
            try WebhookDeliveryTests.appendEvents(store, 3)
            let receiver = try LoopbackHTTPServer { _, _ in .status(500) }
            defer { receiver.stop() }
            _ = try SubscriptionStore(store: store, addressPolicy: .allowPrivate)
                .create(url: receiver.baseURL + "/in?key=k3y", types: [], startAt: .beginning)
            let result = try ChildProcess.run(dir + "/hireledger", ["deliver", "--once", "--allow-private-webhooks", "--store", path])
            // A round with a failed delivery exits 1 (cron and systemd see it).
            #expect(result.status == 1)
            #expect(result.stdout.contains("1 failed attempts"))
            let line = try #require(result.stderr.split(separator: "\n").first { $0.contains("webhook delivery attempt failed") })
            #expect(line.contains("warning"))
            #expect(line.contains("status=500"))
            #expect(line.contains("url=http://127.0.0.1:\(receiver.port)/…"))
            #expect(!result.stderr.contains("k3y"))
            #expect(result.stderr.contains("delivery round finished"))
            // A bad level is refused with what to give instead.
            let bad = try ChildProcess.run(dir + "/hireledger", ["deliver", "--once", "--allow-private-webhooks", "--store", path], environment: ["HIRELEDGER_LOG_LEVEL": "loud"])
            #expect(bad.status != 0 && bad.stderr.contains("HIRELEDGER_LOG_LEVEL must be one of"))
        }
    }
}

/// A transport with nothing behind it: every request fails as refused.
private struct RefusingTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw HTTPTransportError(kind: .connectionRefused, method: request.method, url: request.url, detail: "refused (test)")
    }
}
