import HireLedgerCore
import LMDB

/// One row of the `state` database: what the store currently knows of one record.
///
/// Storage form, version 1 (integers big-endian):
///
///     u8   row format version (1)
///     u8   flags: bit 0 deleted (a tombstone was recorded; `record` is then the last known record)
///     u64  content hash of the canonical record bytes
///     u64  seq of the last record event about this entity (0 when none was ever recorded)
///     ...  canonical normalised record bytes, to the end of the value
public struct StateRow: Sendable, Hashable {
    public static let formatVersion: UInt8 = 1

    /// `ContentHash` of `canonicalBytes`.
    public var hash: ContentHash
    /// The position of the last record event about this entity.
    public var lastSeq: LogPosition
    /// True after a tombstone (`record.<kind>.deleted`); the record is the last known one.
    public var deleted: Bool
    /// The canonical bytes of the normalised record (`RecordNormalizer`).
    public var canonicalBytes: [UInt8]

    public init(hash: ContentHash, lastSeq: LogPosition, deleted: Bool, canonicalBytes: [UInt8]) {
        self.hash = hash
        self.lastSeq = lastSeq
        self.deleted = deleted
        self.canonicalBytes = canonicalBytes
    }

    /// A live row for a normalised record.
    public init(_ record: NormalizedRecord, lastSeq: LogPosition) {
        self.init(hash: record.hash, lastSeq: lastSeq, deleted: false, canonicalBytes: record.canonicalBytes)
    }

    /// The record, parsed from its canonical bytes.
    public func record() throws -> JSONValue { try JSONValue.parse(canonicalBytes) }

    public func storageBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(18 + canonicalBytes.count)
        out.append(StateRow.formatVersion)
        out.append(deleted ? 1 : 0)
        out.append(contentsOf: hash.value.bigEndianBytes)
        out.append(contentsOf: lastSeq.bigEndianBytes)
        out.append(contentsOf: canonicalBytes)
        return out
    }

    /// Decodes `storageBytes()` output; nil when it is not a version-1 row.
    public init?(storageBytes bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 18, bytes[0] == StateRow.formatVersion, bytes[1] & ~1 == 0,
              let hash = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[2..<10])),
              let seq = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[10..<18]))
        else { return nil }
        self.init(hash: ContentHash(value: hash), lastSeq: LogPosition(seq), deleted: bytes[1] & 1 != 0,
                  canonicalBytes: Array(bytes[18...]))
    }

    /// Reads only the hash and deleted flag of a stored row, without copying the record.
    static func peek(_ bytes: UnsafeRawBufferPointer) -> (hash: ContentHash, deleted: Bool)? {
        guard bytes.count >= 18, bytes[0] == StateRow.formatVersion,
              let hash = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[2..<10]))
        else { return nil }
        return (ContentHash(value: hash), bytes[1] & 1 != 0)
    }
}
