import Hummingbird

/// Lets a request through only with `Authorization: Bearer <token>`; otherwise 401 with
/// `WWW-Authenticate: Bearer realm="hireledger"` and a problem body. The comparison is constant-time
/// (`APIToken.matches`). A GET or HEAD without the header may instead carry the planner page's
/// session cookie (`PlannerSession`).
struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: APIToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.headers[.authorization] == nil, PlannerSession(token: token).authorizes(request) {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw unauthorized("This endpoint needs `Authorization: Bearer <token>`; the token is in the file `hireledger serve` named when it started.", error: nil)
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else {
            throw unauthorized("The Authorization header must use the Bearer scheme.", error: "invalid_request")
        }
        let presented = header.utf8.dropFirst(prefix.count)
        guard token.matches(presented) else {
            throw unauthorized("The bearer token is not valid for this server.", error: "invalid_token")
        }
        return try await next(request, context)
    }

    private func unauthorized(_ detail: String, error: String?) -> APIProblem {
        var value = "Bearer realm=\"hireledger\""
        if let error { value += ", error=\"\(error)\"" }
        return APIProblem(.unauthorized, "Unauthorized", detail: detail, headers: [.wwwAuthenticate: value])
    }
}
