import CurlHTTP

// Lets the client retry libcurl failures that are worth another try (refused, reset, timed out, ...).
extension HTTPTransportError: RetryableError {}
