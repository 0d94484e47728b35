import Foundation
import HireLedgerCore
import Synchronization

/// A deterministic, evolving stand-in for an Ashby account: the world, its simulated clock, API keys,
/// fault injection, and the whole HTTP API as a function (`handle`), shared by tests and `SimulatorServer`.
///
/// Thread-safe: every call takes one lock, so requests are served one at a time in arrival order.
/// Determinism: the same configuration, the same `advance` calls and the same request sequence give
/// byte-identical responses (request ids, cursors, tokens and faults included).
///
/// API behaviour (as Ashby documents it; its OpenAPI document and recorded responses are the tests' reference): `POST /<category>.<method>` with a JSON body and
/// `Content-Type: application/json`; Basic auth with the key as user name (password ignored); 401 without
/// a key, 403 for an unknown or revoked key, `missing_endpoint_permission` (HTTP 403, or 200 per
/// configuration) when the key lacks the endpoint's module; logical errors (`invalid_input`,
/// `*_not_found`, `cursor_invalid`, `sync_token_expired`, `incremental_sync_too_large`) as HTTP 200 with
/// `{"success":false,"errors":[code],"errorInfo":{code,message,requestId}}`. Choices where Ashby is
/// undocumented: a sync token from another endpoint or not issued by this simulator is `invalid_input`;
/// incremental passes apply the same filters as full passes (so with `includeArchived: false` an archive
/// transition drops out of view, as clients like Estuary avoid by always sending `includeArchived: true`);
/// deleted and merged-away records simply stop appearing; with openings disabled `opening.list` is an
/// empty list and `opening.info` is `opening_not_found`.
///
/// Control endpoints (paths under `/_sim/`; `SimulatorServer` answers them for loopback peers only,
/// without authentication; bodies are JSON):
/// - `POST /_sim/advance {"days": N}` → `{now, changeSeq, journalCount}`
/// - `GET|POST /_sim/journal {"after": N, "limit": M}` → `{entries: [JournalEntry.json], last, total}`
/// - `POST /_sim/faults {rate429, retryAfterSeconds, rate5xx, rateTruncated, rateMalformed, rateReset,
///   rateSlow, slowMillis, failNext: ["rateLimited"|"serverError"|"truncated"|"malformed"|"reset"|"slow"],
///   refuseNextToken: ["cursor_invalid", ...], targetEndpoints: ["department.list", ...]}` (replaces the whole fault configuration; omitted fields are 0/empty)
/// - `POST /_sim/latency {"millis": N, "jitterMillis": M}` → the same: every API reply from then on
///   takes N ms plus up to M more (seeded); 0 switches it off.
/// - `POST /_sim/behaviours {"resignFileHandles": true|false}` → `{resignFileHandles}` (the behaviour that can
///   change at runtime; the others are fixed by `SimulatorConfiguration.behaviours`)
/// - `GET|POST /_sim/status` → `{now, seed, size, openingsEnabled, counts{}, changeSeq, journalCount, requests}`
/// - `POST /_sim/keys {"permissions": ["jobsRead" | "jobs:read" | "Jobs: Read", ...], "title", "confidentialAccess"}` → `{key, scopes}`
/// - `POST /_sim/permissions {"key", "permissions": [...]}` replaces a key's permissions (withdraw a module).
public final class SimulatedAshby: @unchecked Sendable {
    public let configuration: SimulatorConfiguration
    /// A key holding the six read permissions a sync needs (not API Keys: Read).
    public let fullAccessKey: String
    /// The account's organization id as `feedbackFormDefinition.list` reports it: a function of the seed
    /// and the world size only, so two simulators of the same world are the same account.
    public var organizationId: String { organization.string }

    private let organization: SimID

    private let lock = Mutex(())
    private let engine: WorldEngine
    private let codec: TokenCodec
    private var keys: [String: APIKey] = [:]
    private var keyRandom: SeededRandom
    private var faultRandom: SeededRandom
    private var requestIdRandom: SeededRandom
    private var faultState: FaultConfiguration
    private var requestCounter = 0
    private var resignHandles: Bool
    private var latencyState: SimulatorLatency
    private var latencyRandom: SeededRandom

    struct APIKey {
        var title: String
        var permissions: Set<AshbyPermission>
        var createdAt: Int64
        /// "Allow access to confidential jobs and projects?" (off: they are silently left out).
        var confidentialAccess = true
    }

    public init(configuration: SimulatorConfiguration = SimulatorConfiguration()) {
        self.configuration = configuration
        engine = WorldEngine(configuration: configuration)
        codec = TokenCodec(key: configuration.seed ^ 0xA5B1_C0DE_5EED_0001)
        faultRandom = SeededRandom(seed: configuration.seed, stream: 3)
        requestIdRandom = SeededRandom(seed: configuration.seed, stream: 4)
        faultState = configuration.faults
        resignHandles = configuration.behaviours.resignFileHandles
        latencyState = configuration.latency
        latencyRandom = SeededRandom(seed: configuration.seed, stream: 6)
        var orgRng = SeededRandom(seed: configuration.seed ^ (UInt64(WorldSize.allCases.firstIndex(of: configuration.size)!) << 56),
                                  stream: 5)
        organization = SimID.random(&orgRng)
        var keyRng = SeededRandom(seed: configuration.seed, stream: 2)
        let key = SimulatedAshby.keyString(&keyRng)
        keyRandom = keyRng
        fullAccessKey = key
        keys[key] = APIKey(title: "HireLedger sync (simulator)", permissions: AshbyPermission.syncReadSet,
                           createdAt: configuration.start.millisecondsSinceEpoch - 30 * 86_400_000)
    }

    // MARK: clock and ground truth

    /// The simulated current time.
    public var now: Timestamp { locked { Timestamp(millisecondsSinceEpoch: engine.now) } }

    /// Runs the world forward `days` simulated days (every change in between happens, in time order).
    public func advance(days: Int) {
        precondition(days >= 0, "advance(days:) cannot go back in time")
        locked { engine.advance(to: engine.now + Int64(days) * WorldEngine.day) }
    }

    /// Journal entries with `seq > after`, in order. The journal starts empty at creation: the generated
    /// start state is the baseline, and every later change is journalled.
    public func journal(after: Int = 0) -> [JournalEntry] {
        locked { Array(engine.world.journal.dropFirst(max(0, after))) }
    }

    /// Live records per entity type (e.g. "application": 1042), as the API can list them with every
    /// inclusion flag on (deleted and merged-away records excluded; openings 0 when the feature is off).
    public func counts() -> [String: Int] {
        locked { Dictionary(uniqueKeysWithValues: engine.world.counts()) }
    }

    /// The global change sequence (number of record changes so far).
    public var changeSequence: UInt64 { locked { engine.world.seq } }

    // MARK: keys and faults

    /// Creates a key with exactly `permissions` and returns it.
    public func makeKey(permissions: Set<AshbyPermission>, title: String = "Simulator key") -> String {
        locked {
            let key = newKeyString()
            keys[key] = APIKey(title: title, permissions: permissions, createdAt: engine.now)
            return key
        }
    }

    /// Replaces a key's permissions (e.g. to withdraw a module mid-sync). Unknown keys are ignored.
    public func setPermissions(_ permissions: Set<AshbyPermission>, forKey key: String) {
        locked { keys[key]?.permissions = permissions }
    }

    /// Withdraws one permission from a key.
    public func withdraw(_ permission: AshbyPermission, fromKey key: String) {
        locked { _ = keys[key]?.permissions.remove(permission) }
    }

    /// Sets a key's "Allow access to confidential jobs and projects?" toggle (on for new keys). Off,
    /// confidential jobs and their openings, postings, applications, offers and schedules are silently
    /// left out of every answer, as Ashby does.
    public func setConfidentialAccess(_ allowed: Bool, forKey key: String) {
        locked { keys[key]?.confidentialAccess = allowed }
    }

    /// Deactivates a key: it then gets 403 like an unknown key.
    public func revoke(key: String) { locked { _ = keys.removeValue(forKey: key) } }

    /// Whether file handles are signed anew on every read (`SimulatorBehaviours.resignFileHandles`);
    /// switchable at runtime, since it changes only how records are rendered.
    public var resignsFileHandles: Bool {
        get { locked { resignHandles } }
        set { locked { resignHandles = newValue } }
    }

    public var faults: FaultConfiguration {
        get { locked { faultState } }
        set { locked { faultState = newValue } }
    }

    /// The response time added to every API reply (`SimulatorConfiguration.latency`).
    public var latency: SimulatorLatency {
        get { locked { latencyState } }
        set { locked { latencyState = newValue } }
    }

    private func newKeyString() -> String { SimulatedAshby.keyString(&keyRandom) }

    private static func keyString(_ rng: inout SeededRandom) -> String {
        var s = "sim_"
        for _ in 0..<2 { s += String(rng.next(), radix: 16).leftPadded(16) }
        return s
    }

    private func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        // The result leaves the lock through a local: `Mutex.withLock` returns only `sending` values.
        var result: T?
        try lock.withLock { _ throws(E) in result = try body() }
        return result!
    }

    // MARK: the API

    /// Answers one HTTP request. `path` is e.g. `/application.list`; header names are case-insensitive.
    /// Paths under `/_sim/` are control endpoints (the server only forwards them from loopback peers).
    public func handle(method: String = "POST", path: String, headers: [String: String], body: [UInt8]) -> SimulatorResponse {
        locked {
            if path.hasPrefix("/_sim/") { return control(method: method, path: path, body: body) }
            return api(method: method, path: path, headers: headers, body: body)
        }
    }

    private func requestId() -> String {
        requestCounter += 1
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
        var out: [UInt8] = []
        let t = UInt64(engine.now)
        for i in stride(from: 45, through: 0, by: -5) { out.append(alphabet[Int((t >> UInt64(i)) & 31)]) }
        var r = requestIdRandom.next(), r2 = requestIdRandom.next()
        for _ in 0..<12 { out.append(alphabet[Int(r & 31)]); r >>= 5 }
        for _ in 0..<4 { out.append(alphabet[Int(r2 & 31)]); r2 >>= 5 }
        return String(decoding: out, as: UTF8.self)
    }

    private func baseHeaders(_ requestId: String) -> [(name: String, value: String)] {
        [("content-type", "application/json; charset=utf-8"), ("ashby-version", "2026-01-01"),
         ("ashby-version-status", "active"), ("x-ashby-request-id", requestId)]
    }

    private func errorResponse(_ e: APIError, requestId: String, extraHeaders: [(name: String, value: String)] = []) -> SimulatorResponse {
        var w = JSONOut()
        w.beginObject()
        w.key("success"); w.bool(false)
        w.key("errors"); w.beginArray(); w.string(e.code); w.endArray()
        w.key("errorInfo"); w.beginObject()
        w.key("code"); w.string(e.code); w.key("message"); w.string(e.message); w.key("requestId"); w.string(requestId)
        w.endObject()
        w.endObject()
        return SimulatorResponse(status: e.status, headers: baseHeaders(requestId) + extraHeaders, body: w.bytes)
    }

    /// Whether `failNext` and `refuseNextToken` apply to a request for `path` (`/method`).
    private func isTargeted(_ path: String) -> Bool {
        faultState.targetEndpoints.isEmpty || faultState.targetEndpoints.contains(String(path.drop { $0 == "/" }))
    }

    private func nextFault(_ path: String) -> FaultKind? {
        if !faultState.failNext.isEmpty, isTargeted(path) { return faultState.failNext.removeFirst() }
        let f = faultState
        let total = f.rate429 + f.rate5xx + f.rateTruncated + f.rateMalformed + f.rateReset + f.rateSlow
        guard total > 0 else { return nil }
        var u = faultRandom.unit()
        for (rate, kind) in [(f.rate429, FaultKind.rateLimited), (f.rate5xx, .serverError), (f.rateTruncated, .truncated),
                             (f.rateMalformed, .malformed), (f.rateReset, .reset), (f.rateSlow, .slow)] {
            if u < rate { return kind }
            u -= rate
        }
        return nil
    }

    /// An API reply, delayed by the configured latency (on top of a `slow` fault's delay).
    private func api(method: String, path: String, headers: [String: String], body: [UInt8]) -> SimulatorResponse {
        var response = answerAPI(method: method, path: path, headers: headers, body: body)
        if latencyState.millis > 0 || latencyState.jitterMillis > 0 {
            let jitter = latencyState.jitterMillis > 0 ? latencyRandom.below(latencyState.jitterMillis + 1) : 0
            response.delayMillis += latencyState.millis + jitter
        }
        return response
    }

    private func answerAPI(method: String, path: String, headers: [String: String], body: [UInt8]) -> SimulatorResponse {
        let rid = requestId()
        let fault = nextFault(path)
        switch fault {
        case .rateLimited?:
            var e = APIError(code: "rate_limit_exceeded", message: "Rate limit exceeded")
            e.status = 429
            return errorResponse(e, requestId: rid, extraHeaders: [("retry-after", String(faultState.retryAfterSeconds))])
        case .serverError?:
            let status = [500, 502, 503][faultRandom.below(3)]
            return errorResponse(APIError(code: "internal_server_error", message: "Internal server error", status: status), requestId: rid)
        case .reset?:
            return SimulatorResponse(status: 0, headers: [], body: [], transportFault: .reset)
        case .malformed?:
            return SimulatorResponse(status: 200, headers: baseHeaders(rid), body: Array("{\"success\":true,\"results\":[{\"id\":\"".utf8) + Array("<html>502 Bad Gateway</html>".utf8))
        default: break
        }
        var response = apiAnswer(method: method, path: path, headers: headers, body: body, requestId: rid)
        if fault == .truncated { response.transportFault = .truncate(afterBytes: response.body.count / 2) }
        if fault == .slow { response.delayMillis = faultState.slowMillis }
        return response
    }

    private func apiAnswer(method: String, path: String, headers: [String: String], body: [UInt8], requestId rid: String) -> SimulatorResponse {
        var lower: [String: String] = [:]
        for (k, v) in headers { lower[k.lowercased()] = v }
        // Authentication first, as Ashby: no key → 401, unknown key → 403.
        guard let auth = lower["authorization"], let key = basicUser(auth), !key.isEmpty else {
            return errorResponse(APIError(code: "unauthorized", message: "Missing API key: send it as the Basic auth user name", status: 401), requestId: rid)
        }
        guard let apiKey = keys[key] else {
            return errorResponse(APIError(code: "forbidden", message: "Invalid or deactivated API key", status: 403), requestId: rid)
        }
        let name = String(path.dropFirst())
        guard path.hasPrefix("/"), let (_, permission) = APIHandler.endpoints[name] else {
            return errorResponse(APIError(code: "endpoint_not_found", message: "Unknown endpoint \(path)", status: 404), requestId: rid)
        }
        guard method == "POST" else {
            return errorResponse(APIError(code: "method_not_allowed", message: "Ashby endpoints accept POST only", status: 405), requestId: rid)
        }
        guard apiKey.permissions.contains(permission) else {
            return errorResponse(APIError(code: "missing_endpoint_permission",
                                          message: "The API key does not have the required permission: \(permission.displayName) (\(permission.specName))",
                                          status: configuration.missingPermissionStatus), requestId: rid)
        }
        guard let contentType = lower["content-type"], contentType.lowercased().hasPrefix("application/json") else {
            return errorResponse(.invalidInput("Content-Type must be application/json"), requestId: rid)
        }
        let params: JSONObject
        if body.isEmpty {
            params = JSONObject()
        } else {
            guard let v = try? JSONValue.parse(body), let o = v.objectValue else {
                return errorResponse(.invalidInput("Request payload is malformed"), requestId: rid)
            }
            params = o
        }
        if !faultState.refuseNextToken.isEmpty, params["syncToken"] != nil || params["cursor"] != nil, isTargeted(path) {
            let code = faultState.refuseNextToken.removeFirst()
            let what = params["cursor"] != nil ? "cursor" : "syncToken"
            return errorResponse(APIError(code: code, message: "\(what): refused (\(code)); run a full sync without it"), requestId: rid)
        }
        engine.world.fileHandleSignature = resignHandles ? (UInt64(requestCounter) &* 0x9E37_79B9_7F4A_7C15) | 1 : 0
        var handler = APIHandler(world: engine.world, codec: codec, now: engine.now,
                                 syncTokenMaxAgeDays: configuration.syncTokenMaxAgeDays,
                                 incrementalPageCap: configuration.incrementalPageCap,
                                 scopes: apiKey.permissions.sorted().map(\.scope), keyTitle: apiKey.title,
                                 keyCreatedAt: apiKey.createdAt, organizationId: organization)
        handler.hidesConfidential = !apiKey.confidentialAccess
        do {
            let bytes = try handler.handle(endpoint: name, params: params)
            return SimulatorResponse(status: 200, headers: baseHeaders(rid), body: bytes)
        } catch {
            return errorResponse(error, requestId: rid)
        }
    }

    /// The last `Authorization` header decoded and its user (a client sends the same one on every request).
    private var lastAuthorization: (header: String, user: String?)?

    private func basicUser(_ header: String) -> String? {
        if let last = lastAuthorization, last.header == header { return last.user }
        let user = decodeBasicUser(header)
        lastAuthorization = (header, user)
        return user
    }

    private func decodeBasicUser(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Base64Codec.decode(parts[1].trimmingWhitespace()) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        return String(text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    // MARK: control endpoints

    private func control(method: String, path: String, body: [UInt8]) -> SimulatorResponse {
        let params = (try? JSONValue.parse(body.isEmpty ? Array("{}".utf8) : body))?.objectValue ?? JSONObject()
        func reply(_ v: JSONValue, status: Int = 200) -> SimulatorResponse {
            SimulatorResponse(status: status, headers: [("content-type", "application/json; charset=utf-8")], body: v.canonicalBytes())
        }
        func fail(_ message: String, status: Int = 400) -> SimulatorResponse { reply(["error": .string(message)], status: status) }
        switch (method, path) {
        case ("POST", "/_sim/advance"):
            guard let days = params["days"]?.intValue, days >= 0 else { return fail("advance needs {\"days\": N} with N >= 0") }
            engine.advance(to: engine.now + Int64(days) * WorldEngine.day)
            return reply(["now": .string(Timestamp(millisecondsSinceEpoch: engine.now).iso8601),
                          "changeSeq": JSONValue(engine.world.seq), "journalCount": JSONValue(engine.world.journal.count)])
        case ("GET", "/_sim/journal"), ("POST", "/_sim/journal"):
            let after = params["after"]?.intValue ?? 0
            let limit = params["limit"]?.intValue ?? 10_000
            let entries = engine.world.journal.dropFirst(max(0, after)).prefix(max(1, limit))
            return reply(["entries": .array(entries.map(\.json)), "last": JSONValue(entries.last?.seq ?? after),
                          "total": JSONValue(engine.world.journal.count)])
        case ("POST", "/_sim/faults"):
            var f = FaultConfiguration()
            f.rate429 = params["rate429"]?.doubleValue ?? 0
            f.retryAfterSeconds = params["retryAfterSeconds"]?.intValue ?? 1
            f.rate5xx = params["rate5xx"]?.doubleValue ?? 0
            f.rateTruncated = params["rateTruncated"]?.doubleValue ?? 0
            f.rateMalformed = params["rateMalformed"]?.doubleValue ?? 0
            f.rateReset = params["rateReset"]?.doubleValue ?? 0
            f.rateSlow = params["rateSlow"]?.doubleValue ?? 0
            f.slowMillis = params["slowMillis"]?.intValue ?? 0
            var next: [FaultKind] = []
            for v in params["failNext"]?.arrayValue ?? [] {
                guard let s = v.stringValue, let k = FaultKind(rawValue: s) else {
                    return fail("failNext items must be one of \(FaultKind.allCases.map(\.rawValue))")
                }
                next.append(k)
            }
            f.failNext = next
            f.refuseNextToken = (params["refuseNextToken"]?.arrayValue ?? []).compactMap(\.stringValue)
            f.targetEndpoints = Set((params["targetEndpoints"]?.arrayValue ?? []).compactMap(\.stringValue))
            faultState = f
            return reply(["ok": true])
        case ("POST", "/_sim/behaviours"):
            guard let resign = params["resignFileHandles"]?.boolValue else {
                return fail("behaviours takes {\"resignFileHandles\": true|false}; the others are set when the simulator starts")
            }
            resignHandles = resign
            return reply(["resignFileHandles": .bool(resign)])
        case ("POST", "/_sim/latency"):
            guard let millis = params["millis"]?.intValue, millis >= 0, millis <= 600_000 else {
                return fail("latency takes {\"millis\": N, \"jitterMillis\": M} with N and M from 0 to 600000")
            }
            let jitter = params["jitterMillis"]?.intValue ?? 0
            guard jitter >= 0, jitter <= 600_000 else { return fail("jitterMillis must be from 0 to 600000") }
            latencyState = SimulatorLatency(millis: millis, jitterMillis: jitter)
            return reply(["millis": JSONValue(millis), "jitterMillis": JSONValue(jitter)])
        case ("GET", "/_sim/status"), ("POST", "/_sim/status"):
            let counts = JSONObject(engine.world.counts().map { ($0.0, JSONValue($0.1)) })
            return reply(["now": .string(Timestamp(millisecondsSinceEpoch: engine.now).iso8601),
                          "seed": .string(String(configuration.seed)), "size": .string(configuration.size.rawValue),
                          "openingsEnabled": .bool(configuration.openingsEnabled), "counts": .object(counts),
                          "changeSeq": JSONValue(engine.world.seq), "journalCount": JSONValue(engine.world.journal.count),
                          "requests": JSONValue(requestCounter)])
        case ("POST", "/_sim/keys"):
            var perms = Set<AshbyPermission>()
            for v in params["permissions"]?.arrayValue ?? [] {
                guard let s = v.stringValue, let p = AshbyPermission(name: s) else {
                    return fail("unknown permission \(v); use e.g. \"jobsRead\", \"jobs:read\" or \"Jobs: Read\"")
                }
                perms.insert(p)
            }
            let key = newKeyString()
            keys[key] = APIKey(title: params["title"]?.stringValue ?? "Simulator key", permissions: perms, createdAt: engine.now,
                               confidentialAccess: params["confidentialAccess"]?.boolValue ?? true)
            return reply(["key": .string(key), "scopes": .array(perms.sorted().map { .string($0.scope) })])
        case ("POST", "/_sim/permissions"):
            guard let key = params["key"]?.stringValue, keys[key] != nil else { return fail("unknown key", status: 404) }
            var perms = Set<AshbyPermission>()
            for v in params["permissions"]?.arrayValue ?? [] {
                guard let s = v.stringValue, let p = AshbyPermission(name: s) else { return fail("unknown permission \(v)") }
                perms.insert(p)
            }
            keys[key]!.permissions = perms
            return reply(["ok": true])
        default:
            return fail("unknown control endpoint \(method) \(path); see SimulatorServer docs", status: 404)
        }
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
