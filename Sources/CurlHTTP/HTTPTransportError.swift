/// Why no HTTP response arrived for a request: refused, unresolvable, timed out, reset, or rejected
/// before sending.
///
/// An HTTP error status (404, 503, ...) is not an `HTTPTransportError`: it arrives as an `HTTPResponse`.
/// The message names the method and URL with any `user:password@` part removed, plus libcurl's own
/// code and text; it never contains header values (so an `Authorization` header cannot leak into logs).
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The failure class callers branch on; `curlCode` carries the precise cause.
    public enum Kind: String, Sendable, Hashable {
        /// No TCP connection could be made (refused, host or network unreachable). curl code 7.
        case connectionRefused
        /// The connect timeout, the total timeout or the low-speed limit fired. curl code 28.
        case timedOut
        /// The host name (or proxy name) did not resolve. curl codes 5, 6.
        case couldNotResolve
        /// The connection broke mid-exchange: nothing came back, a send or receive failed, the body
        /// was shorter than announced, or an HTTP/2 stream was reset. curl codes 16, 18, 52, 55, 56, 92.
        case connectionReset
        /// The transfer was stopped by the transport itself (it was shut down). A cancelled Swift task
        /// throws `CancellationError` instead.
        case cancelled
        /// The request could not be sent as given: malformed URL or method, header with a line break,
        /// unsupported scheme. Retrying cannot help.
        case invalidRequest
        /// The transport's `connectGuard` refused every address the host resolved to (for example a
        /// loopback or private address for a webhook); `detail` says which and why.
        case addressRefused
        /// The response body exceeded `CurlTransport.Configuration.maximumResponseBytes`.
        case responseTooLarge
        /// Anything else libcurl reports (TLS failures, protocol errors, ...); see `curlCode`.
        case other
    }

    public var kind: Kind
    /// libcurl's `CURLcode`, or nil when the error was raised before libcurl was involved.
    public var curlCode: Int?
    /// The request's method.
    public var method: String
    /// The request's URL without user info.
    public var url: String
    /// What went wrong, in libcurl's words when it has any (its error buffer, else `curl_easy_strerror`).
    public var detail: String

    public init(kind: Kind, curlCode: Int? = nil, method: String, url: String, detail: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.method = method
        self.url = HTTPTransportError.redacting(url: url)
        self.detail = detail
    }

    /// True when the same request may succeed if sent again: the failure happened in the network
    /// (refused, timed out, reset, truncated, DNS), not in the request. Whether re-sending is *safe*
    /// (idempotency) is the caller's decision.
    ///
    /// DNS failures count as retryable: a resolver hiccup looks the same as a misspelled host, and a
    /// few bounded retries cost little in the second case.
    public var isRetryable: Bool {
        switch kind {
        case .connectionRefused, .timedOut, .couldNotResolve, .connectionReset: return true
        case .cancelled, .invalidRequest, .responseTooLarge, .addressRefused, .other: return false
        }
    }

    public var description: String {
        let code = curlCode.map { " (curl error \($0))" } ?? ""
        return "HTTP \(method) \(url) failed: \(kind.rawValue)\(code): \(detail)"
    }

    /// Classifies a libcurl result code.
    public static func classify(curlCode code: Int) -> Kind {
        switch code {
        case 7: return .connectionRefused                          // CURLE_COULDNT_CONNECT
        case 28: return .timedOut                                  // CURLE_OPERATION_TIMEDOUT
        case 5, 6: return .couldNotResolve                         // CURLE_COULDNT_RESOLVE_PROXY/_HOST
        case 16, 18, 52, 55, 56, 92: return .connectionReset       // HTTP2, PARTIAL_FILE, GOT_NOTHING,
                                                                   // SEND_ERROR, RECV_ERROR, HTTP2_STREAM
        case 42: return .cancelled                                 // CURLE_ABORTED_BY_CALLBACK
        case 1, 3, 43, 48: return .invalidRequest                  // UNSUPPORTED_PROTOCOL, URL_MALFORMAT,
                                                                   // BAD_FUNCTION_ARGUMENT, UNKNOWN_OPTION
        default: return .other
        }
    }

    /// `url` with any `user:password@` in its authority removed, so error messages and logs never carry
    /// credentials. Path and query are kept (they are needed to tell requests apart).
    public static func redacting(url: String) -> String {
        let bytes = Array(url.utf8)
        // The authority starts after "://" and ends at the first "/", "?" or "#".
        var start = 0
        var found = false
        while start + 2 < bytes.count {
            if bytes[start] == UInt8(ascii: ":") && bytes[start + 1] == UInt8(ascii: "/")
                && bytes[start + 2] == UInt8(ascii: "/") {
                found = true
                break
            }
            start += 1
        }
        guard found else { return url }
        let authorityStart = start + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count, ![UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")]
            .contains(bytes[authorityEnd]) {
            authorityEnd += 1
        }
        guard let at = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) else { return url }
        return String(decoding: bytes[..<authorityStart] + bytes[(at + 1)...], as: UTF8.self)
    }
}
