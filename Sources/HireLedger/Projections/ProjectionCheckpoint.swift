import HireLedgerCore
import LMDB

/// A projection's state as stored in the `projections` database, with the log prefix it covers.
/// Both the current checkpoint (`name@version`) and the periodic snapshots
/// (`name@version/snapshot/<seq, 8 bytes big-endian>`) use this form.
///
/// Storage form, version 2 (store format 5; integers big-endian):
///
///     u8   format version (2)
///     u64  seq of the last event folded (0: none)
///     i64  observedAt of that event (ms since epoch; Int64.min when none)
///     ...  the projection's `encode` bytes in `ValueCodec` form (a codec byte, then the bytes
///          zstd-compressed without a dictionary, or plain when that is not smaller)
///
/// Version 1 is the same with the `encode` bytes plain and no codec byte; it is still read.
/// Why compressed: a projection's state is tens of megabytes of JSON or tables on a large account
/// (27 MB for the headcount, 13 MB for the plan changes, 10 MB for the pipeline on 489k events), which
/// compresses about 8x; a cold query then reads a few MB of the file and decompresses at ~1 GB/s.
public struct ProjectionCheckpoint: Sendable, Hashable {
    public static let formatVersion: UInt8 = 2
    public static let headerSize = 17
    /// The largest state a checkpoint may declare when compressed (a damaged size field must not
    /// allocate more).
    static let maximumStateLength: UInt64 = 4 << 30
    /// Compresses and decompresses states (no dictionaries: one state is large enough on its own).
    static let codec = ValueCodec()

    /// The state covers the events at positions 1 through `position`.
    public var position: LogPosition
    /// `observedAt` of the event at `position` (nil for an empty prefix).
    public var observedAt: Timestamp?
    /// The projection's encoded state.
    public var stateBytes: [UInt8]

    public init(position: LogPosition, observedAt: Timestamp?, stateBytes: [UInt8]) {
        self.position = position
        self.observedAt = observedAt
        self.stateBytes = stateBytes
    }

    /// The storage form (version 2, the state compressed).
    public func storageBytes() -> [UInt8] {
        let body = ProjectionCheckpoint.codec.encode(stateBytes, family: "")
        var out: [UInt8] = []
        out.reserveCapacity(ProjectionCheckpoint.headerSize + body.count)
        out.append(ProjectionCheckpoint.formatVersion)
        out.append(contentsOf: position.bigEndianBytes)
        out.append(contentsOf: UInt64(bitPattern: observedAt?.millisecondsSinceEpoch ?? .min).bigEndianBytes)
        out.append(contentsOf: body)
        return out
    }

    /// Decodes `storageBytes()` (either version); nil when the bytes are not a checkpoint.
    public init?(storageBytes b: UnsafeRawBufferPointer) {
        guard let header = ProjectionCheckpoint.peek(b),
              let state = try? ProjectionCheckpoint.withState(b, { Array($0) }) else { return nil }
        self.init(position: header.position, observedAt: header.observedAt, stateBytes: state)
    }

    /// Lends the state bytes of a stored checkpoint to `body`: in place for a version-1 or plain
    /// value, decompressed once otherwise. Throws when the bytes are not a checkpoint.
    public static func withState<R>(_ b: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard peek(b) != nil else { throw ValueCodecError.malformed("not a projection checkpoint") }
        let rest = UnsafeRawBufferPointer(rebasing: b[headerSize...])
        if b[0] == 1 { return try body(rest) }
        guard let codecByte = rest.first else { throw ValueCodecError.malformed("a checkpoint without its state") }
        if codecByte == 0 { return try body(UnsafeRawBufferPointer(rebasing: rest[1...])) }
        let plain = try codec.decode(rest, maximumLength: maximumStateLength)
        return try plain.withUnsafeBytes(body)
    }

    /// Position and observedAt of a stored checkpoint, without reading the state.
    public static func peek(_ b: UnsafeRawBufferPointer) -> (position: LogPosition, observedAt: Timestamp?)? {
        guard b.count >= headerSize, b[0] == 1 || b[0] == formatVersion,
              let seq = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: b[1..<9])),
              let at = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: b[9..<17]))
        else { return nil }
        let ms = Int64(bitPattern: at)
        return (LogPosition(seq), ms == .min ? nil : Timestamp(millisecondsSinceEpoch: ms))
    }
}

/// A checkpoint encoded by a runner (`ProjectionRunner.pendingCheckpoint`), for the thread that may
/// block on a write (the store's writer thread) to store with `write(to:)`.
public struct ProjectionCheckpointWrite: Sendable {
    /// The position the checkpoint covers.
    public let position: LogPosition
    let key: [UInt8]
    let value: [UInt8]
    /// Where to keep a snapshot of it too, if anywhere.
    let snapshotKey: [UInt8]?
    /// The entries of the projection's other versions, removed in the same transaction.
    let otherVersionsPrefix: [UInt8]

    /// Size of the stored value.
    public var byteCount: Int { value.count }

    /// Stores the checkpoint (and snapshot) in one transaction, unless the store already holds a
    /// checkpoint covering more of the log; says whether it did. Blocks on the writer lock and the
    /// commit's fsync: never call it from async code.
    public func write(to store: LedgerStore) throws -> Bool {
        var writes: [ProjectionWrite] = [.put(key: key, value: value)]
        if let snapshotKey { writes.append(.put(key: snapshotKey, value: value)) }
        writes.append(.deletePrefix(otherVersionsPrefix, keeping: key))
        let position = position
        return try store.writeProjections(writes, checkKey: key) { stored in
            guard let head = ProjectionCheckpoint.peek(stored) else { return false }
            return head.position > position
        }
    }
}
