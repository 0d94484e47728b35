/// Why an Ashby call failed, classified once at the client boundary so callers branch on cases, not
/// on status codes or error-code strings.
///
/// Every message says what went wrong and what to do. No message contains the API key: the client
/// builds them from endpoint names, status codes and server text that has been run through
/// `APIKey.redact(_:)`; malformed bodies are shown only as a masked excerpt (letters → `x`, digits → `0`)
/// so no candidate data reaches a log.
public enum AshbyError: Error, Sendable, CustomStringConvertible {
    /// The stored `syncToken` is no longer accepted (`sync_token_expired`). Drop it and run a full pass.
    case syncTokenExpired(endpoint: String)
    /// Too many changes for one incremental pass (`incremental_sync_too_large`). Drop the token and run
    /// a full pass.
    case incrementalSyncTooLarge(endpoint: String)
    /// The key lacks the module permission this endpoint needs (`missing_endpoint_permission`, sent as
    /// HTTP 403 or 200). `permission` is nil only for an endpoint outside HireLedger's catalogue.
    case missingPermission(permission: AshbyPermission?, endpoint: String, requestId: String?)
    /// HTTP 401: Ashby received no credentials.
    case unauthorized(endpoint: String)
    /// HTTP 403 (not a missing module permission): the key is wrong, revoked or deactivated.
    case invalidKey(endpoint: String, requestId: String?)
    /// HTTP 429 (or a rate-limit error code) on the last attempt. `retryAfter` is the server's last
    /// requested wait in seconds, if it sent one. `failures` (in this and the other retried cases):
    /// every attempt's failure in order, the last included, when there was more than one attempt.
    case rateLimited(endpoint: String, attempts: Int, retryAfter: Double?, failures: [String] = [])
    /// HTTP 5xx (or 408) on the last attempt.
    case server(endpoint: String, status: Int, attempts: Int, requestId: String?, failures: [String] = [])
    /// Another non-2xx status without an Ashby error envelope.
    case unexpectedStatus(endpoint: String, status: Int, requestId: String?)
    /// The body was not JSON, or not the shape Ashby documents. `offset` is the byte where parsing
    /// failed (nil for a shape problem); `excerpt` is masked.
    case malformedResponse(endpoint: String, offset: Int?, reason: String, excerpt: String, attempts: Int,
                           failures: [String] = [])
    /// No response arrived (refused, reset, timed out) on the last attempt.
    case transport(endpoint: String, underlying: any Error, attempts: Int, failures: [String] = [])
    /// Any other `success: false` reply: Ashby's code, message and request id (quote it to Ashby support).
    case api(endpoint: String, code: String, message: String?, requestId: String?)
    /// A list page pointed back to a cursor already used in this walk; following it would never end.
    case cursorLoop(endpoint: String, page: Int)
    /// A list page said `moreDataAvailable: true` but gave no `nextCursor` to fetch the rest with.
    case missingNextCursor(endpoint: String, page: Int)

    /// True for the two errors whose documented recovery is: discard the stored `syncToken` and run a
    /// full pass of that endpoint.
    public var requiresFullResync: Bool {
        switch self {
        case .syncTokenExpired, .incrementalSyncTooLarge: return true
        default: return false
        }
    }

    /// The error code when Ashby refused the request's `syncToken` or `cursor`: the two documented codes
    /// above, and those other clients meet and restart from (`invalid_input`, `cursor_invalid`,
    /// `invalid_next_cursor`, `sync_token_invalid`, `next_cursor_expired`; ASHBY_API.md §2.3). The
    /// recovery is the same for all: drop the token or cursor and list the endpoint again from its start.
    /// Only meaningful for a request that carried one (`invalid_input` is also a plain bad parameter).
    public var refusedTokenCode: String? {
        switch self {
        case .syncTokenExpired: return "sync_token_expired"
        case .incrementalSyncTooLarge: return "incremental_sync_too_large"
        case .api(_, let code, _, _) where AshbyError.tokenRefusalCodes.contains(code): return code
        default: return nil
        }
    }

    /// The `api` codes `refusedTokenCode` recognises.
    public static let tokenRefusalCodes: Set<String> = [
        "invalid_input", "cursor_invalid", "invalid_next_cursor", "sync_token_invalid", "next_cursor_expired",
    ]

    /// True when the whole key is unusable (no point trying other endpoints).
    public var isAuthenticationFailure: Bool {
        switch self {
        case .unauthorized, .invalidKey: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .syncTokenExpired(let endpoint):
            return "\(endpoint): Ashby no longer accepts the stored sync token (sync_token_expired). "
                + "Discard it and run a full sync of this endpoint."
        case .incrementalSyncTooLarge(let endpoint):
            return "\(endpoint): too many changes for one incremental sync (incremental_sync_too_large). "
                + "Discard the sync token and run a full sync of this endpoint."
        case .missingPermission(let permission, let endpoint, let requestId):
            let what = permission.map { "\($0.grantInstruction). Without it HireLedger cannot record \($0.consequenceIfMissing)." }
                ?? "Grant this API key the permission for \(endpoint) in Ashby: Admin → Integrations → API Keys."
            return "\(endpoint): the API key lacks a required permission (missing_endpoint_permission). \(what)"
                + AshbyError.requestSuffix(requestId)
        case .unauthorized(let endpoint):
            return "\(endpoint): Ashby answered 401 (no API key received). Check that an API key is configured "
                + "and that nothing between HireLedger and Ashby strips the Authorization header."
        case .invalidKey(let endpoint, let requestId):
            return "\(endpoint): Ashby answered 403: the API key is wrong, revoked or deactivated. Create or "
                + "re-enable a key in Ashby: Admin → Integrations → API Keys." + AshbyError.requestSuffix(requestId)
        case .rateLimited(let endpoint, let attempts, let retryAfter, let failures):
            let wait = retryAfter.map { " Ashby last asked to wait \(AshbyError.seconds($0))." } ?? ""
            return "\(endpoint): still rate limited (HTTP 429) after \(attempts) attempt\(attempts == 1 ? "" : "s").\(wait) "
                + "Lower the request rate or try again later." + AshbyError.attemptList(failures)
        case .server(let endpoint, let status, let attempts, let requestId, let failures):
            let on = Set(failures).count > 1 ? "on the last of \(attempts) attempts" : "on all \(attempts) attempt\(attempts == 1 ? "" : "s")"
            return "\(endpoint): Ashby answered HTTP \(status) \(on). "
                + "This is on Ashby's side; try again later." + AshbyError.requestSuffix(requestId) + AshbyError.attemptList(failures)
        case .unexpectedStatus(let endpoint, let status, let requestId):
            return "\(endpoint): unexpected HTTP \(status) without an Ashby error body. Check --base-url."
                + AshbyError.requestSuffix(requestId)
        case .malformedResponse(let endpoint, let offset, let reason, let excerpt, let attempts, let failures):
            let at = offset.map { " at byte \($0)" } ?? ""
            return "\(endpoint): malformed response\(at) after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason). "
                + "Masked excerpt: \(excerpt)" + AshbyError.attemptList(failures)
        case .transport(let endpoint, let underlying, let attempts, let failures):
            return "\(endpoint): no response after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(underlying)"
                + AshbyError.attemptList(failures)
        case .api(let endpoint, let code, let message, let requestId):
            let text = message.map { ": \($0)" } ?? ""
            return "\(endpoint): Ashby refused the request (\(code))\(text)." + AshbyError.requestSuffix(requestId)
        case .cursorLoop(let endpoint, let page):
            return "\(endpoint): page \(page) returned a cursor that was already used in this listing; stopping "
                + "instead of looping forever. Run the sync again; if it repeats, report it to Ashby support."
        case .missingNextCursor(let endpoint, let page):
            return "\(endpoint): page \(page) says more data is available but gives no nextCursor, so the rest "
                + "cannot be fetched. Run the sync again; if it repeats, report it to Ashby support."
        }
    }

    /// " Attempts: 1. …; 2. …" when the attempts failed in different ways, else "" (the message says it).
    private static func attemptList(_ failures: [String]) -> String {
        guard Set(failures).count > 1 else { return "" }
        return " Attempts: " + failures.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "; ") + "."
    }

    private static func requestSuffix(_ requestId: String?) -> String {
        requestId.map { " (Ashby request id \($0))" } ?? ""
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\((value * 10).rounded() / 10) s"
    }
}
