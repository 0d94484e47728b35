import Foundation
import HireLedgerTestSupport
@testable import NATSClient
import Testing

/// The URL, the protocol reader, and the client against a real `nats-server -js` on loopback.
struct NATSURLTests {
    @Test func userAndPasswordAreParsedAndMasked() throws {
        let url = try NATSURL("nats://alice:s%40cret@nats.example.com:4333")
        #expect(url.host == "nats.example.com")
        #expect(url.port == 4333)
        #expect(url.user == "alice")
        #expect(url.password == "s@cret")
        #expect(url.redacted == "nats://alice:***@nats.example.com:4333")
        #expect(!"\(url)".contains("cret"))
    }

    @Test func aTokenIsParsedAndMasked() throws {
        let url = try NATSURL("nats://t0ken-value@127.0.0.1")
        #expect(url.token == "t0ken-value")
        #expect(url.port == 4222)
        #expect(url.redacted == "nats://***@127.0.0.1:4222")
    }

    @Test func badURLsAreRefusedWithoutEchoingCredentials() {
        for (text, words) in [("tls://u:pw@h:4222", "not supported"), ("nats://u:pw@h:99999", "port"), ("nats://u:pw@", "no host"),
                              ("http://u:pw@h", "unknown scheme")] {
            do {
                _ = try NATSURL(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description.contains(words), "\(error)")
                #expect(!error.description.contains("pw"), "\(error)")
            }
        }
    }
}

struct NATSProtocolParserTests {
    @Test func operationsSplitAcrossReadsComeOutWhole() throws {
        let wire = Array("INFO {\"a\":1}\r\nPING\r\nMSG s.1 9 r.x 5\r\nhello\r\nHMSG s.2 3 28 30\r\nNATS/1.0\r\nNats-Msg-Id: x\r\n\r\nhi\r\n+OK\r\n-ERR 'Authorization Violation'\r\n".utf8)
        var parser = NATSProtocolParser()
        var ops: [ServerOperation] = []
        for byte in wire {
            [byte].withUnsafeBytes { parser.feed($0) }
            while let op = try parser.next() { ops.append(op) }
        }
        #expect(ops.count == 6)
        guard case .message(9, let m1) = ops[2], case .message(3, let m2) = ops[3], case .err(let text) = ops[5] else {
            Issue.record("unexpected operations \(ops)")
            return
        }
        #expect(m1.subject == "s.1" && m1.reply == "r.x" && m1.payload == Array("hello".utf8))
        #expect(m2.header("nats-msg-id") == "x" && m2.payload == Array("hi".utf8) && m2.reply == nil)
        #expect(text == "Authorization Violation")
    }

    @Test func aStatusHeaderIsRead() throws {
        var parser = NATSProtocolParser()
        Array("HMSG _INBOX.a.1 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n".utf8).withUnsafeBytes { parser.feed($0) }
        guard case .message(_, let m) = try parser.next() else { Issue.record("no message"); return }
        #expect(m.status == 503)
    }

    @Test func garbageIsAProtocolError() {
        var parser = NATSProtocolParser()
        Array("HELLO world\r\n".utf8).withUnsafeBytes { parser.feed($0) }
        #expect(throws: NATSProtocolParser.Malformed.self) { try parser.next() }
    }
}

/// Runs `body` with a fresh nats-server in a temporary directory, stopped afterwards.
func withNATSServer<R>(_ extraArguments: [String] = [], _ body: (NATSServerProcess) async throws -> R) async throws -> R {
    let dir = NSTemporaryDirectory() + "hireledger-nats-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let server = try NATSServerProcess(directory: dir, extraArguments: extraArguments)
    defer { server.stop() }
    return try await body(server)
}

struct NATSConnectionTests {
    @Test func requestAndReplyRoundTripThroughTheServer() async throws {
        try await withNATSServer { server in
            let a = try await NATSConnection.connect(try NATSURL(server.url))
            defer { a.close() }
            let b = try await NATSConnection.connect(try NATSURL(server.url))
            defer { b.close() }
            try b.subscribe("echo.>") { m in
                if let reply = m.reply { try? b.publish(reply, headers: [("X-Seen", m.subject)], payload: m.payload.reversed()) }
            }
            try await b.flush()
            let answers = try (0..<200).map { i in try a.request("echo.\(i)", payload: Array("abc\(i)".utf8), timeout: 5) }
            for (i, p) in answers.enumerated() {
                let m = try await p.reply()
                #expect(m.payload == Array("abc\(i)".utf8).reversed())
                #expect(m.header("x-seen") == "echo.\(i)")
            }
        }
    }

    @Test func wrongCredentialsAreAnAuthorizationFailureThatHidesThePassword() async throws {
        try await withNATSServer(["--user", "hl", "--pass", "right-pass"]) { server in
            do {
                _ = try await NATSConnection.connect(try NATSURL("nats://hl:wrong-pass@127.0.0.1:\(server.port)"))
                Issue.record("connected with a wrong password")
            } catch let error as NATSError {
                guard case .authorizationFailed = error else { Issue.record("\(error)"); return }
                #expect(!error.description.contains("wrong-pass"))
                #expect(error.description.contains("hl:***@"))
            }
            let ok = try await NATSConnection.connect(try NATSURL("nats://hl:right-pass@127.0.0.1:\(server.port)"))
            ok.close()
        }
    }

    @Test func aPortWithNoServerIsUnreachable() async throws {
        let port = try NATSServerProcess.freePort()
        do {
            _ = try await NATSConnection.connect(try NATSURL("nats://127.0.0.1:\(port)"), timeout: 2)
            Issue.record("connected to a port with no server")
        } catch let error as NATSError {
            guard case .unreachable = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("cannot reach the NATS server at nats://127.0.0.1:\(port)"))
        }
    }

    @Test func aRequestNobodyAnswersFailsWithNoResponders() async throws {
        try await withNATSServer { server in
            let c = try await NATSConnection.connect(try NATSURL(server.url))
            defer { c.close() }
            await #expect(throws: NATSError.noResponders(subject: "nobody.home")) {
                _ = try await c.request("nobody.home", payload: [], timeout: 5).reply()
            }
        }
    }

    @Test func requestsInFlightFailWhenTheServerGoesAway() async throws {
        try await withNATSServer { server in
            let c = try await NATSConnection.connect(try NATSURL(server.url))
            defer { c.close() }
            try c.subscribe("slow") { _ in }  // never answers
            let pending = try c.request("slow", payload: [], timeout: 30)
            server.kill()
            do {
                _ = try await pending.reply()
                Issue.record("a reply came from a dead server")
            } catch let error as NATSError {
                guard case .connectionLost = error else { Issue.record("\(error)"); return }
            }
            #expect(throws: NATSError.self) { try c.publish("x", payload: []) }
        }
    }
}

struct JetStreamTests {
    @Test func aRepeatedMessageIdIsStoredOnce() async throws {
        try await withNATSServer { server in
            let c = try await NATSConnection.connect(try NATSURL(server.url))
            defer { c.close() }
            let js = JetStream(connection: c)
            #expect(try await js.streamInfo("T") == nil)
            _ = try await js.createStream(["name": "T", "subjects": ["t.>"], "storage": "file", "duplicate_window": 60_000_000_000])
            let first = try await js.publish("t.a", headers: [("Nats-Msg-Id", "id-1")], payload: [1]).ack()
            let again = try await js.publish("t.a", headers: [("Nats-Msg-Id", "id-1")], payload: [1]).ack()
            #expect(first == PubAck(stream: "T", sequence: 1, duplicate: false))
            #expect(again.duplicate && again.sequence == 1)
            #expect(try await js.streamInfo("T")?.messages == 1)
            // A subject no stream captures: no responders.
            await #expect(throws: NATSError.noResponders(subject: "u.a")) {
                _ = try await js.publish("u.a", headers: [("Nats-Msg-Id", "id-2")], payload: [1]).ack()
            }
        }
    }

    @Test func aPushConsumerReadsTheStreamInOrder() async throws {
        try await withNATSServer { server in
            let c = try await NATSConnection.connect(try NATSURL(server.url))
            defer { c.close() }
            let js = JetStream(connection: c)
            _ = try await js.createStream(["name": "R", "subjects": ["r.>"], "storage": "file"])
            let acks = try (1...3000).map { i in try js.publish("r.\(i % 7)", headers: [("Nats-Msg-Id", "m\(i)")], payload: Array("\(i)".utf8)) }
            for a in acks { _ = try await a.ack() }
            let got = MessageLog()
            let consumer = try await JetStreamPushConsumer.start(js, stream: "R") { got.add($0) }
            try await got.wait(for: 3000)
            await consumer.stop()
            #expect(got.all.map(\.streamSequence) == (1...3000).map { UInt64($0) })
            #expect(got.all.map { String(decoding: $0.payload, as: UTF8.self) } == (1...3000).map(String.init))
        }
    }
}

/// Messages a consumer handed over, from the I/O thread.
final class MessageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [JetStreamMessage] = []
    func add(_ m: JetStreamMessage) { lock.withLock { items.append(m) } }
    var all: [JetStreamMessage] { lock.withLock { items } }

    func wait(for count: Int, seconds: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while all.count < count {
            if Date() > deadline { throw NATSServerSetupError("only \(all.count) of \(count) messages arrived within \(seconds) s") }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
    }
}
