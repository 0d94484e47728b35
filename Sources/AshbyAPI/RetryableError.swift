import CurlHTTP

/// An error that knows whether sending the same request again may succeed. The client retries a
/// transport failure only when it conforms and says so; any other error (and `CancellationError`)
/// ends the call at once.
///
/// CurlHTTP's `HTTPTransportError` has the matching `isRetryable` property; conforming it is one line
/// (`extension HTTPTransportError: RetryableError {}`), added where both modules are visible.
public protocol RetryableError: Error {
    var isRetryable: Bool { get }
}

// Lets the client retry libcurl failures that are worth another try (refused, reset, timed out, ...).
extension HTTPTransportError: RetryableError {}
