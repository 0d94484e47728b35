import AshbySimulator
import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerTestSupport
import NATSClient
import Testing

/// The JetStream publisher against a real `nats-server -js` on loopback: everything arrives in order and
/// exactly once, through publisher kills, server restarts and a consumer that starts at a time.
@Suite(.serialized)
struct JetStreamPublisherTests {
    /// Simulated days of the shared run (30 by default; HIRELEDGER_NATS_DAYS for more).
    static let days = Int(ProcessInfo.processInfo.environment["HIRELEDGER_NATS_DAYS"] ?? "") ?? 30

    @Test func allEventsOfAThirtyDayRunArriveInOrder() async throws {
        try await withTemporaryDirectory { dir in
            let path = try await SmallWorldRun.copy(into: dir + "/store")
            let store = try openTestStore(path)
            let server = try NATSServerProcess(directory: dir + "/nats")
            defer { server.stop() }
            let publisher = JetStreamPublisher(store: store, url: try NATSURL(server.url),
                                               options: JetStreamPublisherOptions(account: "acme"))
            let report = try await publisher.publishOnce()
            let events = try store.events()
            #expect(report.published == events.count && report.duplicates == 0 && report.streamCreated)
            #expect(try publisher.cursor() == events.last!.seq)

            let received = try await StreamReader.read(server, stream: "HIRELEDGER", expected: events.count)
            #expect(received.count == events.count)
            for (m, e) in zip(received, events) {
                #expect(m.header("Nats-Msg-Id") == e.id)
                #expect(m.subject == "hireledger.acme." + e.type.wireName)
                let back = try RecordedEvent(cloudEvent: try JSONValue.parse(m.payload))
                #expect(back == e)
            }
            // Nothing new: a second pass publishes nothing.
            let again = try await publisher.publishOnce()
            #expect(again.published == 0 && again.duplicates == 0 && !again.streamCreated)
        }
    }

    @Test func killingThePublisherAtRandomPointsLeavesEveryEventExactlyOnce() async throws {
        try await withTemporaryDirectory { dir in
            let path = try await SmallWorldRun.copy(into: dir + "/store")
            let total = try openTestStore(path).events().count
            let storeId = try openTestStore(path).storeId
            let server = try NATSServerProcess(directory: dir + "/nats")
            defer { server.stop() }
            let exe = try Executables.directory() + "/hireledger"
            let common = ["publish", "--once", "--store", path, "--nats", server.url, "--account", "acme", "--pipeline", "64", "--commit-every", "128"]

            let reader = try openTestStore(path)
            var rng = SystemRandomNumberGenerator()
            var killedMidway = 0, duplicatesSeen = 0
            for trial in 1...10 {
                let stream = "KILL\(trial)"
                let own = ["--stream", stream, "--subject-prefix", "kill\(trial)"]  // streams may not share subjects
                // A random point of the log: once the publisher's cursor has passed it, a random moment
                // later (so kills land between acks and commits too), SIGKILL.
                // (In the first half: with half still to publish, the publisher cannot finish in the up to
                // 10 ms before the kill; 1,000 events before the end were too few once the log's values got
                // smaller and publishing faster, format 4, and the last third too few once reads got faster
                // (cursor prefetch): 8 of 10 kills landed mid-publish in a loaded parallel run.)
                let target = UInt64.random(in: 1...UInt64(total / 2), using: &rng)
                let child = try ChildProcess.start(exe, common + own)
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline {
                    let cursor = try reader.checkpoint(JetStreamPublisher.cursorKey(stream: stream)).flatMap { LogPosition(bigEndianBytes: $0) }
                    if (cursor?.value ?? 0) >= target { break }
                    try await Task.sleep(nanoseconds: 1_000_000)
                }
                try await Task.sleep(nanoseconds: UInt64.random(in: 0...10_000_000, using: &rng))
                if child.kill(SIGKILL) { killedMidway += 1 }
                child.waitUntilExit()
                let rest = try ChildProcess.run(exe, common + own)
                #expect(rest.status == 0, "\(rest.stderr)")
                if let r = rest.stdout.range(of: #"\((\d+) already there"#, options: .regularExpression) {
                    duplicatesSeen += Int(rest.stdout[r].dropFirst().prefix { $0.isNumber }) ?? 0
                }
                let received = try await StreamReader.read(server, stream: stream, expected: total)
                #expect(StreamReader.problem(received, storeId: storeId, from: 1, to: UInt64(total)) == nil, "trial \(trial)")
                #expect(try await StreamReader.messageCount(server, stream: stream) == UInt64(total))
            }
            // The kills must have landed while publishing for the test to mean anything.
            #expect(killedMidway >= 9, "only \(killedMidway) of 10 publishers were still running when killed")
            print("publisher kills: \(killedMidway)/10 mid-publish, \(duplicatesSeen) re-sent events dropped by JetStream as duplicates")
        }
    }

    @Test func aServerRestartMidPublishLosesNothing() async throws {
        try await withTemporaryDirectory { dir in
            let path = try await SmallWorldRun.copy(into: dir + "/store")
            let store = try openTestStore(path)
            let last = try store.lastPosition
            let server = try NATSServerProcess(directory: dir + "/nats")
            defer { server.stop() }
            let lines = LineLog()
            let publisher = JetStreamPublisher(store: store, url: try NATSURL(server.url),
                                               options: JetStreamPublisherOptions(account: "acme", pipeline: 16, commitEvery: 32),
                                               pollInterval: 0.05) { lines.add($0) }
            let task = Task { try await publisher.run() }
            // Kill the server once part of the log is acknowledged, restart it a moment later.
            let deadline = Date().addingTimeInterval(60)
            while try publisher.cursor().value < last.value / 4, Date() < deadline { try await Task.sleep(nanoseconds: 2_000_000) }
            let atKill = try publisher.cursor()
            server.kill()
            try await Task.sleep(nanoseconds: 500_000_000)
            try server.restart()
            while try publisher.cursor() < last, Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
            task.cancel()
            _ = await task.result
            #expect(atKill < last, "the publisher finished before the server was killed")
            #expect(try publisher.cursor() == last)
            #expect(lines.all.contains { $0.contains("reconnecting") || $0.contains("retrying") }, "\(lines.all)")
            let received = try await StreamReader.read(server, stream: "HIRELEDGER", expected: Int(last.value))
            #expect(StreamReader.problem(received, storeId: store.storeId, from: 1, to: last.value) == nil)
            #expect(try await StreamReader.messageCount(server, stream: "HIRELEDGER") == last.value)
        }
    }

    @Test func aConsumerWithAStartTimeReplaysFromThatTime() async throws {
        try await withTemporaryDirectory { dir in
            let h = try SyncHarness(sim: tinySimulator(seed: 5), storePath: dir + "/store")
            let server = try NATSServerProcess(directory: dir + "/nats")
            defer { server.stop() }
            let publisher = JetStreamPublisher(store: h.store, url: try NATSURL(server.url), options: JetStreamPublisherOptions(account: "tiny"))
            for _ in 0..<5 { _ = try await h.service().sync(); h.sim.advance(days: 1) }
            let firstPart = try await publisher.publishOnce().cursor
            try await Task.sleep(nanoseconds: 1_100_000_000)
            let between = Date()
            try await Task.sleep(nanoseconds: 1_100_000_000)
            for _ in 0..<5 { h.sim.advance(days: 1); _ = try await h.service().sync() }
            let secondPart = try await publisher.publishOnce().cursor
            #expect(secondPart > firstPart)

            let replay = try await StreamReader.read(server, stream: "HIRELEDGER", expected: Int(secondPart.value - firstPart.value),
                                                     start: .time(between))
            #expect(StreamReader.problem(replay, storeId: h.store.storeId, from: firstPart.value + 1, to: secondPart.value) == nil)
            #expect(replay.allSatisfy { Double($0.storedAtNanoseconds) / 1e9 >= between.timeIntervalSince1970 })
        }
    }

    @Test func aStreamThatDiffersFromTheOptionsIsReportedAndNothingIsPublished() async throws {
        try await withTemporaryDirectory { dir in
            let h = try SyncHarness(sim: tinySimulator(seed: 3), storePath: dir + "/store")
            _ = try await h.service().sync()
            let server = try NATSServerProcess(directory: dir + "/nats")
            defer { server.stop() }
            let url = try NATSURL(server.url)
            _ = try await JetStreamPublisher(store: h.store, url: url, options: JetStreamPublisherOptions(stream: "S", account: "a", maxAge: 86400))
                .publishOnce()
            for options in [JetStreamPublisherOptions(stream: "S", account: "a", retention: .interest),
                            JetStreamPublisherOptions(stream: "S", account: "a", maxAge: 3600)] {
                do {
                    _ = try await JetStreamPublisher(store: h.store, url: url, options: options).publishOnce()
                    Issue.record("a mismatching stream was accepted")
                } catch let error as JetStreamPublisherError {
                    guard case .streamMismatch = error else { Issue.record("\(error)"); continue }
                    #expect(error.description.contains(options.retention != nil ? "retention is limits" : "max age is 86400.0 s"), "\(error)")
                }
            }
            // --update-stream applies what JetStream can change.
            var update = JetStreamPublisherOptions(stream: "S", account: "a", maxAge: 3600)
            update.updateStream = true
            _ = try await JetStreamPublisher(store: h.store, url: url, options: update).publishOnce()
            let c = try await NATSConnection.connect(url)
            defer { c.close() }
            #expect(try await JetStream(connection: c).streamInfo("S")?.maxAge == 3_600_000_000_000)
            // A second account on the same stream adds its subjects instead of failing.
            _ = try await JetStreamPublisher(store: h.store, url: url, options: JetStreamPublisherOptions(stream: "S", account: "b")).publishOnce()
            #expect(try await JetStream(connection: c).streamInfo("S")?.subjects == ["hireledger.a.>", "hireledger.b.>"])
        }
    }

    @Test func publishersOfManyAccountsStartedTogetherAfterPreparingShareOneStream() async throws {
        try await withTemporaryDirectory { dir in
            let server = try NATSServerProcess(directory: dir + "/nats")
            defer { server.stop() }
            let url = try NATSURL(server.url)
            // Eight accounts (a store each, 50 events) whose publishers start at once after the stream is
            // prepared for all of them, as `serve --deployment --publish-nats` starts them.
            let t0 = Timestamp(iso8601: "2026-03-01T09:00:00Z")!
            let stores = try (0..<8).map { n -> LedgerStore in
                let store = try openTestStore(dir + "/s\(n)")
                try store.append((0..<50).map { k in
                    PendingEvent(type: .domain(.applicationStageChanged), subject: EntityKey(.application, "a\(k)"),
                                 observedAt: t0.adding(milliseconds: Int64(k)), occurredAt: t0, occurredAtInferred: false,
                                 data: ["applicationId": .string("a\(k)"), "jobId": "j1"])
                })
                return store
            }
            let publishers = stores.enumerated().map { n, store in
                JetStreamPublisher(store: store, url: url, options: JetStreamPublisherOptions(stream: "RACE", account: "acct\(n)"))
            }
            try await JetStreamPublisher.prepareStream(for: publishers)
            let reports = try await withThrowingTaskGroup(of: PublishReport.self) { group in
                for publisher in publishers { group.addTask { try await publisher.publishOnce() } }
                var all: [PublishReport] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(reports.count == 8 && reports.allSatisfy { $0.published == 50 })
            let c = try await NATSConnection.connect(url)
            defer { c.close() }
            #expect(Set(try await JetStream(connection: c).streamInfo("RACE")?.subjects ?? []) == Set((0..<8).map { "hireledger.acct\($0).>" }))
            let received = try await StreamReader.read(server, stream: "RACE", expected: 400)
            for (n, store) in stores.enumerated() {
                let mine = received.filter { $0.subject.hasPrefix("hireledger.acct\(n).") }
                #expect(StreamReader.problem(mine, storeId: store.storeId, from: 1, to: 50) == nil, "acct\(n)")
            }
        }
    }

    @Test func theCommandFailsClearlyOnBadCredentialsAndAnAbsentServer() async throws {
        try await withTemporaryDirectory { dir in
            let h = try SyncHarness(sim: tinySimulator(seed: 3), storePath: dir + "/store")
            _ = try await h.service().sync()
            let exe = try Executables.directory() + "/hireledger"
            let server = try NATSServerProcess(directory: dir + "/nats", extraArguments: ["--user", "hl", "--pass", "good-secret"])
            defer { server.stop() }
            let bad = try ChildProcess.run(exe, ["publish", "--once", "--store", dir + "/store", "--nats", "nats://hl:bad-secret@127.0.0.1:\(server.port)"])
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("refused the credentials") && bad.stderr.contains("hl:***@"), "\(bad.stderr)")
            #expect(!bad.stderr.contains("bad-secret") && !bad.stdout.contains("bad-secret"))
            #expect(try h.store.checkpoint(JetStreamPublisher.cursorKey(stream: "HIRELEDGER")) == nil)

            let port = try NATSServerProcess.freePort()
            let absent = try ChildProcess.run(exe, ["publish", "--once", "--store", dir + "/store", "--nats", "nats://127.0.0.1:\(port)"])
            #expect(absent.status != 0)
            #expect(absent.stderr.contains("cannot reach the NATS server at nats://127.0.0.1:\(port)"), "\(absent.stderr)")

            // Credentials from the environment, and the published count on stdout.
            let good = try ChildProcess.run(exe, ["publish", "--once", "--store", dir + "/store", "--account", "t"],
                                            environment: ["HIRELEDGER_NATS_URL": "nats://hl:good-secret@127.0.0.1:\(server.port)"])
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("published \(try h.store.events().count) events to stream HIRELEDGER as hireledger.t.>"), "\(good.stdout)")
            #expect(!good.stderr.contains("good-secret"))
        }
    }
}

/// The shared 30-day small-world run, made once per test process and copied into each test's directory.
enum SmallWorldRun {
    private static let made = LockedPath()

    static func copy(into directory: String) async throws -> String {
        let source = try await made.get {
            let path = NSTemporaryDirectory() + "hireledger-nats-world-" + UUID().uuidString
            let sim = SimulatedAshby(configuration: SimulatorConfiguration(seed: 21, size: .small))
            let h = try SyncHarness(sim: sim, storePath: path)
            for day in 0...JetStreamPublisherTests.days {
                _ = try await h.service().sync()
                if day < JetStreamPublisherTests.days { sim.advance(days: 1) }
            }
            return path
        }
        try openTestStore(source).copy(to: directory)
        return directory
    }
}

/// Makes a value once, for every test that asks (tests of a suite may run concurrently).
actor LockedPath {
    private var value: String?
    func get(_ make: () async throws -> String) async throws -> String {
        if let value { return value }
        let v = try await make()
        value = v
        return v
    }
}

final class LineLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}

/// Reads a stream back with an ordered push consumer through HireLedger's own client.
enum StreamReader {
    static func read(_ server: NATSServerProcess, stream: String, expected: Int,
                     start: JetStreamPushConsumer.Start = .all) async throws -> [JetStreamMessage] {
        let c = try await NATSConnection.connect(try NATSURL(server.url))
        defer { c.close() }
        let js = JetStream(connection: c, timeout: 20)
        let got = Collected()
        let consumer = try await JetStreamPushConsumer.start(js, stream: stream, start: start) { got.add($0) }
        let deadline = Date().addingTimeInterval(60)
        while got.count < expected, Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        // A moment more, so that a message beyond the expected ones (a duplicate) would show.
        try await Task.sleep(nanoseconds: 200_000_000)
        await consumer.stop()
        return got.all
    }

    /// Nil when `messages` are exactly the events `from...to` of store `storeId`, once each and in order;
    /// otherwise what is wrong first (short, so a failure does not print thousands of ids).
    static func problem(_ messages: [JetStreamMessage], storeId: String, from: UInt64, to: UInt64) -> String? {
        let ids = messages.map { $0.header("Nats-Msg-Id") ?? "(none)" }
        let expected = (from...to).map { "\(storeId):\($0)" }
        if let i = zip(ids, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            return "message \(i) is \(ids[i]), expected \(expected[i]) (\(ids.count) messages, \(expected.count) expected)"
        }
        if ids.count != expected.count { return "\(ids.count) messages where \(expected.count) were expected (the first \(min(ids.count, expected.count)) are right)" }
        return nil
    }

    /// How many messages the stream holds (a duplicate would make it more than the log's events).
    static func messageCount(_ server: NATSServerProcess, stream: String) async throws -> UInt64? {
        let c = try await NATSConnection.connect(try NATSURL(server.url))
        defer { c.close() }
        return try await JetStream(connection: c, timeout: 20).streamInfo(stream)?.messages
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [JetStreamMessage] = []
        func add(_ m: JetStreamMessage) { lock.withLock { items.append(m) } }
        var all: [JetStreamMessage] { lock.withLock { items } }
        var count: Int { lock.withLock { items.count } }
    }
}
