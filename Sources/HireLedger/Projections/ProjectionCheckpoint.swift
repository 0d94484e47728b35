import HireLedgerCore
import LMDB

/// A projection's state as stored in the `projections` database, with the log prefix it covers.
/// Both the current checkpoint (`name@version`) and the periodic snapshots
/// (`name@version/snapshot/<seq, 8 bytes big-endian>`) use this form.
///
/// Storage form, version 1 (integers big-endian):
///
///     u8   format version (1)
///     u64  seq of the last event folded (0: none)
///     i64  observedAt of that event (ms since epoch; Int64.min when none)
///     ...  the projection's `encode` bytes, to the end of the value
public struct ProjectionCheckpoint: Sendable, Hashable {
    public static let formatVersion: UInt8 = 1
    static let headerSize = 17

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

    public func storageBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ProjectionCheckpoint.headerSize + stateBytes.count)
        out.append(ProjectionCheckpoint.formatVersion)
        out.append(contentsOf: position.bigEndianBytes)
        out.append(contentsOf: UInt64(bitPattern: observedAt?.millisecondsSinceEpoch ?? .min).bigEndianBytes)
        out.append(contentsOf: stateBytes)
        return out
    }

    /// Decodes `storageBytes()`; nil when the bytes are not a version-1 checkpoint.
    public init?(storageBytes b: UnsafeRawBufferPointer) {
        guard let header = ProjectionCheckpoint.peek(b) else { return nil }
        self.init(position: header.position, observedAt: header.observedAt,
                  stateBytes: Array(b[ProjectionCheckpoint.headerSize...]))
    }

    /// Position and observedAt of a stored checkpoint, without copying the state.
    public static func peek(_ b: UnsafeRawBufferPointer) -> (position: LogPosition, observedAt: Timestamp?)? {
        guard b.count >= headerSize, b[0] == formatVersion,
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
