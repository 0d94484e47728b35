import CCurl

/// One libcurl easy handle plus the error buffer libcurl writes into during a transfer.
///
/// Used only on the `CurlDriver` thread, which reuses handles across requests (`curl_easy_reset` keeps
/// the handle's caches; live connections sit in the multi handle's pool either way).
final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    /// `CURL_ERROR_SIZE` bytes; registered with `CURLOPT_ERRORBUFFER` on every transfer (a reset forgets it).
    let errorBuffer: UnsafeMutablePointer<CChar>

    init?() {
        guard let raw = curl_easy_init() else { return nil }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// libcurl's detailed message for the last failed transfer, or "" when it wrote none.
    var errorMessage: String {
        errorBuffer[Int(CURL_ERROR_SIZE) - 1] = 0
        return String(cString: errorBuffer)
    }

    /// Forgets every option of the previous transfer; keeps connection, DNS and TLS-session caches.
    func reset() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
    }
}
