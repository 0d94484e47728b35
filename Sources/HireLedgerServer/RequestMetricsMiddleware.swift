import Hummingbird

/// Counts every request by route template (`/v1/state/{kind}/{id}`, never the concrete path, so the
/// label set stays small), method and status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.countRequest(route: Self.route(context), method: request.method.rawValue, status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            metrics.countRequest(route: Self.route(context), method: request.method.rawValue, status: error.status.code)
            throw error
        } catch {
            metrics.countRequest(route: Self.route(context), method: request.method.rawValue, status: 500)
            throw error
        }
    }

    static func route(_ context: Context) -> String {
        // Hummingbird spells parameters `{name}` in endpointPath already; unmatched paths are "NotFound".
        context.endpointPath ?? "unmatched"
    }
}
