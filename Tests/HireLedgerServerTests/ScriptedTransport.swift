import CurlHTTP

/// An `HTTPTransport` for in-process tests that answers every request with `status`, sending nothing.
struct FixedStatusTransport: HTTPTransport {
    let status: Int
    func send(_ request: HTTPRequest) async throws -> HTTPResponse { HTTPResponse(status: status) }
}
