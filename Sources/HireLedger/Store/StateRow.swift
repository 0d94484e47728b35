import HireLedgerCore
import LMDB

/// One row of the `state` database: what the store currently knows of one record.
///
/// Storage form, version 2 (integers big-endian):
///
///     u8   row format version (2)
///     u8   flags: bit 0 deleted (a tombstone was recorded; `record` is then the last known record),
///                 bit 1 a raw hash follows
///     u64  content hash of the canonical record bytes
///     u64  seq of the last record event about this entity (0 when none was ever recorded)
///     u64  raw hash, only with flag bit 1
///     ...  canonical normalised record bytes, to the end of the value
///
/// Version 1 (written before raw hashes existed) is the same without flag bit 1 and the raw hash; it
/// is still read, as a row without a raw hash, and rewritten as version 2 the next time it is written.
public struct StateRow: Sendable, Hashable {
    /// The version `storageBytes()` writes.
    public static let formatVersion: UInt8 = 2

    /// `ContentHash` of `canonicalBytes`.
    public var hash: ContentHash
    /// The position of the last record event about this entity.
    public var lastSeq: LogPosition
    /// True after a tombstone (`record.<kind>.deleted`); the record is the last known one.
    public var deleted: Bool
    /// The hash of the record exactly as the API last sent it (`SyncService.rawHash`), before
    /// normalisation; nil when unknown. Rule: when set, those raw bytes normalise to `canonicalBytes`,
    /// so a later page holding the same raw bytes is unchanged without being parsed. Any write that
    /// changes the record without knowing its raw bytes must clear it.
    public var rawHash: ContentHash?
    /// The canonical bytes of the normalised record (`RecordNormalizer`).
    public var canonicalBytes: [UInt8]

    public init(hash: ContentHash, lastSeq: LogPosition, deleted: Bool, rawHash: ContentHash? = nil, canonicalBytes: [UInt8]) {
        self.hash = hash
        self.lastSeq = lastSeq
        self.deleted = deleted
        self.rawHash = rawHash
        self.canonicalBytes = canonicalBytes
    }

    /// A live row for a normalised record, with the raw hash of the bytes it came from if known.
    public init(_ record: NormalizedRecord, lastSeq: LogPosition, rawHash: ContentHash? = nil) {
        self.init(hash: record.hash, lastSeq: lastSeq, deleted: false, rawHash: rawHash, canonicalBytes: record.canonicalBytes)
    }

    /// Rows are equal when they hold the same knowledge of the record: `rawHash` is left out, being a
    /// cache of how the API last sent it (a store replayed from its log, say, has none until its next
    /// sync). Compare `rawHash` separately where it matters.
    public static func == (a: StateRow, b: StateRow) -> Bool {
        a.hash == b.hash && a.lastSeq == b.lastSeq && a.deleted == b.deleted && a.canonicalBytes == b.canonicalBytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
        hasher.combine(lastSeq)
        hasher.combine(deleted)
        hasher.combine(canonicalBytes)
    }

    /// The record, parsed from its canonical bytes.
    public func record() throws -> JSONValue { try JSONValue.parse(canonicalBytes) }

    public func storageBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(26 + canonicalBytes.count)
        out.append(StateRow.formatVersion)
        out.append((deleted ? 1 : 0) | (rawHash != nil ? 2 : 0))
        out.append(contentsOf: hash.value.bigEndianBytes)
        out.append(contentsOf: lastSeq.bigEndianBytes)
        if let rawHash { out.append(contentsOf: rawHash.value.bigEndianBytes) }
        out.append(contentsOf: canonicalBytes)
        return out
    }

    /// Decodes `storageBytes()` output, or a version-1 row; nil when it is neither.
    public init?(storageBytes bytes: UnsafeRawBufferPointer) {
        guard let header = StateRow.header(bytes),
              let seq = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[10..<18]))
        else { return nil }
        self.init(hash: header.hash, lastSeq: LogPosition(seq), deleted: header.deleted, rawHash: header.rawHash,
                  canonicalBytes: Array(bytes[header.recordOffset...]))
    }

    /// Reads only the hash and deleted flag of a stored row, without copying the record.
    static func peek(_ bytes: UnsafeRawBufferPointer) -> (hash: ContentHash, deleted: Bool)? {
        header(bytes).map { ($0.hash, $0.deleted) }
    }

    /// Reads the fixed fields of a stored row (version 1 or 2) and where its record starts.
    static func header(_ bytes: UnsafeRawBufferPointer)
        -> (hash: ContentHash, deleted: Bool, rawHash: ContentHash?, recordOffset: Int)? {
        guard bytes.count >= 18 else { return nil }
        let version = bytes[0], flags = bytes[1]
        guard let hash = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[2..<10])) else { return nil }
        switch version {
        case 1:
            guard flags & ~1 == 0 else { return nil }
            return (ContentHash(value: hash), flags & 1 != 0, nil, 18)
        case 2:
            guard flags & ~3 == 0 else { return nil }
            guard flags & 2 != 0 else { return (ContentHash(value: hash), flags & 1 != 0, nil, 18) }
            guard bytes.count >= 26,
                  let raw = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[18..<26])) else { return nil }
            return (ContentHash(value: hash), flags & 1 != 0, ContentHash(value: raw), 26)
        default:
            return nil
        }
    }
}
