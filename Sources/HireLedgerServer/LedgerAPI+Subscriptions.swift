import HireLedger
import HireLedgerCore
import Hummingbird

/// `/v1/subscriptions`: webhook subscriptions over HTTP, the same operations as `hireledger subscribe`.
/// Bodies: `schemas/api/subscription-*.schema.json`. A secret appears in exactly two answers, the
/// create and the rotate response, and nowhere else (not in lists, problems or logs).
extension LedgerAPI {
    /// Largest request body accepted on these routes.
    static let maxBodyBytes = 64 * 1024

    func createSubscription(_ request: Request) async throws -> Response {
        let body = try await Self.jsonBody(request)
        try body.allowOnly(["url", "types", "secret", "start", "batchSize"])
        guard let url = try body.string("url") else { throw APIProblem.badMember("url", "url is required: the http:// or https:// endpoint to deliver to.") }
        let types = try body.stringArray("types") ?? []
        let secret = try body.string("secret")
        let start: StartPosition
        switch body.members["start"] {
        case nil, .string("now")?: start = .now
        case .string("beginning")?: start = .beginning
        case .number(let n)? where JSONBody.exactInteger(n.text).map({ $0 >= 1 }) == true: start = .position(LogPosition(UInt64(JSONBody.exactInteger(n.text)!)))
        case let other?:
            throw APIProblem.badMember("start", "start is \"beginning\", \"now\" (the default) or an event position (an integer from 1 to \(LogPosition.maximum.value): that event is sent first); got \(other.canonicalString.prefix(60)).")
        }
        let batchSize = try body.integer("batchSize") ?? 1
        let (subscription, signing) = try Self.mapStoreErrors(start: "start") {
            try subscriptions.create(url: url, types: types, secret: secret, startAt: start, batchSize: batchSize)
        }
        webhooks?.wake()
        return json(["subscription": subscription.json, "secret": .string(signing)], status: .created,
                    headers: [.location: "/v1/subscriptions/\(subscription.id)"])
    }

    func listSubscriptions(_ request: Request) throws -> Response {
        try QueryParameters(request).allowOnly([])
        return json(["subscriptions": .array(try subscriptions.list().map(\.json))])
    }

    func getSubscription(_ context: BasicRequestContext) throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let s = try subscriptions.get(id) else { throw Self.noSuchSubscription(id) }
        return json(s.json)
    }

    func updateSubscription(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let body = try await Self.jsonBody(request)
        try body.allowOnly(["url", "types", "enabled"])
        let url = try body.string("url"), types = try body.stringArray("types"), enabled = try body.bool("enabled")
        let updated = try Self.mapStoreErrors(start: "start") { try subscriptions.update(id, url: url, types: types, enabled: enabled) }
        webhooks?.wake()
        return json(updated.json)
    }

    func deleteSubscription(_ context: BasicRequestContext) throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard try subscriptions.delete(id) else { throw Self.noSuchSubscription(id) }
        return Response(status: .noContent)
    }

    func replaySubscription(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let body = try await Self.jsonBody(request)
        try body.allowOnly(["from", "since"])
        let from = try body.integer("from"), since = try body.string("since")
        let start: ReplayStart
        switch (from, since) {
        case (let seq?, nil):
            guard seq >= 1 else { throw APIProblem.badMember("from", "from is an event position (1 or more): that event is sent first; got \(seq).") }
            start = .position(LogPosition(UInt64(seq)))
        case (nil, let text?):
            guard let t = QueryParameters.timestamp(text) else {
                throw APIProblem.badMember("since", "since takes an ISO-8601 date or time such as 2026-03-01T00:00:00Z; got '\(text)'.")
            }
            start = .time(t)
        default:
            throw APIProblem.badMember(from == nil ? "from" : "since", "give exactly one of from (an event position) or since (an ISO-8601 time).")
        }
        let replayed = try Self.mapStoreErrors(start: from == nil ? "since" : "from") { try subscriptions.replay(id, from: start) }
        webhooks?.wake()
        return json(replayed.json)
    }

    func rotateSubscriptionSecret(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let body = try await Self.jsonBody(request, emptyAllowed: true)
        try body.allowOnly(["overlapSeconds"])
        let overlap = try body.integer("overlapSeconds") ?? 86_400
        guard SubscriptionStore.overlapRange.contains(overlap) else {
            throw APIProblem.badMember("overlapSeconds", "overlapSeconds is from 0 (the old secret stops at once) to 2592000 (30 days); got \(overlap).")
        }
        let secret = try Self.mapStoreErrors(start: "start") { try subscriptions.rotateSecret(id, overlapSeconds: overlap) }
        return json(["id": .string(id), "secret": .string(secret), "overlapSeconds": JSONValue(overlap)])
    }

    func subscriptionFailures(_ request: Request, _ context: BasicRequestContext) throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let q = QueryParameters(request)
        try q.allowOnly(["limit"])
        let limit = try q.integer("limit", in: 1...SubscriptionStore.failedDeliveryLimit) ?? 100
        let failures = try Self.mapStoreErrors(start: "start") { try subscriptions.failedDeliveries(id, limit: limit) }
        return json(["failures": .array(failures.map(\.json))])
    }

    // MARK: - Helpers

    static func noSuchSubscription(_ id: String) -> APIProblem {
        .notFound("No webhook subscription with id '\(id.prefix(64))'; GET /v1/subscriptions lists them.")
    }

    /// Runs a `SubscriptionStore` call, answering its refusals as 400/404 problems naming the member.
    static func mapStoreErrors<T>(start: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SubscriptionStoreError {
            switch error {
            case .invalidURL(let problem) where problem.contains("--allow-private-webhooks"):
                // Well-formed, but this server's operator does not allow such receivers.
                throw APIProblem(.forbidden, "Receiver not allowed", detail: problem, parameter: "url")
            case .invalidURL: throw APIProblem.badMember("url", error.description)
            case .invalidSecret: throw APIProblem.badMember("secret", "\(error.description) (give a whsec_... secret of 24 to 64 bytes, or leave secret out to have one generated)")
            case .invalidType: throw APIProblem.badMember("types", error.description)
            case .invalidBatchSize: throw APIProblem.badMember("batchSize", error.description)
            case .invalidOverlap: throw APIProblem.badMember("overlapSeconds", error.description)
            case .positionBeyondLog:
                // Well-formed, but the log does not reach that far yet.
                throw APIProblem(.conflict, "Position beyond the log", detail: error.description, parameter: start)
            case .notFound(let id): throw noSuchSubscription(id)
            case .damaged: throw APIProblem(.internalServerError, "Damaged subscription", detail: error.description)
            }
        }
    }

    /// The request body as a JSON object (an empty body is `{}` when `emptyAllowed`).
    static func jsonBody(_ request: Request, emptyAllowed: Bool = false) async throws -> JSONBody {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBodyBytes) } catch {
            throw APIProblem(.contentTooLarge, "Body too large", detail: "The request body is over \(maxBodyBytes) bytes.", parameter: "body")
        }
        let bytes = Array(buffer.readableBytesView)
        if bytes.isEmpty && emptyAllowed { return JSONBody(members: [:]) }
        guard let value = try? JSONValue.parse(bytes), case .object(let members) = value else {
            throw APIProblem(.badRequest, "Invalid body", detail: "The body must be a JSON object (Content-Type: application/json); see schemas/api/openapi.json.",
                             parameter: "body")
        }
        return JSONBody(members: members)
    }
}

/// Typed reads of a JSON request body; every failure is a 400 problem naming the member.
struct JSONBody {
    let members: JSONObject

    func allowOnly(_ names: Set<String>) throws(APIProblem) {
        for key in members.keys where !names.contains(key) {
            throw APIProblem.badMember(key, "unknown member '\(key)'; this body takes \(names.sorted().joined(separator: ", ")).")
        }
    }

    /// Members are left out to mean "not given"; `null` is refused like any other wrong type.
    func string(_ name: String) throws(APIProblem) -> String? {
        switch members[name] {
        case nil: return nil
        case .string(let s)?: return s
        default: throw APIProblem.badMember(name, "\(name) must be a string.")
        }
    }

    func bool(_ name: String) throws(APIProblem) -> Bool? {
        switch members[name] {
        case nil: return nil
        case .bool(let b)?: return b
        default: throw APIProblem.badMember(name, "\(name) must be true or false.")
        }
    }

    func integer(_ name: String) throws(APIProblem) -> Int? {
        switch members[name] {
        case nil: return nil
        case .number(let n)?:
            guard let v = Self.exactInteger(n.text) else {
                throw APIProblem.badMember(name, "\(name) must be a whole number from \(Int.min) to \(Int.max); got \(n.text.prefix(40)).")
            }
            return v
        default: throw APIProblem.badMember(name, "\(name) must be a whole number.")
        }
    }

    func stringArray(_ name: String) throws(APIProblem) -> [String]? {
        switch members[name] {
        case nil: return nil
        case .array(let items)?:
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw APIProblem.badMember(name, "\(name) must be an array of event type globs (strings) such as application.*.") }
                out.append(s)
            }
            return out
        default: throw APIProblem.badMember(name, "\(name) must be an array of event type globs (strings) such as application.*; [] means every type.")
        }
    }

    /// The integer a JSON number denotes, when it is one (JSON Schema counts `12.0` and `1.2e1` as the
    /// integer 12) and fits `Int`; nil for a fraction or a larger magnitude. Exact: no floating point.
    static func exactInteger(_ text: String) -> Int? {
        guard text.utf8.count <= 400 else { return nil }
        var s = Substring(text)
        let negative = s.first == "-"
        if negative { s = s.dropFirst() }
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(s[s.index(after: e)...]), abs(x) <= 400 else { return nil }
            exponent = x
            s = s[..<e]
        }
        var digits = s
        if let dot = s.firstIndex(of: ".") {
            let fraction = s[s.index(after: dot)...]
            digits = s[..<dot] + fraction
            exponent -= fraction.count
        }
        var d = Array(digits.drop { $0 == "0" })
        guard d.allSatisfy(\.isASCII) else { return nil }
        // Drop trailing zeros into the exponent, then the rest must be a whole number.
        while exponent < 0, d.last == "0" { d.removeLast(); exponent += 1 }
        if d.isEmpty { return 0 }
        guard exponent >= 0, d.count + exponent <= 19 else { return nil }
        guard let base = Int(String(d)) else { return nil }
        var v = base
        for _ in 0..<exponent {
            let (m, overflow) = v.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            v = m
        }
        return negative ? -v : v
    }
}
