import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide libcurl set-up, done once before the first handle is created.
enum CurlGlobal {
    /// Evaluated once, thread-safely (Swift's lazy global initialisation).
    private static let initialised: Bool = {
        // curl_global_init is not thread-safe with respect to other libcurl calls on older builds; doing
        // it once before any handle exists removes the question.
        let code = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        // Every handle sets CURLOPT_NOSIGNAL (signals and threads do not mix), so libcurl no longer
        // ignores SIGPIPE on its own; a peer closing a socket we write to must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        return code == CURLE_OK
    }()

    /// Makes sure libcurl is initialised; false when `curl_global_init` failed (out of memory).
    static func ensureInitialised() -> Bool { initialised }
}
