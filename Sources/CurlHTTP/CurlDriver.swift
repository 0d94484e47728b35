import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Runs libcurl's multi interface on one dedicated OS thread.
///
/// Why a driver thread and not a pool of threads each blocking in `curl_easy_perform`: one thread
/// serves any number of concurrent requests (the sync fans out to several endpoints), all connections
/// live in a single connection cache so every request can reuse any idle connection to its host,
/// HTTP/2 streams multiplex, and cancelling a transfer is just `curl_multi_remove_handle` on this thread
/// (no polling of a flag from a progress callback). No Swift task ever blocks: callers suspend on a
/// continuation that this thread resumes.
///
/// Thread rules (why `@unchecked Sendable` is sound):
/// - `multi`, `active`, `idleHandles` and every libcurl call except `curl_multi_wakeup` belong to the
///   driver thread. `multi` is created in `init` before the thread starts (thread creation orders it)
///   and cleaned up by the driver thread as its last act.
/// - `incoming`, `cancellations`, `stopRequested`, `closed` and `statistics` live in `shared`, a `Mutex`.
/// - `curl_multi_wakeup` is documented as callable from any thread; it is only called while holding
///   `shared`'s lock and while `closed` is false, so it never races with `curl_multi_cleanup`.
final class CurlDriver: @unchecked Sendable {
    private let configuration: CurlTransport.Configuration
    private let multi: UnsafeMutableRawPointer

    private struct Shared {
        var incoming: [CurlTransfer] = []
        var cancellations: [CurlTransfer] = []
        var stopRequested = false
        var closed = false
        var statistics = CurlTransport.Statistics()
    }
    private let shared = Mutex(Shared())

    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var idleHandles: [EasyHandle] = []

    /// Creates the multi handle and starts the driver thread. The thread keeps the driver alive until
    /// `stop()` is called.
    init(configuration: CurlTransport.Configuration) throws(HTTPTransportError) {
        func failure(_ detail: String) -> HTTPTransportError {
            HTTPTransportError(kind: .other, method: "-", url: "-", detail: detail)
        }
        guard CurlGlobal.ensureInitialised() else { throw failure("curl_global_init failed (out of memory?)") }
        guard let multi = curl_multi_init() else { throw failure("curl_multi_init failed (out of memory?)") }
        self.configuration = configuration
        self.multi = multi
        // A politeness cap per host; further requests to the host wait inside libcurl for a connection.
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maximumConnectionsPerHost)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(4, configuration.maximumConnectionsPerHost * 2))

        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            let driver = Unmanaged<CurlDriver>.fromOpaque(context!).takeRetainedValue()
            driver.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<CurlDriver>.fromOpaque(context).release()
            curl_multi_cleanup(multi)
            throw failure("could not start the libcurl driver thread (pthread_create returned \(status))")
        }
        pthread_detach(thread)
    }

    // MARK: any thread

    /// Hands a transfer to the driver thread, which will resume its continuation exactly once.
    func submit(_ transfer: CurlTransfer) {
        let refused: Bool = shared.withLock { s in
            guard !s.closed, !s.stopRequested else { return true }
            s.incoming.append(transfer)
            curl_multi_wakeup(multi)
            return false
        }
        if refused {
            // The transport is gone, so the driver thread will never see this transfer; it is safe to
            // resume from here because nobody else holds it.
            transfer.finish(.failure(HTTPTransportError(
                kind: .cancelled, method: transfer.method, url: transfer.request.url,
                detail: "the transport was shut down before the request was sent")))
        }
    }

    /// Asks the driver thread to abort `transfer` (its task was cancelled). Safe to call before
    /// `submit`, after completion, or more than once.
    func cancel(_ transfer: CurlTransfer) {
        shared.withLock { s in
            transfer.cancelRequested = true
            guard !s.closed else { return }
            s.cancellations.append(transfer)
            curl_multi_wakeup(multi)
        }
    }

    /// Ends the driver thread: transfers still running fail with `.cancelled`, then libcurl's handles
    /// and connections are closed on that thread.
    func stop() {
        shared.withLock { s in
            guard !s.closed else { return }
            s.stopRequested = true
            curl_multi_wakeup(multi)
        }
    }

    var currentStatistics: CurlTransport.Statistics { shared.withLock { $0.statistics } }

    // MARK: driver thread

    private func run() {
        var running: Int32 = 0
        while true {
            let (added, cancelled, stopping) = shared.withLock { s in
                defer { s.incoming.removeAll(); s.cancellations.removeAll() }
                return (s.incoming.map { ($0, $0.cancelRequested) }, s.cancellations, s.stopRequested)
            }
            for (transfer, alreadyCancelled) in added {
                if alreadyCancelled {
                    transfer.finish(.failure(CancellationError()))
                } else {
                    begin(transfer)
                }
            }
            for transfer in cancelled {
                guard let easy = transfer.easy, active[easy.raw] === transfer else { continue }
                active[easy.raw] = nil
                curl_multi_remove_handle(multi, easy.raw)
                recycle(transfer)
                transfer.finish(.failure(CancellationError()))
            }
            if stopping { break }

            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let raw = message.pointee.easy_handle,
                      let transfer = active.removeValue(forKey: raw) else { continue }
                // Read the result before removing the handle: that invalidates `message`.
                let code = ccurl_msg_result(message)
                complete(transfer, code)
            }
            // Sleeps until socket activity, libcurl's next timer, or curl_multi_wakeup.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }

        for transfer in active.values {
            if let easy = transfer.easy { curl_multi_remove_handle(multi, easy.raw) }
            _ = transfer.releaseResources()
            transfer.finish(.failure(HTTPTransportError(
                kind: .cancelled, method: transfer.method, url: transfer.request.url,
                detail: "the transport was shut down while the request was in flight")))
        }
        active.removeAll()
        let late: [CurlTransfer] = shared.withLock { s in
            s.closed = true
            defer { s.incoming.removeAll(); s.cancellations.removeAll() }
            return s.incoming
        }
        for transfer in late {
            transfer.finish(.failure(HTTPTransportError(
                kind: .cancelled, method: transfer.method, url: transfer.request.url,
                detail: "the transport was shut down before the request was sent")))
        }
        idleHandles.removeAll()   // curl_easy_cleanup for each, before the multi handle goes
        curl_multi_cleanup(multi)
    }

    private func begin(_ transfer: CurlTransfer) {
        let easy: EasyHandle
        if let reused = idleHandles.popLast() {
            easy = reused
        } else if let fresh = EasyHandle() {
            easy = fresh
        } else {
            transfer.finish(.failure(HTTPTransportError(
                kind: .other, method: transfer.method, url: transfer.request.url,
                detail: "curl_easy_init failed (out of memory?)")))
            return
        }
        let setup = transfer.configure(easy, configuration)
        guard setup == CURLE_OK else {
            recycle(transfer)
            transfer.finish(.failure(error(for: transfer, code: setup, easy: nil)))
            return
        }
        let added = curl_multi_add_handle(multi, easy.raw)
        guard added == CURLM_OK else {
            recycle(transfer)
            transfer.finish(.failure(HTTPTransportError(
                kind: .other, method: transfer.method, url: transfer.request.url,
                detail: "curl_multi_add_handle failed: \(String(cString: curl_multi_strerror(added)))")))
            return
        }
        active[easy.raw] = transfer
    }

    private func complete(_ transfer: CurlTransfer, _ code: CURLcode) {
        guard let easy = transfer.easy else { return }
        var status = 0
        var connects = 0
        _ = ccurl_getinfo_long(easy.raw, CURLINFO_RESPONSE_CODE, &status)
        _ = ccurl_getinfo_long(easy.raw, CURLINFO_NUM_CONNECTS, &connects)
        let result: Result<HTTPResponse, any Error>
        if code == CURLE_OK {
            result = .success(HTTPResponse(status: status, headers: transfer.responseHeaders, body: transfer.body))
        } else {
            result = .failure(error(for: transfer, code: code, easy: easy))
        }
        curl_multi_remove_handle(multi, easy.raw)
        recycle(transfer)
        shared.withLock { s in
            s.statistics.requestsCompleted += 1
            s.statistics.connectionsOpened += connects
            if code != CURLE_OK { s.statistics.requestsFailed += 1 }
        }
        transfer.finish(result)
    }

    private func error(for transfer: CurlTransfer, code: CURLcode, easy: EasyHandle?) -> HTTPTransportError {
        if transfer.responseTooLarge {
            return HTTPTransportError(
                kind: .responseTooLarge, curlCode: Int(code.rawValue), method: transfer.method,
                url: transfer.request.url,
                detail: "the response body exceeded \(transfer.maximumResponseBytes) bytes "
                    + "(CurlTransport.Configuration.maximumResponseBytes)")
        }
        if let refused = transfer.refusedAddress, code == CURLE_COULDNT_CONNECT {
            return HTTPTransportError(kind: .addressRefused, curlCode: Int(code.rawValue), method: transfer.method,
                                      url: transfer.request.url, detail: "connection refused by the address guard: \(refused)")
        }
        let summary = String(cString: curl_easy_strerror(code))
        let specific = easy?.errorMessage ?? ""
        let detail = specific.isEmpty || specific == summary ? summary : "\(summary): \(specific)"
        return HTTPTransportError(
            kind: HTTPTransportError.classify(curlCode: Int(code.rawValue)), curlCode: Int(code.rawValue),
            method: transfer.method, url: transfer.request.url, detail: detail)
    }

    /// Returns the transfer's easy handle to the idle pool (reset), freeing its header list.
    private func recycle(_ transfer: CurlTransfer) {
        guard let easy = transfer.releaseResources() else { return }
        easy.reset()
        if idleHandles.count < max(4, configuration.maximumConnectionsPerHost) {
            idleHandles.append(easy)
        }
    }
}
