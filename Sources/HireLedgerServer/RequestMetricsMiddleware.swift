import Hummingbird

/// Records every request in `ServerMetrics`: a count by route template (`/v1/state/{kind}/{id}`, never
/// the concrete path, so the label set stays small), method and status, and its duration (until the
/// response head is ready; a streamed body such as SSE is not included) by route, method and status class.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: Int) {
            metrics.recordRequest(route: Self.route(context), method: request.method.rawValue, status: status,
                                  duration: ContinuousClock.now - start)
        }
        do {
            let response = try await next(request, context)
            record(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            record(error.status.code)
            throw error
        } catch {
            record(500)
            throw error
        }
    }

    static func route(_ context: Context) -> String {
        // Hummingbird spells parameters `{name}` in endpointPath already; unmatched paths have none.
        context.endpointPath ?? "unmatched"
    }
}
