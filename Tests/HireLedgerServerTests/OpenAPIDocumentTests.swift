import Foundation
import HireLedger
import HireLedgerCore
import HireLedgerServer
import Hummingbird
import HummingbirdTesting
import JSONSchema
import Testing

/// schemas/api/openapi.json is kept true: every route is documented, every documented route is
/// served, and what each answers validates against the document's schema for that status.
struct OpenAPIDocumentTests {
    static func document() throws -> (OpenAPIDocument, SchemaRegistry) {
        let doc = try OpenAPIDocument(json: try loadJSON("schemas/api/openapi.json"))
        var registry = doc.registry
        for file in ["schemas/events/envelope.schema.json", "schemas/views/headcount.schema.json",
                     "schemas/views/pipeline.schema.json", "schemas/views/changes.schema.json", "schemas/views/state.schema.json",
                     "schemas/views/headcount-series.schema.json"]
            + subscriptionSchemaFiles {
            try registry.add(try loadJSON(file))
        }
        return (doc, registry)
    }

    static let subscriptionSchemaFiles = ["subscription", "subscription-create", "subscription-update", "subscription-replay",
                                          "subscription-rotate", "failed-delivery"].map { "schemas/api/\($0).schema.json" }

    static func validate(_ body: JSONValue, _ doc: OpenAPIDocument, _ registry: SchemaRegistry, path: String, method: String = "get",
                         status: String) throws -> [ValidationError] {
        let schema = try doc.responseSchema(path: path, method: method, status: status, branch: .whole)
        return try JSONSchemaValidator(schema: schema, registry: registry).validate(body)
    }

    /// Validates a request body against the operation's documented `requestBody` schema.
    static func validateRequest(_ body: JSONValue, _ doc: OpenAPIDocument, _ registry: SchemaRegistry, path: String,
                                method: String) throws -> [ValidationError] {
        var pointer = "/paths/" + path.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        pointer += "/\(method)/requestBody/content/application~1json/schema"
        return try JSONSchemaValidator(schema: ["$ref": .string(doc.uri + "#" + pointer)], registry: registry).validate(body)
    }

    @Test func everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws {
        let (doc, _) = try Self.document()
        let documented = Set(doc.paths.flatMap { path in (doc.json["paths"]?[path]?.objectValue?.keys ?? []).map { "\($0) \(path)" } })
        let served = Set(LedgerAPI.routes.map { "\($0.method) \($0.path)" })
        #expect(documented == served)
    }

    @Test func everyRouteAnswersWhatTheDocumentSays() async throws {
        let (doc, registry) = try Self.document()
        let ledger = try await SyncedLedger.make(days: 3)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        api.watcher.close()
        let app = Application(router: api.router())
        let app2 = try #require(try ledger.store.events(types: EventTypeFilter(["record.application.updated"])).first?.subject)
        let t = try #require(try ledger.store.lastObservedAt).adding(days: -1).iso8601
        // (documented path, request, expected status)
        let calls: [(String, String, Int)] = [
            ("/healthz", "/healthz", 200),
            ("/v1/events", "/v1/events?limit=50&types=application.*,record.*", 200),
            ("/v1/events", "/v1/events?limit=bad", 400),
            ("/v1/headcount", "/v1/headcount?by=department,location,employmentType", 200),
            ("/v1/headcount", "/v1/headcount?as_of=\(t)&interval=none", 200),
            ("/v1/pipeline", "/v1/pipeline?by=job&known_at=\(t)", 200),
            ("/v1/pipeline", "/v1/pipeline?by=department", 200),
            ("/v1/changes", "/v1/changes?since=2020-01-01&axis=observed", 200),
            ("/v1/changes", "/v1/changes?since=2020-01-01&known_at=\(t)", 200),
            ("/v1/state/{kind}/{id}", "/v1/state/\(app2.wireForm)", 200),
            ("/v1/state/{kind}/{id}", "/v1/state/\(app2.wireForm)?as_of=2000-01-01", 200),
            ("/v1/state/{kind}/{id}", "/v1/state/application/none", 404),
            ("/v1/headcount/series", "/v1/headcount/series?by=department,location&from=2020-01", 200),
            ("/v1/headcount/series", "/v1/headcount/series?period=week&axis=knownAt&as_of=\(t)", 200),
            ("/v1/headcount/series", "/v1/headcount/series?period=fortnight", 400),
            ("/v1/planner/status", "/v1/planner/status", 200),
        ]
        try await app.test(.router) { client in
            for (path, uri, status) in calls {
                let r = try await client.execute(uri: uri, method: .get, headers: bearer)
                #expect(Int(r.status.code) == status, "\(uri)")
                let errors = try Self.validate(try parseBody(r), doc, registry, path: path, status: String(status))
                #expect(errors.isEmpty, "\(uri): \(errors.prefix(3))")
            }
            // 401 on every secured route, with the documented problem body.
            for route in LedgerAPI.routes where route.path.hasPrefix("/v1/") {
                let uri = route.path.replacingOccurrences(of: "{kind}", with: "application").replacingOccurrences(of: "{id}", with: "x")
                let r = try await client.execute(uri: uri, method: HTTPRequest.Method(route.method.uppercased())!)
                #expect(r.status == .unauthorized, "\(route.method) \(uri)")
                #expect(try Self.validate(try parseBody(r), doc, registry, path: route.path, method: route.method, status: "401").isEmpty)
            }
            // The stream's data lines are documented CloudEvents.
            let stream = try await client.execute(uri: "/v1/events/stream", method: .get, headers: bearer)
            let envelope = try JSONSchemaValidator(schema: ["$ref": "https://hireledger.dev/schemas/events/envelope.schema.json"], registry: registry)
            let lines = String(buffer: stream.body).split(separator: "\n").filter { $0.hasPrefix("data: ") }
            #expect(lines.count == Int(try ledger.store.lastPosition.value))
            for line in lines.prefix(200) {
                #expect(envelope.validate(try JSONValue.parse(Array(line.dropFirst(6).utf8))).isEmpty)
            }
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
        }
    }

    @Test func subscriptionRoutesAcceptAndAnswerWhatTheDocumentSays() async throws {
        let (doc, registry) = try Self.document()
        let ledger = try await SyncedLedger.make(days: 1)
        defer { Task { await ledger.shutdown() } }
        let api = try makeAPI(ledger)
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            func call(_ method: String, _ path: String, _ uri: String, body: JSONValue?, status: Int) async throws -> JSONValue? {
                if let body {
                    let requestErrors = try Self.validateRequest(body, doc, registry, path: path, method: method)
                    // The document accepts exactly the bodies the server accepts.
                    #expect(requestErrors.isEmpty == (status < 300), "\(method) \(uri) \(body.canonicalString): \(requestErrors.prefix(2))")
                }
                var headers = bearer
                headers[.contentType] = "application/json"
                let r = try await client.execute(uri: uri, method: HTTPRequest.Method(method.uppercased())!, headers: headers,
                                                 body: body.map { ByteBuffer(bytes: $0.canonicalBytes()) })
                #expect(Int(r.status.code) == status, "\(method) \(uri): \(String(buffer: r.body))")
                guard r.body.readableBytes > 0 else { return nil }
                let answer = try parseBody(r)
                let errors = try Self.validate(answer, doc, registry, path: path, method: method, status: String(status))
                #expect(errors.isEmpty, "\(method) \(uri): \(errors.prefix(3))")
                return answer
            }
            let created = try #require(try await call("post", "/v1/subscriptions", "/v1/subscriptions",
                                                      body: ["url": "http://127.0.0.1:9/hooks", "types": ["application.*"], "start": "beginning", "batchSize": 10],
                                                      status: 201))
            let id = try #require(created["subscription"]?["id"]?.stringValue)
            _ = try await call("post", "/v1/subscriptions", "/v1/subscriptions", body: ["url": "ftp://x", "start": "beginning"], status: 400)
            _ = try await call("post", "/v1/subscriptions", "/v1/subscriptions", body: ["url": "http://x/", "start": "later"], status: 400)
            _ = try await call("post", "/v1/subscriptions", "/v1/subscriptions", body: ["url": "http://x/", "batchSize": 0], status: 400)
            _ = try await call("post", "/v1/subscriptions", "/v1/subscriptions", body: ["url": "http://x/", "colour": "red"], status: 400)
            _ = try await call("get", "/v1/subscriptions", "/v1/subscriptions", body: nil, status: 200)
            _ = try await call("get", "/v1/subscriptions/{id}", "/v1/subscriptions/\(id)", body: nil, status: 200)
            _ = try await call("get", "/v1/subscriptions/{id}", "/v1/subscriptions/sub_missing", body: nil, status: 404)
            _ = try await call("patch", "/v1/subscriptions/{id}", "/v1/subscriptions/\(id)", body: ["enabled": false, "types": []], status: 200)
            _ = try await call("patch", "/v1/subscriptions/{id}", "/v1/subscriptions/\(id)", body: ["enabled": "no"], status: 400)
            _ = try await call("post", "/v1/subscriptions/{id}/replay", "/v1/subscriptions/\(id)/replay", body: ["from": 2], status: 200)
            _ = try await call("post", "/v1/subscriptions/{id}/replay", "/v1/subscriptions/\(id)/replay", body: ["since": "2020-01-01T00:00:00Z"], status: 200)
            _ = try await call("post", "/v1/subscriptions/{id}/replay", "/v1/subscriptions/\(id)/replay",
                               body: ["from": 2, "since": "2020-01-01T00:00:00Z"], status: 400)
            _ = try await call("post", "/v1/subscriptions/{id}/rotate", "/v1/subscriptions/\(id)/rotate", body: ["overlapSeconds": 60], status: 200)
            _ = try await call("post", "/v1/subscriptions/{id}/rotate", "/v1/subscriptions/\(id)/rotate", body: ["overlapSeconds": -1], status: 400)
            _ = try await call("get", "/v1/subscriptions/{id}/failures", "/v1/subscriptions/\(id)/failures?limit=5", body: nil, status: 200)
            _ = try await call("get", "/v1/subscriptions/{id}/failures", "/v1/subscriptions/sub_missing/failures", body: nil, status: 404)
            _ = try await call("delete", "/v1/subscriptions/{id}", "/v1/subscriptions/\(id)", body: nil, status: 204)
            _ = try await call("delete", "/v1/subscriptions/{id}", "/v1/subscriptions/\(id)", body: nil, status: 404)
        }
    }
}
