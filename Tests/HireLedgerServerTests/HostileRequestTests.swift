import Foundation
import HireLedger
import HireLedgerCore
@testable import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import PropertyBased
import Testing

/// No request can hurt the server: extreme integers in every query parameter, header and body
/// member, unsupported methods, SSRF URLs, and secrets in URLs. Through the router, in process.
@Suite(.serialized) struct HostileRequestTests {
    /// Integer-ish text at and past every boundary the parsers meet, plus random 64-bit values.
    /// Integer-ish text at and past every boundary the parsers meet, half the time; else a random
    /// 64-bit integer.
    static let fixedExtremes = ["18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808",
                     "-9223372036854775808", "-9223372036854775809", "99999999999999999999999999999999", "-1", "0", "1", "+1",
                     "1e308", "1E3", "inf", "-inf", "nan", "0x10", "1.5", "-0", " 1", "1 ", "", "00000000000000000000001",
                     "4294967296", "2147483648", "%00", "１"]

    static func extreme(_ n: Int) -> String {
        let k = Int(UInt(bitPattern: n) % UInt(fixedExtremes.count * 2))
        return k < fixedExtremes.count ? fixedExtremes[k] : String(n)
    }

    /// Every route taking an integer, with where the integer goes.
    static let integerQueries = ["/v1/events?after=%@", "/v1/events?limit=%@", "/v1/events?after=%@&limit=2",
                                 "/v1/events/stream?after=%@", "/v1/subscriptions/sub_000000000000000000000000/failures?limit=%@"]

    @Test func extremeIntegersInEveryQueryParameterAndHeaderAreAnsweredNeverTrapped() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger, heartbeatSeconds: 1)
        api.watcher.close()
        let app = Application(router: api.router())
        let last = try ledger.store.lastPosition.value
        try await app.test(.router) { client in
            // The report's exact case first.
            let overflow = try await client.execute(uri: "/v1/events?after=18446744073709551615&limit=2", method: .get, headers: bearer)
            #expect(overflow.status == .badRequest)
            #expect(try parseBody(overflow)["parameter"]?.stringValue == "after")
            let maximum = try await client.execute(uri: "/v1/events?after=9223372036854775807&limit=2", method: .get, headers: bearer)
            #expect(maximum.status == .ok)
            #expect(try parseBody(maximum)["events"] == [] && parseBody(maximum)["next"] == .null)

            await propertyCheck(count: 60, input: Gen.int(in: Int.min...Int.max).map(Self.extreme)) { text in
                let encoded = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                for template in Self.integerQueries {
                    let uri = template.replacingOccurrences(of: "%@", with: encoded)
                    let r = try await client.execute(uri: uri, method: .get, headers: bearer)
                    #expect([200, 400, 404].contains(Int(r.status.code)), "\(uri) → \(r.status.code)")
                    if r.status == .ok, template.hasPrefix("/v1/events?") {
                        let body = try parseBody(r)
                        #expect(body["lastSeq"]?.int64Value.map { UInt64($0) } == last)
                    }
                }
                var headers = bearer
                headers[.init("Last-Event-ID")!] = text
                // The stream stays open when the position is valid: read only its status line.
                let r = try await client.execute(uri: "/v1/events/stream?types=nothing.matches", method: .get, headers: headers)
                #expect([200, 400].contains(Int(r.status.code)), "Last-Event-ID \(text) → \(r.status.code)")
            }
        }
    }

    @Test func extremeIntegersInEveryBodyMemberAreRefusedWithTheMemberNamed() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let app = Application(router: try makeAPI(ledger).router())
        try await app.test(.router) { client in
            let (_, created) = try await SubscriptionsAPITests.send(client, .post, "/v1/subscriptions", ["url": "https://example.com/hooks"])
            let id = try #require(created?["subscription"]?["id"]?.stringValue)
            await propertyCheck(count: 40, input: Gen.int(in: Int.min...Int.max).map { JSONNumber(validating: Self.extreme($0)) ?? JSONNumber(-1) }) { n in
                let number = JSONValue.number(n)
                let calls: [(String, JSONValue, String)] = [
                    ("/v1/subscriptions", ["url": "https://example.com/hooks", "start": number], "start"),
                    ("/v1/subscriptions", ["url": "https://example.com/hooks", "batchSize": number], "batchSize"),
                    ("/v1/subscriptions/\(id)/replay", ["from": number], "from"),
                    ("/v1/subscriptions/\(id)/rotate", ["overlapSeconds": number], "overlapSeconds"),
                ]
                for (path, body, member) in calls {
                    let (status, answer) = try await SubscriptionsAPITests.send(client, .post, path, body)
                    // 409: a position past the log's end (well-formed, so not a 400).
                    #expect([200, 201, 400, 409].contains(status), "\(path) \(body.canonicalString) → \(status)")
                    if status == 400 || status == 409 { #expect(answer?["parameter"]?.stringValue == member, "\(path) \(body.canonicalString)") }
                    if status == 201, let created = answer?["subscription"]?["id"]?.stringValue {
                        _ = try await SubscriptionsAPITests.send(client, .delete, "/v1/subscriptions/\(created)")
                    }
                }
            }
            for overlap in ["9223372036854775807", "-1", "2592001"] {
                let (status, answer) = try await SubscriptionsAPITests.send(client, .post, "/v1/subscriptions/\(id)/rotate",
                                                                            ["overlapSeconds": .number(JSONNumber(unchecked: overlap))])
                #expect(status == 400 && answer?["parameter"]?.stringValue == "overlapSeconds")
            }
        }
    }

    @Test func unsupportedMethodsOnKnownPathsAre405WithAllow() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let app = Application(router: try makeAPI(ledger).router())
        try await app.test(.router) { client in
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.delete, "/v1/events", "GET, HEAD"), (.post, "/v1/headcount", "GET, HEAD"), (.put, "/v1/subscriptions", "GET, HEAD, POST"),
                (.post, "/v1/subscriptions/sub_x", "DELETE, GET, HEAD, PATCH"), (.get, "/v1/subscriptions/sub_x/rotate", "POST"),
                (.patch, "/healthz", "GET, HEAD"), (.put, "/v1/state/application/x", "GET, HEAD"),
            ]
            for (method, path, allow) in cases {
                let r = try await client.execute(uri: path, method: method, headers: bearer)
                #expect(r.status == .methodNotAllowed, "\(method) \(path) → \(r.status)")
                #expect(r.headers[.allow] == allow, "\(method) \(path): Allow \(r.headers[.allow] ?? "none")")
            }
            #expect(try await client.execute(uri: "/v1/nothing", method: .delete, headers: bearer).status == .notFound)
            #expect(try await client.execute(uri: "/v1/events?limit=1", method: .head, headers: bearer).status == .ok)
        }
    }

    static let ssrfURLs = ["http://169.254.169.254/latest/meta-data/", "http://metadata.google.internal/", "http://localhost:8787/v1/subscriptions",
                           "http://127.0.0.1:22/", "http://[::1]/", "http://2130706433/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/",
                           "http://[fd00:ec2::254]/", "http://10.0.0.1/", "gopher://example.com/"]

    /// Status and `parameter` of creating, then of patching a subscription to, `url`.
    static func tryURL(_ client: some TestClientProtocol, _ url: String) async throws -> (created: Int, parameter: String?, patched: Int) {
        let (status, answer) = try await SubscriptionsAPITests.send(client, .post, "/v1/subscriptions", ["url": .string(url)])
        let (_, ok) = try await SubscriptionsAPITests.send(client, .post, "/v1/subscriptions", ["url": "https://example.com/h"])
        let id = ok?["subscription"]?["id"]?.stringValue ?? "missing"
        let (patched, _) = try await SubscriptionsAPITests.send(client, .patch, "/v1/subscriptions/\(id)", ["url": .string(url)])
        _ = try await SubscriptionsAPITests.send(client, .delete, "/v1/subscriptions/\(id)")
        return (status, answer?["parameter"]?.stringValue, patched)
    }

    @Test func webhookURLsThatReachPrivateAddressesAreRefusedUnlessAllowed() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let strict = try LedgerAPI(store: ledger.store, token: APIToken(testToken), options: ServerOptions(port: 0))
        let app = Application(router: strict.router())
        try await app.test(.router) { client in
            for url in Self.ssrfURLs {
                let r = try await Self.tryURL(client, url)
                // 403: well-formed but a receiver the operator does not allow; 400: not a valid webhook URL at all.
                #expect(r.created == 403 || r.created == 400, "\(url) → \(r.created)")
                #expect(r.parameter == "url", "\(url)")
                #expect(r.patched == 403 || r.patched == 400, "PATCH \(url) → \(r.patched)")
            }
            for url in ["http://169.254.169.254/latest/meta-data/", "http://localhost:8787/v1/subscriptions", "http://[::1]/"] {
                #expect(try await Self.tryURL(client, url).created == 403, "\(url)")
            }
        }
    }

    @Test func webhookURLsAreMaskedInEveryAnswer() async throws {
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let clock = ManualWebhookClock(now: try #require(try ledger.store.lastObservedAt))
        // Port 1 on loopback refuses connections: the failure record carries the transport's error.
        let webhooks = try WebhookDeliveries(store: ledger.store, transport: try WebhookTransport.make(timeout: 5, policy: .allowPrivate),
                                             source: "urn:test", clock: clock, addressPolicy: .allowPrivate)
        let api = try LedgerAPI(store: ledger.store, token: APIToken(testToken),
                                options: ServerOptions(port: 0, webhookAddressPolicy: .allowPrivate), webhooks: webhooks)
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            let url = "http://alice:hunter2@127.0.0.1:1/hooks?token=s3cret&x=1"
            let (status, created) = try await SubscriptionsAPITests.send(client, .post, "/v1/subscriptions", ["url": .string(url), "start": 1])
            #expect(status == 201)
            let id = try #require(created?["subscription"]?["id"]?.stringValue)
            #expect(created?["subscription"]?["url"]?.stringValue == "http://***@127.0.0.1:1/hooks?token=***&x=***")
            _ = try await webhooks.dispatcher.deliverOnce()
            var answers: [String] = [try #require(created).canonicalString]
            for uri in ["/v1/subscriptions", "/v1/subscriptions/\(id)", "/v1/subscriptions/\(id)/failures"] {
                answers.append(try #require(try await SubscriptionsAPITests.send(client, .get, uri).1).canonicalString)
            }
            answers.append(try #require(try await SubscriptionsAPITests.send(client, .patch, "/v1/subscriptions/\(id)", ["enabled": true]).1).canonicalString)
            #expect(answers[3].contains("127.0.0.1"), "the failure should name the endpoint: \(answers[3])")
            for text in answers {
                #expect(!text.contains("hunter2") && !text.contains("s3cret") && !text.contains("alice"), "\(text)")
            }
        }
    }

    @Test func weakOrExposedTokenFilesAreFound() throws {
        let dir = NSTemporaryDirectory() + "hireledger-token-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func file(_ name: String, _ text: String, _ mode: Int) throws -> String {
            let path = dir + "/" + name
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            return path
        }
        let strong = String(repeating: "0123456789abcdef", count: 4)
        #expect(APIToken.audit(path: try file("good", strong + "\n", 0o600)).isEmpty)
        let short = APIToken.audit(path: try file("short", "x\n", 0o600))
        #expect(short.count == 1 && short[0].contains("bits of entropy") && !short[0].contains(" x "))
        let open = APIToken.audit(path: try file("open", strong, 0o644))
        #expect(open.count == 1 && open[0].contains("chmod 600"))
        #expect(APIToken.audit(path: try file("pattern", String(repeating: "ab", count: 40), 0o600)).count == 1)
        #expect(APIToken.estimatedEntropyBits(strong) >= APIToken.minimumEntropyBits)
    }

    @Test func integralJSONNumbersAreIntegersAndFractionsAreNot() {
        let cases: [(String, Int?)] = [("12", 12), ("12.0", 12), ("1.2e1", 12), ("1e3", 1000), ("-0", 0), ("0.0", 0), ("13165.0", 13165),
                                       ("0.5", nil), ("12.50", nil), ("1e-1", nil), ("9223372036854775807", Int.max),
                                       ("9223372036854775808", nil), ("1e19", nil), ("1e400", nil), ("-9223372036854775807", -Int.max)]
        for (text, expected) in cases { #expect(JSONBody.exactInteger(text) == expected, "\(text)") }
    }

    @Test func timesTakeTheTSeparatorOnly() {
        #expect(QueryParameters.timestamp("2026-03-01T12:00:00+01:00") != nil)
        #expect(QueryParameters.timestamp("2026-03-01 12:00:00+01:00") == nil)
        #expect(QueryParameters.timestamp("2026-03-01T12:00:00+24:00") == nil)
        #expect(QueryParameters.timestamp("2026-02-29") == nil)
        #expect(QueryParameters.timestamp("2028-02-29") != nil)
    }
}
