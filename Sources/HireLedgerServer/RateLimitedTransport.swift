import AshbyAPI
import CurlHTTP

/// An HTTP transport that paces one Ashby key's requests: each request waits for its limiter before it
/// goes to the shared transport. Ashby budgets requests per key, so each account of a deployment gets
/// its own (`AccountsServer.client(for:...)`), and one account's burst never spends another's budget.
public struct RateLimitedTransport: HTTPTransport {
    public let base: any HTTPTransport
    public let limiter: RequestRateLimiter

    public init(base: any HTTPTransport, limiter: RequestRateLimiter) {
        self.base = base
        self.limiter = limiter
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await limiter.acquire()
        return try await base.send(request)
    }
}

extension AccountsServer {
    /// Ashby requests per second per key when the deployment does not say (Ashby's documented budget
    /// leaves room for other tools on the same key).
    public static let defaultRequestsPerSecond = 5.0

    /// The Ashby client of a key-file account: its key (refused when other users can read the file),
    /// its base URL, and its own rate budget over the shared `transport`. A failure is that account's
    /// alone.
    public static func client(for account: AccountsDeployment.Account, deploymentPath: String,
                              transport: any HTTPTransport) -> Result<AshbyClient, any Error> {
        guard let keyFile = account.keyFile else {
            return .failure(AccountsDeploymentError(path: deploymentPath, "gives account \(account.name) no key_file"))
        }
        do {
            let loaded = try APIKey.load(keyFile: AccountsDeployment.resolve(keyFile, relativeTo: deploymentPath), refuseSharedKeyFile: true)
            return .success(client(account: account, key: loaded.key, baseURL: account.baseURL ?? AshbyClient.defaultBaseURL, transport: transport))
        } catch {
            return .failure(error)
        }
    }

    /// A client for `key` at `baseURL` with the account's rate budget.
    public static func client(account: AccountsDeployment.Account, key: APIKey, baseURL: String, transport: any HTTPTransport) -> AshbyClient {
        let rate = account.requestsPerSecond ?? defaultRequestsPerSecond
        let limited = RateLimitedTransport(base: transport, limiter: RequestRateLimiter(requestsPerSecond: rate, burst: max(1, Int(rate))))
        return AshbyClient(baseURL: baseURL, apiKey: key, transport: limited)
    }
}
