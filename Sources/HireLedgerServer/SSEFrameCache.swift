import HireLedger
import HireLedgerCore
import Hummingbird
import Synchronization

/// Encoded SSE frames of the unfiltered log, cached in chunks of consecutive positions, so that many
/// clients reading the same stretch of the log (the usual case: every client catching up from the
/// start, or all of them at the head) encode each event once instead of once per client.
///
/// A chunk covers positions `k*chunkSize+1 ... (k+1)*chunkSize`. Only complete chunks (the log already
/// reaches past their end) are cached, since the log is append-only and they never change; the
/// partial chunk at the head is encoded per request. Eviction is first-in first-out at `capacity`
/// chunks. Reads run in one short LMDB read transaction each, never across an `await`.
public final class SSEFrameCache: Sendable {
    struct Chunk: Sendable {
        var bytes: ByteBuffer
        /// Position and start offset in `bytes` of each frame.
        var seqs: [UInt64]
        var offsets: [Int]
    }

    public let store: LedgerStore
    public let source: String
    public let chunkSize: UInt64
    public let capacity: Int
    private let chunks: Mutex<(map: [UInt64: Chunk], order: [UInt64])>

    public init(store: LedgerStore, source: String, chunkSize: UInt64 = 512, capacity: Int = 256) {
        precondition(chunkSize > 0 && capacity > 0)
        self.store = store
        self.source = source
        self.chunkSize = chunkSize
        self.capacity = capacity
        chunks = Mutex(([:], []))
    }

    /// One SSE frame: `id: <seq>`, `event: <CloudEvents type>`, `data: <CloudEvent JSON>`.
    public static func frame(_ event: RecordedEvent, source: String, into buffer: inout ByteBuffer) {
        buffer.writeString("id: \(event.seq.value)\nevent: \(event.type.cloudEventType)\ndata: ")
        // Canonical JSON has no raw newlines (they are escaped in strings), so one data line holds it.
        buffer.writeBytes(event.cloudEvent(source: source).canonicalBytes())
        buffer.writeString("\n\n")
    }

    /// The frames of the events after `after` up to the end of `after`'s chunk (or the log's end),
    /// and the position the caller reads on from. Empty bytes with an unchanged position: nothing new.
    public func frames(after: LogPosition, last: LogPosition) throws -> (bytes: ByteBuffer, position: LogPosition) {
        guard after < last else { return (ByteBuffer(), after) }
        let k = after.value / chunkSize
        let chunkEnd = (k + 1) * chunkSize
        let chunk: Chunk
        if chunkEnd <= last.value {
            if let cached = chunks.withLock({ $0.map[k] }) {
                chunk = cached
            } else {
                chunk = try build(k)
                chunks.withLock { c in
                    if c.map[k] == nil {
                        c.map[k] = chunk
                        c.order.append(k)
                        if c.order.count > capacity { c.map[c.order.removeFirst()] = nil }
                    }
                }
            }
        } else {
            chunk = try build(k)
        }
        // First frame after `after` (positions are increasing within a chunk).
        var lo = 0, hi = chunk.seqs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if chunk.seqs[mid] <= after.value { lo = mid + 1 } else { hi = mid }
        }
        let end = chunkEnd <= last.value ? LogPosition(chunkEnd) : LogPosition(chunk.seqs.last ?? after.value)
        guard lo < chunk.seqs.count else { return (ByteBuffer(), max(after, end)) }
        let start = chunk.offsets[lo]
        let slice = chunk.bytes.getSlice(at: chunk.bytes.readerIndex + start, length: chunk.bytes.readableBytes - start)!
        return (slice, max(after, end))
    }

    private func build(_ k: UInt64) throws -> Chunk {
        let events = try store.events(after: LogPosition(k * chunkSize), limit: Int(chunkSize))
        var buffer = ByteBuffer()
        buffer.reserveCapacity(events.count * 1200)
        var seqs: [UInt64] = [], offsets: [Int] = []
        seqs.reserveCapacity(events.count)
        offsets.reserveCapacity(events.count)
        for e in events where e.seq.value <= (k + 1) * chunkSize {
            seqs.append(e.seq.value)
            offsets.append(buffer.writerIndex)
            SSEFrameCache.frame(e, source: source, into: &buffer)
        }
        return Chunk(bytes: buffer, seqs: seqs, offsets: offsets)
    }
}
