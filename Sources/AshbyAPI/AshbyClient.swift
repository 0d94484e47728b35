import CurlHTTP
import HireLedgerCore
import Synchronization

/// The Ashby API client: Basic auth, Ashby's response envelope, retries with backoff, and list pages.
///
/// Every call is a `POST /<method>` with a JSON body (ASHBY_API.md §1). A call returns only after a
/// `success: true` envelope, or throws an `AshbyError` (or `CancellationError` when the task is
/// cancelled). Reads are side-effect free, so retrying them is safe; the client issues no writes.
///
/// The value is immutable and `Sendable`; share one per process. Calls may run concurrently: pacing
/// them is the caller's job (`RequestRateLimiter`), as is the order pages of one listing are fetched
/// in (`AshbyPager`).
public struct AshbyClient: Sendable {
    public static let defaultBaseURL = "https://api.ashbyhq.com"
    public static let defaultUserAgent = "HireLedger/0.1 (+read-only sync)"
    /// The API version HireLedger was written against, sent as `Ashby-Version` so response shapes stay
    /// fixed when Ashby makes a newer version the default.
    public static let defaultAPIVersion = "2026-01-01"

    public let baseURL: String
    public let apiKey: APIKey
    public let transport: any HTTPTransport
    public let retryPolicy: RetryPolicy
    public let clock: any AshbyClock
    public let userAgent: String
    public let apiVersion: String?
    /// Per-request timeout handed to the transport, in seconds.
    public let requestTimeout: Double?
    private let jitter: JitterSource
    private let fixedHeaders: [(name: String, value: String)]
    /// Caps this client's requests in flight and pauses them all after a rate-limited reply; nil: none.
    public private(set) var requestBudget: RequestBudget?

    /// - Parameters:
    ///   - baseURL: `https://api.ashbyhq.com`, or a simulator's `http://127.0.0.1:PORT`. A trailing `/` is ignored.
    ///   - clock: time source for backoff sleeps and the retry budget; inject `ManualAshbyClock` in tests.
    ///   - apiVersion: value of the `Ashby-Version` header, or nil to use the key's default version.
    public init(baseURL: String = AshbyClient.defaultBaseURL, apiKey: APIKey, transport: any HTTPTransport,
                retryPolicy: RetryPolicy = .default, clock: any AshbyClock = SystemAshbyClock(),
                userAgent: String = AshbyClient.defaultUserAgent, apiVersion: String? = AshbyClient.defaultAPIVersion,
                requestTimeout: Double? = 60) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.clock = clock
        self.userAgent = userAgent
        self.apiVersion = apiVersion
        self.requestTimeout = requestTimeout
        var seed = retryPolicy.seed ?? UInt64.random(in: .min ... .max)
        if retryPolicy.seed == nil { seed ^= 0x5DEE_CE66_D1CE_4E5B }
        jitter = JitterSource(seed: seed)
        var headers: [(name: String, value: String)] = [
            ("Authorization", apiKey.authorizationHeaderValue),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("User-Agent", userAgent),
        ]
        if let apiVersion { headers.append(("Ashby-Version", apiVersion)) }
        fixedHeaders = headers
    }

    /// A copy of this client whose requests go through `budget` (nil: none): at most the budget's cap at
    /// once (adaptive, never above `budget.maxConcurrentRequests`), and all of them held off while a
    /// rate-limited reply's wait runs. Copies share the budget, so tasks calling through them share its
    /// slots.
    public func withRequestBudget(_ budget: RequestBudget?) -> AshbyClient {
        var copy = self
        copy.requestBudget = budget
        return copy
    }

    // MARK: - Raw call

    /// Calls `method` with `body` and returns the whole `success: true` envelope (an object holding
    /// `results` and, for lists, `moreDataAvailable`, `nextCursor`, `syncToken`).
    ///
    /// Retries per `retryPolicy`; throws `AshbyError` for every failure.
    public func post(_ method: String, body: JSONValue = [:]) async throws -> JSONValue {
        .object(try await perform(method, body: body).envelope)
    }

    // MARK: - Lists

    /// Fetches one page of a list endpoint.
    ///
    /// - Parameters:
    ///   - cursor: the previous page's `nextCursor`, or nil for the first page.
    ///   - syncToken: a stored token for an incremental pass (only for endpoints with
    ///     `supportsSyncToken`); send it on every page of that pass.
    ///   - parameters: request parameters; nil sends `endpoint.defaultParameters`. `cursor`,
    ///     `syncToken` and `limit` are added by this method.
    ///   - pageSize: `limit` for paginated endpoints (Ashby's maximum is 100); nil sends none.
    public func listPage(_ endpoint: AshbyEndpoint, cursor: String? = nil, syncToken: String? = nil,
                         parameters: JSONObject? = nil,
                         pageSize: Int? = AshbyEndpoint.maximumPageSize) async throws -> AshbyPage {
        let body = listBody(endpoint, cursor: cursor, syncToken: syncToken, parameters: parameters, pageSize: pageSize)
        let (envelope, requestId, attempts) = try await perform(endpoint.method, body: .object(body))
        guard let results = envelope["results"]?.arrayValue else {
            throw listShapeError(endpoint, envelope, attempts, "`results` is missing or not an array")
        }
        let fields = try listFields(endpoint, envelope, attempts)
        return AshbyPage(records: results, moreDataAvailable: fields.more, nextCursor: fields.nextCursor,
                         syncToken: fields.syncToken, warnings: fields.warnings, requestId: requestId)
    }

    /// Fetches one page of a list endpoint like `listPage`, but leaves the records as the bytes Ashby
    /// sent (`AshbyRawPage`): the body is scanned, not parsed, and each record is located in it. Same
    /// parameters, retries and errors as `listPage`; a body the scan cannot lay out (e.g. `results` not
    /// an array) goes through the full parser, so the error reported is the same.
    public func listRawPage(_ endpoint: AshbyEndpoint, cursor: String? = nil, syncToken: String? = nil,
                            parameters: JSONObject? = nil,
                            pageSize: Int? = AshbyEndpoint.maximumPageSize) async throws -> AshbyRawPage {
        let body = listBody(endpoint, cursor: cursor, syncToken: syncToken, parameters: parameters, pageSize: pageSize)
        let (envelope, requestId, attempts, raw) = try await perform(endpoint.method, body: .object(body), rawResults: true)
        let fields = try listFields(endpoint, envelope, attempts)
        guard let raw else {
            // Laid out by the parser (the scan declined): `results` must still be an array of records.
            guard let results = envelope["results"]?.arrayValue else {
                throw listShapeError(endpoint, envelope, attempts, "`results` is missing or not an array")
            }
            return AshbyRawPage(endpoint: endpoint.method, records: results, moreDataAvailable: fields.more,
                                nextCursor: fields.nextCursor, syncToken: fields.syncToken, warnings: fields.warnings,
                                requestId: requestId)
        }
        return AshbyRawPage(endpoint: endpoint.method, body: raw.body, items: raw.items, moreDataAvailable: fields.more,
                            nextCursor: fields.nextCursor, syncToken: fields.syncToken, warnings: fields.warnings,
                            requestId: requestId, attempts: attempts)
    }

    private func listBody(_ endpoint: AshbyEndpoint, cursor: String?, syncToken: String?, parameters: JSONObject?,
                          pageSize: Int?) -> JSONObject {
        precondition(syncToken == nil || endpoint.supportsSyncToken, "\(endpoint.method) does not take a syncToken")
        var body = parameters ?? endpoint.defaultParameters
        if endpoint.pagination == .cursor, let pageSize { body = body.setting("limit", .number(JSONNumber(pageSize))) }
        if let cursor { body = body.setting("cursor", .string(cursor)) }
        if let syncToken { body = body.setting("syncToken", .string(syncToken)) }
        return body
    }

    private func listShapeError(_ endpoint: AshbyEndpoint, _ envelope: JSONObject, _ attempts: Int,
                                _ reason: String) -> AshbyError {
        .malformedResponse(endpoint: endpoint.method, offset: nil, reason: reason,
                           excerpt: AshbyClient.maskedShape(of: .object(envelope)), attempts: attempts)
    }

    /// The paging members of a list envelope, checked.
    private func listFields(_ endpoint: AshbyEndpoint, _ envelope: JSONObject, _ attempts: Int) throws
        -> (more: Bool, nextCursor: String?, syncToken: String?, warnings: [String]) {
        func optionalString(_ key: String) throws -> String? {
            switch envelope[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            default: throw listShapeError(endpoint, envelope, attempts, "`\(key)` is not a string")
            }
        }
        let nextCursor = try optionalString("nextCursor")
        let token = try optionalString("syncToken")
        let more: Bool
        switch envelope["moreDataAvailable"] {
        case .bool(let b)?: more = b
        // Some non-paginated lists omit it; a cursor without the flag still means "more".
        case nil, .null?: more = nextCursor != nil && endpoint.pagination == .cursor
        default: throw listShapeError(endpoint, envelope, attempts, "`moreDataAvailable` is not a boolean")
        }
        let warnings = envelope["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return (more, nextCursor, token, warnings)
    }

    /// A pager over every page of `endpoint`; see `AshbyPager`.
    public func pager(_ endpoint: AshbyEndpoint, parameters: JSONObject? = nil, syncToken: String? = nil,
                      resumeCursor: String? = nil, pageSize: Int? = AshbyEndpoint.maximumPageSize,
                      progress: AshbyPager.ProgressHandler? = nil) -> AshbyPager {
        AshbyPager(client: self, endpoint: endpoint, parameters: parameters ?? endpoint.defaultParameters,
                   syncToken: syncToken, resumeCursor: resumeCursor, pageSize: pageSize, progress: progress)
    }

    /// Every record of `endpoint`, walking all pages, plus the `syncToken` of the last page.
    /// Holds the whole listing in memory: meant for metadata lists and per-record children; the sync
    /// of large lists should drive an `AshbyPager` and store page by page.
    public func listAll(_ endpoint: AshbyEndpoint, parameters: JSONObject? = nil, syncToken: String? = nil,
                        pageSize: Int? = AshbyEndpoint.maximumPageSize,
                        progress: AshbyPager.ProgressHandler? = nil) async throws -> AshbyListing {
        var pager = self.pager(endpoint, parameters: parameters, syncToken: syncToken, pageSize: pageSize, progress: progress)
        var records: [JSONValue] = []
        while let page = try await pager.next() { records += page.records }
        return AshbyListing(records: records, syncToken: pager.finalSyncToken, pages: pager.pagesFetched)
    }

    /// Every stage-history entry of one application (`application.listHistory`, all pages), in
    /// Ashby's order.
    public func applicationHistory(applicationId: String) async throws -> [JSONValue] {
        var parameters = AshbyEndpoint.applicationListHistory.defaultParameters
        parameters = parameters.setting("applicationId", .string(applicationId))
        return try await listAll(.applicationListHistory, parameters: parameters).records
    }

    /// Every stage of one interview plan (`interviewStage.list`), in plan order.
    public func interviewStages(interviewPlanId: String) async throws -> [JSONValue] {
        let parameters = AshbyEndpoint.interviewStageList.defaultParameters.setting("interviewPlanId", .string(interviewPlanId))
        return try await listAll(.interviewStageList, parameters: parameters).records
    }

    // MARK: - Single records

    /// Calls a single-record endpoint (`endpoint.requiredParameter` set to `id`, plus its default
    /// parameters) and returns `results`.
    public func info(_ endpoint: AshbyEndpoint, id: String) async throws -> JSONValue {
        guard let idParameter = endpoint.requiredParameter else {
            preconditionFailure("\(endpoint.method) takes no record id")
        }
        let body = endpoint.defaultParameters.setting(idParameter, .string(id))
        return try await results(of: endpoint.method, body: .object(body))
    }

    /// `apiKey.info`: the key's title, creation time and scopes. Needs 'API Keys: Read', which
    /// HireLedger does not require; expect `AshbyError.missingPermission` from most keys.
    public func apiKeyInfo() async throws -> AshbyKeyInfo {
        let results = try await results(of: AshbyEndpoint.apiKeyInfo.method, body: [:])
        return AshbyKeyInfo(results: results)
    }

    private func results(of method: String, body: JSONValue) async throws -> JSONValue {
        let (envelope, _, attempts) = try await perform(method, body: body)
        guard let results = envelope["results"] else {
            throw AshbyError.malformedResponse(endpoint: method, offset: nil, reason: "`results` is missing",
                                               excerpt: AshbyClient.maskedShape(of: .object(envelope)), attempts: attempts)
        }
        return results
    }

    // MARK: - Transport, envelope and retries

    /// Why an attempt may be retried, and the error to report if no retry is left.
    private enum Retriable {
        case rateLimited(retryAfter: Double?)
        case server(status: Int, requestId: String?, retryAfter: Double?)
        case malformed(offset: Int?, reason: String, excerpt: String)
        case transport(any Error)

        var retryAfter: Double? {
            switch self {
            case .rateLimited(let r), .server(_, _, let r): return r
            case .malformed, .transport: return nil
            }
        }

        func error(endpoint: String, attempts: Int, failures: [String]) -> AshbyError {
            let failures = failures.count > 1 ? failures : []
            switch self {
            case .rateLimited(let retryAfter):
                return .rateLimited(endpoint: endpoint, attempts: attempts, retryAfter: retryAfter, failures: failures)
            case .server(let status, let requestId, _):
                return .server(endpoint: endpoint, status: status, attempts: attempts, requestId: requestId, failures: failures)
            case .malformed(let offset, let reason, let excerpt):
                return .malformedResponse(endpoint: endpoint, offset: offset, reason: reason, excerpt: excerpt, attempts: attempts,
                                          failures: failures)
            case .transport(let error): return .transport(endpoint: endpoint, underlying: error, attempts: attempts, failures: failures)
            }
        }

        /// One attempt's failure in a few words, for the retry report.
        var summary: String {
            switch self {
            case .rateLimited(let retryAfter): return "HTTP 429" + (retryAfter.map { " (Retry-After \(AshbyError.seconds($0)))" } ?? "")
            case .server(let status, _, _): return "HTTP \(status)"
            case .malformed(_, let reason, _): return "malformed body: \(reason)"
            case .transport(let error): return "no response: \(error)"
            }
        }
    }

    /// A success body's `results` left as bytes: the body and its items' ranges.
    private struct RawResults {
        let body: [UInt8]
        let items: [JSONObjectLayout.Element]
    }

    private enum Outcome {
        case success(JSONObject, requestId: String?, raw: RawResults?)
        case retry(Retriable)
        case failure(AshbyError)
    }

    private func perform(_ method: String, body: JSONValue) async throws
        -> (envelope: JSONObject, requestId: String?, attempts: Int) {
        let (envelope, requestId, attempts, _) = try await perform(method, body: body, rawResults: false)
        return (envelope, requestId, attempts)
    }

    /// With `rawResults`, a success body is scanned rather than parsed where possible: the envelope
    /// holds every member but `results` (an empty array stands in for it) and `raw` locates the items.
    private func perform(_ method: String, body: JSONValue, rawResults: Bool) async throws
        -> (envelope: JSONObject, requestId: String?, attempts: Int, raw: RawResults?) {
        let request = HTTPRequest(method: "POST", url: baseURL + "/" + method, headers: fixedHeaders,
                                  body: body.canonicalBytes(), timeout: requestTimeout)
        let started = clock.monotonicNow()
        var attempt = 0
        var failures: [String] = []
        while true {
            attempt += 1
            try Task.checkCancellation()
            let outcome: Outcome
            // The budget's slot the reply came in on, so a refusal tells the budget which window it is from.
            var slot: RequestBudget.Slot?
            do {
                let sent = try await send(request)
                slot = sent.slot
                outcome = classify(sent.response, method: method, attempt: attempt, rawResults: rawResults)
            } catch let error as CancellationError {
                throw error
            } catch {
                guard (error as? any RetryableError)?.isRetryable == true else {
                    failures.append("no response: \(error)")
                    throw AshbyError.transport(endpoint: method, underlying: error, attempts: attempt,
                                               failures: failures.count > 1 ? failures : [])
                }
                outcome = .retry(.transport(error))
            }
            switch outcome {
            case .success(let envelope, let requestId, let raw):
                return (envelope, requestId, attempt, raw)
            case .failure(let error):
                throw error
            case .retry(let reason):
                failures.append(reason.summary)
                guard attempt < retryPolicy.maxAttempts else {
                    throw reason.error(endpoint: method, attempts: attempt, failures: failures)
                }
                let delay = reason.retryAfter.map { min($0, retryPolicy.maxRetryAfter) }
                    ?? retryPolicy.delay(afterFailures: attempt, unit: jitter.unit())
                guard clock.monotonicNow() - started + delay <= retryPolicy.giveUpAfter else {
                    throw reason.error(endpoint: method, attempts: attempt, failures: failures)
                }
                // A rate limit is the key's, not this request's: every request of the budget waits it out,
                // and the budget's cap halves (`RequestBudget.rateLimited`).
                if case .rateLimited = reason, let requestBudget, let slot {
                    requestBudget.rateLimited(slot, pauseSeconds: delay)
                }
                try await clock.sleep(seconds: delay)
            }
        }
    }

    /// One attempt on the wire, holding a slot of the budget (if any) only while it is; returns the reply
    /// and that slot. A 2xx reply counts as a success towards the budget's growth.
    private func send(_ request: HTTPRequest) async throws -> (response: HTTPResponse, slot: RequestBudget.Slot?) {
        guard let requestBudget else { return (try await transport.send(request), nil) }
        let held = try await requestBudget.acquire()
        let response: HTTPResponse
        do { response = try await transport.send(request) } catch {
            requestBudget.release(held, succeeded: false)
            throw error
        }
        requestBudget.release(held, succeeded: (200...299).contains(response.status))
        return (response, held)
    }

    private func classify(_ response: HTTPResponse, method: String, attempt: Int, rawResults: Bool) -> Outcome {
        let headerRequestId = response.header("x-ashby-request-id").map(apiKey.redact)
        let retryAfter = response.header("Retry-After").flatMap { HTTPRetryAfter.seconds($0, now: clock.wallNow()) }
        let status = response.status

        if status == 401 { return .failure(.unauthorized(endpoint: method)) }
        if status == 429 { return .retry(.rateLimited(retryAfter: retryAfter)) }
        if status == 408 || (500...599).contains(status) {
            return .retry(.server(status: status, requestId: headerRequestId, retryAfter: retryAfter))
        }

        if rawResults, (200...299).contains(status), let (envelope, raw) = AshbyClient.scanEnvelope(response.body),
           envelope["success"]?.boolValue == true {
            return .success(envelope, requestId: headerRequestId, raw: raw)
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(response.body)
        } catch {
            guard (200...299).contains(status) else {
                if status == 403 {
                    let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
                    if let refusal = AshbyClient.permissionRefusal(in: text, method: method) {
                        return .failure(.missingPermission(permission: refusal, endpoint: method, requestId: headerRequestId))
                    }
                    return .failure(.invalidKey(endpoint: method, requestId: headerRequestId))
                }
                return .failure(.unexpectedStatus(endpoint: method, status: status, requestId: headerRequestId))
            }
            // A 200 that does not parse is almost always a transfer cut short: worth another try.
            return .retry(.malformed(offset: error.offset, reason: AshbyClient.describe(error, bodySize: response.body.count),
                                     excerpt: AshbyClient.maskedExcerpt(response.body, around: error.offset)))
        }
        guard let envelope = parsed.objectValue, let success = envelope["success"]?.boolValue else {
            if status == 403 {
                // An error body without `success` (seen from proxies and in third-party fixtures): read its
                // codes and text the same way before concluding the key itself is refused.
                let failure = parsed.objectValue.map { AshbyErrorEnvelope($0, redact: apiKey.redact) }
                let text = failure.map { ($0.codes + [$0.message ?? ""]).joined(separator: " ") }
                    ?? String(decoding: response.body.prefix(4096), as: UTF8.self)
                if let refusal = AshbyClient.permissionRefusal(in: text, method: method) {
                    return .failure(.missingPermission(permission: refusal, endpoint: method,
                                                       requestId: failure?.requestId ?? headerRequestId))
                }
                return .failure(.invalidKey(endpoint: method, requestId: headerRequestId))
            }
            guard (200...299).contains(status) else {
                return .failure(.unexpectedStatus(endpoint: method, status: status, requestId: headerRequestId))
            }
            return .failure(.malformedResponse(endpoint: method, offset: nil,
                                               reason: "the body is JSON but not Ashby's {success, results} envelope",
                                               excerpt: AshbyClient.maskedShape(of: parsed), attempts: attempt))
        }
        if success {
            guard (200...299).contains(status) else {
                return .failure(.unexpectedStatus(endpoint: method, status: status, requestId: headerRequestId))
            }
            return .success(envelope, requestId: headerRequestId, raw: nil)
        }
        let failure = AshbyErrorEnvelope(envelope, redact: apiKey.redact)
        let requestId = failure.requestId ?? headerRequestId
        if failure.has("missing_endpoint_permission") {
            let permission = AshbyEndpoint.named(method)?.permission ?? failure.mentionedPermission
            return .failure(.missingPermission(permission: permission, endpoint: method, requestId: requestId))
        }
        if status == 403 {
            if let refusal = AshbyClient.permissionRefusal(in: failure.message ?? "", method: method) {
                return .failure(.missingPermission(permission: refusal, endpoint: method, requestId: requestId))
            }
            return .failure(.invalidKey(endpoint: method, requestId: requestId))
        }
        if failure.has("sync_token_expired") { return .failure(.syncTokenExpired(endpoint: method)) }
        if failure.has("incremental_sync_too_large") { return .failure(.incrementalSyncTooLarge(endpoint: method)) }
        if failure.has("rate_limit_exceeded") || failure.has("concurrent_limit_exceeded") {
            return .retry(.rateLimited(retryAfter: retryAfter))
        }
        return .failure(.api(endpoint: method, code: failure.codes.first ?? "unknown_error",
                             message: failure.message, requestId: requestId))
    }

    /// Whether a 403's text says a permission is missing (rather than the key being wrong): it names
    /// `missing_endpoint_permission`, a permission (`jobsRead`, `jobs:read`, "Jobs: Read"), or says a
    /// permission is required or missing. Returns the permission: the endpoint's own when HireLedger
    /// knows the endpoint, else the one the text names; `.some(nil)` when neither is known; nil when the
    /// text does not speak of a missing permission.
    static func permissionRefusal(in text: String, method: String) -> AshbyPermission?? {
        let lower = text.lowercased()
        let named = AshbyPermission.allCases.first { text.contains($0.rawValue) || lower.contains($0.scope) || text.contains($0.adminName) }
        let says = lower.contains("missing_endpoint_permission") || lower.contains("permission is required")
            || lower.contains("required permission") || lower.contains("missing permission")
            || lower.contains("lacks the") && lower.contains("permission")
        guard says || named != nil else { return nil }
        return .some(AshbyEndpoint.named(method)?.permission ?? named)
    }

    /// Lays out a list envelope without parsing its `results`: every other member is parsed, `results`
    /// (an empty array stands in) is located item by item. Nil when the body is not valid JSON, not an
    /// object, has no `results` array, or a member other than `results` holds a repeated key: the
    /// caller then runs the full parser, which reports exactly what is wrong.
    private static func scanEnvelope(_ body: [UInt8]) -> (JSONObject, RawResults)? {
        body.withUnsafeBytes { buffer -> (JSONObject, RawResults)? in
            guard let layout = try? JSONObjectLayout.scan(buffer, elementsOf: "results", elementKey: "id"),
                  let items = layout.elements else { return nil }
            var members: [(String, JSONValue)] = []
            members.reserveCapacity(layout.members.count)
            for member in layout.members {
                if member.key == "results" {
                    members.append((member.key, .array([])))
                } else {
                    guard let value = try? JSONValue.parse(UnsafeRawBufferPointer(rebasing: buffer[member.value])) else {
                        return nil
                    }
                    members.append((member.key, value))
                }
            }
            return (JSONObject(members), RawResults(body: body, items: items))
        }
    }

    // MARK: - PII-free descriptions of bad bodies

    static func describe(_ error: JSONParseError, bodySize: Int) -> String {
        switch error.reason {
        case .unexpectedEnd:
            return "the body (\(bodySize) bytes) ends in the middle of the JSON document, likely a truncated transfer"
        case .trailingData: return "data follows the JSON document"
        case .invalidUTF8: return "invalid UTF-8 in a \(bodySize)-byte body"
        case .nestingTooDeep(let limit): return "JSON nested deeper than \(limit) levels"
        default: return "invalid JSON in a \(bodySize)-byte body"
        }
    }

    /// Up to 32 bytes either side of `offset`, with letters shown as `x`, digits as `0` and other
    /// non-punctuation bytes as `?`: the structure is visible, the content is not.
    static func maskedExcerpt(_ body: [UInt8], around offset: Int) -> String {
        guard !body.isEmpty else { return "(empty body)" }
        let centre = min(max(offset, 0), body.count)
        let lower = max(0, centre - 32), upper = min(body.count, centre + 32)
        var out = lower > 0 ? "…" : ""
        for byte in body[lower..<upper] { out.append(mask(byte)) }
        if upper < body.count { out += "…" }
        return "`\(out)`"
    }

    private static func mask(_ byte: UInt8) -> Character {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return "x"
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return "0"
        case UInt8(ascii: " "), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "-"), UInt8(ascii: "."):
            return Character(Unicode.Scalar(byte))
        default: return "?"
        }
    }

    /// The top-level keys of a parsed body and the kinds of their values, never the values themselves.
    static func maskedShape(of value: JSONValue) -> String {
        guard let object = value.objectValue else { return "a JSON \(value.kindName)" }
        return "{" + object.map { "\($0.key): \($0.value.kindName)" }.joined(separator: ", ") + "}"
    }
}

/// The result of `AshbyClient.listAll`.
public struct AshbyListing: Sendable {
    public var records: [JSONValue]
    /// The last page's `syncToken` (nil for endpoints without incremental sync).
    public var syncToken: String?
    public var pages: Int
}

extension JSONObject {
    /// A copy with `key` set to `value` (replacing any existing member).
    func setting(_ key: String, _ value: JSONValue) -> JSONObject {
        var copy = self
        copy[key] = value
        return copy
    }
}

/// The client's jitter generator: one per client, shared by its copies (the client is a struct), drawn
/// from under a lock because concurrent calls retry at once.
private final class JitterSource: Sendable {
    private let generator: Mutex<SplitMix64>

    init(seed: UInt64) { generator = Mutex(SplitMix64(seed: seed)) }

    /// A uniform draw in [0, 1).
    func unit() -> Double { generator.withLock { $0.unit() } }
}
