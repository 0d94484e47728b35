import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state of one request while libcurl works on it: the request, the easy handle it runs on, the
/// header list, and the response bytes gathered by the callbacks.
///
/// Thread rules (why `@unchecked Sendable` is sound):
/// - `request`, `method`, `headerLines`, `timeoutMilliseconds` and `maximumResponseBytes` are set in
///   `init` and never change.
/// - `continuation` is written once by the sending task before the transfer is handed to the driver;
///   the hand-off goes through the driver's mutex, which orders that write before every driver read.
/// - `cancelRequested` is read and written only while holding the driver's mutex.
/// - Everything else is touched only on the driver thread (setup, libcurl callbacks, completion).
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPRequest
    /// The method in upper case, validated as an HTTP token.
    let method: String
    /// "Name: value" lines (or "Name;" for an empty value, libcurl's spelling), validated.
    let headerLines: [String]
    let timeoutMilliseconds: Int?
    let maximumResponseBytes: Int

    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    var cancelRequested = false

    // Driver-thread state.
    var easy: EasyHandle?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var responseHeaders: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var responseTooLarge = false
    /// Why `connectGuard` refused the last address libcurl tried, if it did.
    var refusedAddress: String?
    var connectGuard: (@Sendable ([UInt8]) -> String?)?
    private var finished = false

    /// Validates the request (method and header syntax); throws `.invalidRequest` naming the problem.
    init(request: HTTPRequest, configuration: CurlTransport.Configuration) throws(HTTPTransportError) {
        self.request = request
        let upper = request.method.uppercased()
        func invalid(_ detail: String) -> HTTPTransportError {
            HTTPTransportError(kind: .invalidRequest, method: upper, url: request.url, detail: detail)
        }
        guard !upper.isEmpty, upper.utf8.allSatisfy(CurlTransfer.isTokenByte) else {
            throw invalid("the method \"\(upper)\" is not an HTTP token; use letters such as GET or POST")
        }
        guard !request.url.isEmpty, !request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw invalid("the URL is empty or contains spaces or control characters; percent-encode them")
        }
        var lines: [String] = []
        lines.reserveCapacity(request.headers.count + 2)
        var hasContentType = false
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(CurlTransfer.isTokenByte) else {
                throw invalid("the header name \"\(name)\" is not an HTTP token")
            }
            // The value is deliberately not quoted: it may be a secret.
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw invalid("the value of header \"\(name)\" contains a line break or NUL byte")
            }
            if name.lowercased() == "content-type" { hasContentType = true }
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // libcurl would wait up to a second for "100 Continue" before sending a larger body.
        lines.append("Expect:")
        // libcurl labels every POST body application/x-www-form-urlencoded unless told otherwise; a
        // wrong label is worse than none.
        if !hasContentType { lines.append("Content-Type:") }
        headerLines = lines
        method = upper
        if let seconds = request.timeout ?? configuration.timeout {
            timeoutMilliseconds = max(1, Int((seconds * 1000).rounded(.up)))
        } else {
            timeoutMilliseconds = nil
        }
        maximumResponseBytes = configuration.maximumResponseBytes
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    // MARK: driver thread

    /// Sets every option for this request on `easy` (freshly reset). Returns the first failing
    /// `CURLcode`, or `CURLE_OK`.
    func configure(_ easy: EasyHandle, _ configuration: CurlTransport.Configuration) -> CURLcode {
        self.easy = easy
        let h = easy.raw
        let context = Unmanaged.passUnretained(self).toOpaque()
        var first = CURLE_OK
        func check(_ code: CURLcode) { if first == CURLE_OK && code != CURLE_OK { first = code } }

        check(ccurl_setopt_string(h, CURLOPT_URL, request.url))
        check(ccurl_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(ccurl_setopt_long(h, CURLOPT_NOSIGNAL, 1))
        check(ccurl_setopt_pointer(h, CURLOPT_ERRORBUFFER, easy.errorBuffer))
        check(ccurl_setopt_write_callback(h, CURLOPT_WRITEFUNCTION, curlTransferWriteBody))
        check(ccurl_setopt_pointer(h, CURLOPT_WRITEDATA, context))
        check(ccurl_setopt_write_callback(h, CURLOPT_HEADERFUNCTION, curlTransferWriteHeader))
        check(ccurl_setopt_pointer(h, CURLOPT_HEADERDATA, context))
        // "" offers every decoder this libcurl has (gzip, deflate, br, zstd) and decodes transparently.
        check(ccurl_setopt_string(h, CURLOPT_ACCEPT_ENCODING, ""))
        // Reads of up to 128 KiB instead of libcurl's 16 KiB: an Ashby page is 100-400 KB, and each read
        // is a trip through libcurl's loop and our write callback. Measured: the demo (13k small history
        // requests and 7k pages) in 0.94x the time, five alternated pairs, every pair faster.
        check(ccurl_setopt_long(h, CURLOPT_BUFFERSIZE, 128 * 1024))
        check(ccurl_setopt_long(h, CURLOPT_TCP_KEEPALIVE, 1))
        check(ccurl_setopt_long(h, CURLOPT_TCP_KEEPIDLE, configuration.tcpKeepAliveIdleSeconds))
        check(ccurl_setopt_long(h, CURLOPT_TCP_KEEPINTVL, configuration.tcpKeepAliveIdleSeconds))
        // On HTTP/2, wait for an existing connection to multiplex on rather than opening another.
        check(ccurl_setopt_long(h, CURLOPT_PIPEWAIT, 1))
        check(ccurl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS,
                                max(1, Int((configuration.connectTimeout * 1000).rounded(.up)))))
        if let timeoutMilliseconds {
            check(ccurl_setopt_long(h, CURLOPT_TIMEOUT_MS, timeoutMilliseconds))
        }
        if configuration.lowSpeedTimeSeconds > 0 {
            check(ccurl_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, configuration.lowSpeedLimitBytesPerSecond))
            check(ccurl_setopt_long(h, CURLOPT_LOW_SPEED_TIME, configuration.lowSpeedTimeSeconds))
        }
        if configuration.followRedirects {
            check(ccurl_setopt_long(h, CURLOPT_FOLLOWLOCATION, 1))
            check(ccurl_setopt_long(h, CURLOPT_MAXREDIRS, 5))
            check(ccurl_setopt_string(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        }
        if let userAgent = configuration.userAgent {
            check(ccurl_setopt_string(h, CURLOPT_USERAGENT, userAgent))
        }
        if let guardFunction = configuration.connectGuard {
            connectGuard = guardFunction
            check(ccurl_setopt_opensocket_callback(h, CURLOPT_OPENSOCKETFUNCTION, curlTransferOpenSocket))
            check(ccurl_setopt_pointer(h, CURLOPT_OPENSOCKETDATA, context))
            check(ccurl_setopt_string(h, CURLOPT_PROXY, ""))
        }
        if let caInfoPath = configuration.caInfoPath {
            check(ccurl_setopt_string(h, CURLOPT_CAINFO, caInfoPath))
        }

        switch method {
        case "GET" where request.body.isEmpty:
            check(ccurl_setopt_long(h, CURLOPT_HTTPGET, 1))
        case "HEAD":
            check(ccurl_setopt_long(h, CURLOPT_NOBODY, 1))
        default:
            // Any method with a body (and POST always): libcurl copies the bytes now, so nothing of
            // ours has to outlive this call. The size goes first so bytes after a NUL are kept.
            check(ccurl_setopt_off(h, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            // An empty array may have no storage; libcurl needs a non-NULL pointer even for 0 bytes.
            let bytes = request.body.isEmpty ? [0] : request.body
            bytes.withUnsafeBytes { buffer in
                check(ccurl_setopt_pointer(h, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
            }
            if method != "POST" {
                check(ccurl_setopt_string(h, CURLOPT_CUSTOMREQUEST, method))
            }
        }

        var list: UnsafeMutablePointer<curl_slist>?
        for line in headerLines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                return CURLE_OUT_OF_MEMORY
            }
            list = appended
        }
        headerList = list
        check(ccurl_setopt_slist(h, CURLOPT_HTTPHEADER, list))
        return first
    }

    /// Called by libcurl with a chunk of (decoded) body.
    func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return 0 }
        if body.count + count > maximumResponseBytes {
            responseTooLarge = true
            return 0   // anything but `count` makes libcurl abort with CURLE_WRITE_ERROR
        }
        body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        return count
    }

    /// Called by libcurl with one complete header line (status lines and the blank line included).
    func receiveHeaderLine(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data else { return count }
        let bytes = UnsafeRawBufferPointer(start: data, count: count)
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        let line = bytes[0..<end]
        if line.starts(with: "HTTP/".utf8) {
            // A new response starts (after 100 Continue, or a redirect): keep only the final one's headers.
            responseHeaders.removeAll(keepingCapacity: true)
        } else if let first = line.first, first == 0x20 || first == 0x09, !responseHeaders.isEmpty {
            // Obsolete line folding: continuation of the previous value.
            responseHeaders[responseHeaders.count - 1].value += " " + trimmed(line)
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            let value = trimmed(line[(colon + 1)...])
            responseHeaders.append((name: name, value: value))
            // The body's size up front: reserved once rather than grown chunk by chunk (a 400 KB page
            // would be copied five times). Only as far as the response limit; the header is a hint only.
            if body.isEmpty, name.count == 14, name.lowercased() == "content-length", let length = Int(value), length > 0 {
                body.reserveCapacity(min(length, maximumResponseBytes))
            }
        }
        return count
    }

    private func trimmed(_ bytes: UnsafeRawBufferPointer.SubSequence) -> String {
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return String(decoding: slice, as: UTF8.self)
    }

    /// Called by libcurl before each connect: vets the address with `connectGuard`, then opens the socket.
    func openSocket(_ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        let family = address.pointee.family
        var bytes: [UInt8] = []
        // `addr` is followed by the rest of the address (libcurl allocates `addrlen` bytes), so read
        // through a pointer into libcurl's struct, never a copy of the 16-byte `sockaddr`.
        let base = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
        let length = Int(address.pointee.addrlen)
        if family == AF_INET, length >= MemoryLayout<sockaddr_in>.size {
            let a = base.loadUnaligned(as: sockaddr_in.self).sin_addr
            bytes = withUnsafeBytes(of: a) { Array($0) }
        } else if family == AF_INET6, length >= MemoryLayout<sockaddr_in6>.size {
            let a = base.loadUnaligned(as: sockaddr_in6.self).sin6_addr
            bytes = withUnsafeBytes(of: a) { Array($0) }
        }
        guard !bytes.isEmpty else {
            refusedAddress = "only IP connections are allowed (address family \(family))"
            return CURL_SOCKET_BAD
        }
        if let why = connectGuard?(bytes) {
            refusedAddress = why
            return CURL_SOCKET_BAD
        }
        refusedAddress = nil
        return socket(family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
    }

    /// Frees what `configure` allocated; the easy handle goes back to the caller.
    func releaseResources() -> EasyHandle? {
        curl_slist_free_all(headerList)
        headerList = nil
        let handle = easy
        easy = nil
        return handle
    }

    /// Resumes the waiting task exactly once.
    func finish(_ result: Result<HTTPResponse, any Error>) {
        guard !finished, let continuation else { return }
        finished = true
        self.continuation = nil
        body = []
        responseHeaders = []
        continuation.resume(with: result)
    }
}

// libcurl callbacks: C function pointers cannot capture, so the transfer travels as the context pointer.
// The driver keeps the transfer alive (in its table of active transfers) for as long as libcurl may
// call these.
private let curlTransferWriteBody: curl_write_callback = { data, size, count, context in
    Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().receiveBody(data, size * count)
}

private let curlTransferOpenSocket: curl_opensocket_callback = { context, _, address in
    guard let context, let address else { return CURL_SOCKET_BAD }
    return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().openSocket(address)
}

private let curlTransferWriteHeader: curl_write_callback = { data, size, count, context in
    Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().receiveHeaderLine(data, size * count)
}
