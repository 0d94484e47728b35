import CurlHTTP
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import HireLedgerTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// `/metrics` read by a real Prometheus exposition-format parser (Python `prometheus_client`'s
/// `text_string_to_metric_families`, from the venv `tools/setup.sh` creates), after real requests,
/// real webhook deliveries over loopback and view catch-ups.
@Suite(.serialized) struct MetricsExpositionTests {
    /// One parsed sample: metric family, sample name, labels, value.
    struct Sample: Sendable {
        var family: String
        var type: String
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Parses `text` with prometheus_client; fails the test with what to do when the venv is missing.
    static func parse(_ text: String) throws -> [Sample] {
        let python = repositoryRoot + "/.venv-tools/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ParserMissing(description: "\(python) is missing: run tools/setup.sh (it creates .venv-tools with prometheus_client)")
        }
        let input = NSTemporaryDirectory() + "hireledger-metrics-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: input))
        defer { try? FileManager.default.removeItem(atPath: input) }
        let script = """
            import json, math, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    v = s.value
                    out.append([family.name, family.type, s.name, s.labels, "+Inf" if math.isinf(v) else v])
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, input]
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ParserMissing(description: "prometheus_client refused the exposition: \(errors)\n--- text ---\n\(text)")
        }
        let rows = try #require(try JSONValue.parse(Array(output)).arrayValue)
        return try rows.map { row in
            let r = try #require(row.arrayValue)
            var labels: [String: String] = [:]
            if case .object(let o) = r[3] { for m in o { labels[m.key] = m.value.stringValue } }
            let value = r[4].stringValue == "+Inf" ? Double.infinity : Double(try #require(r[4].numberValue?.text)) ?? .nan
            return Sample(family: try #require(r[0].stringValue), type: try #require(r[1].stringValue),
                          name: try #require(r[2].stringValue), labels: labels, value: value)
        }
    }

    struct ParserMissing: Error, CustomStringConvertible { let description: String }

    @Test func metricsPassThePrometheusParserWithRequestAndWebhookHistograms() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let receiver = try LoopbackHTTPServer { _, request in request.path == "/fail" ? .status(503) : .status(204) }
        defer { receiver.stop() }
        let webhooks = try WebhookDeliveries(store: ledger.store, transport: try CurlTransport(), source: "urn:test",
                                             clock: ManualWebhookClock(now: try #require(try ledger.store.lastObservedAt)), addressPolicy: .allowPrivate)
        let api = try LedgerAPI(store: ledger.store, token: APIToken(testToken),
                                options: ServerOptions(port: 0, pollMilliseconds: 20), webhooks: webhooks)
        // Six events to one endpoint that takes them, one attempt at another that answers 503.
        let start = StartPosition.position(LogPosition(try ledger.store.lastPosition.value - 5))
        _ = try webhooks.subscriptions.create(url: receiver.baseURL + "/ok", types: [], startAt: start)
        _ = try webhooks.subscriptions.create(url: receiver.baseURL + "/fail", types: [], startAt: start)
        let report = try await webhooks.dispatcher.deliverOnce()
        #expect(report.delivered == 6 && report.failedAttempts == 1 && report.requests == 7)
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            for _ in 0..<3 { #expect(try await client.execute(uri: "/v1/events?limit=5", method: .get, headers: bearer).status == .ok) }
            #expect(try await client.execute(uri: "/v1/headcount", method: .get, headers: bearer).status == .ok)
            #expect(try await client.execute(uri: "/v1/events?limit=5", method: .get).status == .unauthorized)
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let samples = try Self.parse(String(buffer: response.body))
            func family(_ name: String) -> [Sample] { samples.filter { $0.family == name } }

            // Request latency: a histogram by route template, method and status class, with buckets.
            let requests = family("hireledger_http_request_duration_seconds")
            #expect(requests.first?.type == "histogram")
            let eventsCount = requests.first { $0.name.hasSuffix("_count") && $0.labels["route"] == "/v1/events"
                && $0.labels["status_class"] == "2xx" && $0.labels["method"] == "GET" }
            #expect(eventsCount?.value == 3)
            #expect(requests.contains { $0.name.hasSuffix("_count") && $0.labels["status_class"] == "4xx" && $0.value == 1 })
            let infBucket = requests.first { $0.name.hasSuffix("_bucket") && $0.labels["le"] == "+Inf" && $0.labels["route"] == "/v1/events"
                && $0.labels["status_class"] == "2xx" }
            #expect(infBucket?.value == 3)
            #expect(requests.filter { $0.name.hasSuffix("_bucket") && $0.labels["route"] == "/v1/events" && $0.labels["status_class"] == "2xx" }.count > 5)
            #expect(family("hireledger_http_requests").contains {
                $0.labels == ["route": "/v1/events", "method": "GET", "status": "401"] && $0.value == 1 })

            // Webhook delivery latency and outcomes.
            let deliveries = family("hireledger_webhook_request_duration_seconds")
            #expect(deliveries.first?.type == "histogram")
            let ok = deliveries.first { $0.name.hasSuffix("_count") && $0.labels["outcome"] == "2xx" }
            #expect(ok?.value == Double(report.requests - 1))
            #expect(deliveries.first { $0.name.hasSuffix("_count") && $0.labels["outcome"] == "5xx" }?.value == 1)
            #expect(family("hireledger_webhook_requests").first { $0.labels["outcome"] == "5xx" }?.value == 1)
            #expect(family("hireledger_webhook_subscriptions").first { $0.labels["state"] == "retrying" }?.value == 1)
            #expect(family("hireledger_webhook_lag_events").count == 2)

            // The store's figures, read at scrape time.
            let status = try ledger.store.status()
            #expect(family("hireledger_events_total").first?.value == Double(status.eventCount))
            #expect(family("hireledger_last_seq").first?.value == Double(status.lastPosition.value))
            #expect((family("hireledger_store_used_bytes").first?.value ?? 0) > 0)
            #expect(family("hireledger_store_map_size_bytes").first?.value == Double(status.mapSize))
            #expect(family("hireledger_sync_last_finished_timestamp_seconds").contains { $0.labels["entity_type"] == "applications" })
            #expect(family("hireledger_sync_last_duration_seconds").count == status.lastSyncs.count)
            // Each view's lag is what its published state (the service folds on its own) leaves out:
            // the headcount view was asked for, so it is published; any view is at most the whole log behind.
            let lags = Dictionary(uniqueKeysWithValues: family("hireledger_view_lag_events").compactMap { s in s.labels["view"].map { ($0, s.value) } })
            #expect(Set(lags.keys) == ["headcount", "pipeline", "changes"])
            #expect(lags["headcount"] == 0)
            #expect(lags.values.allSatisfy { $0 >= 0 && $0 <= Double(status.lastPosition.value) })
            #expect(family("hireledger_events_appended").first?.value == 0)
        }
    }

    @Test func aStoreReadFailureAtScrapeTimeAnswers500NotZeros() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        // Stands for a store read that fails at scrape time (a collector's error fails the scrape the
        // same way the store collector's does).
        struct Unreadable: Error, CustomStringConvertible { var description: String { "MDB_CORRUPTED: located page was wrong type" } }
        api.metrics.addCollector { throw Unreadable() }
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .internalServerError)
            let body = String(buffer: response.body)
            #expect(body.contains("MDB_CORRUPTED"))
            #expect(!body.contains("hireledger_events_total"))
        }
    }

    @Test func eventsAppendedCountsWhatTheWatcherSeesAfterStart() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        let appended = try await ledger.syncNextDay()
        api.watcher.notify()
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            let samples = try Self.parse(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
            #expect(samples.first { $0.family == "hireledger_events_appended" }?.value == Double(appended))
        }
    }
}
