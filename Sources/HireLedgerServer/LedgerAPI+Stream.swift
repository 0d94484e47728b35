import HireLedger
import HireLedgerCore
import Hummingbird
import ServiceLifecycle

extension LedgerAPI {
    /// `GET /v1/events/stream`: Server-Sent Events, one per log event (`id:` seq, `event:` CloudEvents
    /// type, `data:` the CloudEvent), from after `Last-Event-ID` (else `?after=`, else the start), then
    /// new events as they are appended; a `: heartbeat` comment every `heartbeatSeconds` when idle.
    /// The stream ends on graceful shutdown (after sending what the log already holds).
    func eventStream(_ request: Request) throws -> Response {
        let q = QueryParameters(request)
        try q.allowOnly(["after", "types"])
        var start = try q.position("after") ?? .none
        if let header = request.headers[.init("Last-Event-ID")!] {
            // Any decimal number is an id this stream could have sent; one past the largest position
            // simply means "after everything".
            let digits = header.trimmingWhitespace()
            guard !digits.isEmpty, digits.utf8.allSatisfy({ (48...57).contains($0) }) else {
                throw APIProblem.badParameter("Last-Event-ID", "the Last-Event-ID header must be the id of an event of this stream (its seq, a decimal number); got '\(header.prefix(40))'.")
            }
            start = LogPosition(parsing: digits) ?? .maximum
        }
        let types = try q.typeFilter("types")
        let heartbeat = Duration.seconds(options.heartbeatSeconds)
        let api = self, from = start
        let body = ResponseBody { writer in
            api.metrics.sseConnected()
            defer { api.metrics.sseDisconnected() }
            // Tells EventSource clients how long to wait before reconnecting.
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            var position = from
            while true {
                let last = try api.store.lastPosition
                if position < last {
                    let (bytes, sent, next) = try api.nextFrames(after: position, last: last, types: types)
                    if sent > 0 {
                        try await writer.write(bytes)
                        api.metrics.sseSent(sent)
                    }
                    position = next
                    continue
                }
                let wake = await withGracefulShutdownHandler {
                    await api.watcher.wait(after: position, timeout: heartbeat)
                } onGracefulShutdown: {
                    api.watcher.close()
                }
                switch wake {
                case .advanced: continue
                case .timedOut: try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                case .closed: try await writer.finish(nil); return
                }
            }
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache",
                                               .init("X-Accel-Buffering")!: "no"], body: body)
    }

    /// The frames after `position` (up to one cache chunk, or 500 filtered events), how many, and
    /// where to read on. Synchronous: its read transactions end before the caller awaits.
    func nextFrames(after position: LogPosition, last: LogPosition, types: EventTypeFilter) throws -> (ByteBuffer, Int, LogPosition) {
        if types.matchesAll {
            let (bytes, next) = try frames.frames(after: position, last: last)
            // Frames are "id: ..." blocks; count them by their ids for the metrics.
            var count = 0
            bytes.withUnsafeReadableBytes { raw in
                var atLineStart = true
                for b in raw {
                    if atLineStart && b == UInt8(ascii: "i") { count += 1 }
                    atLineStart = b == UInt8(ascii: "\n")
                }
            }
            return (bytes, count, next)
        }
        let limit = 500
        let events = try store.events(after: position, limit: limit, types: types)
        var buffer = ByteBuffer()
        for e in events { SSEFrameCache.frame(e, source: source, into: &buffer) }
        // A short page means the scan reached the log's end, which is at least `last`.
        let next = events.count == limit ? events.last!.seq : max(last, events.last?.seq ?? position)
        return (buffer, events.count, next)
    }
}
