import HireLedgerCore
import LMDB

/// One row of the `state` database: what the store currently knows of one record.
///
/// Storage form, version 3 (integers big-endian):
///
///     u8   row format version (3)
///     u8   flags: bit 0 deleted (a tombstone was recorded; the record is then the last known one),
///                 bit 1 a raw hash follows, bit 2 the record is held by reference, bit 3 (with bit 2)
///                 the reference is the last record event itself (format 5: most rows, 8 bytes less)
///     u64  content hash of the canonical record bytes
///     u64  seq of the last record event about this entity (0 when none was ever recorded)
///     u64  raw hash, only with flag bit 1
///     then, with flag bit 2 and not bit 3: u64 seq of the created or restored event whose `record` is
///          this record (the record is stored once, in the log; with bit 3 that event is the last seq);
///     otherwise: the canonical normalised record bytes in `ValueCodec`'s encoded form (a codec byte,
///          then the bytes plain or compressed), to the end of the value.
///
/// Versions 1 and 2 (formats 1-3) held the canonical record bytes plain after the fixed fields
/// (version 1 without flag bit 1 and the raw hash); both are still read, and a row is rewritten as
/// version 3 the next time it is written.
public struct StateRow: Sendable, Hashable {
    /// The version `storageBytes()` writes.
    public static let formatVersion: UInt8 = 3

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
    /// Where the log holds these very bytes as the `record` of a created or restored event: the row
    /// is then stored as a reference to that event instead of a second copy. Nil: stored inline. Rule:
    /// set only when the event's record is byte-for-byte `canonicalBytes`; any write that changes the
    /// record must clear it.
    public var recordSeq: LogPosition?

    public init(hash: ContentHash, lastSeq: LogPosition, deleted: Bool, rawHash: ContentHash? = nil, canonicalBytes: [UInt8],
                recordSeq: LogPosition? = nil) {
        self.hash = hash
        self.lastSeq = lastSeq
        self.deleted = deleted
        self.rawHash = rawHash
        self.canonicalBytes = canonicalBytes
        self.recordSeq = recordSeq
    }

    /// A live row for a normalised record, with the raw hash of the bytes it came from if known.
    public init(_ record: NormalizedRecord, lastSeq: LogPosition, rawHash: ContentHash? = nil) {
        self.init(hash: record.hash, lastSeq: lastSeq, deleted: false, rawHash: rawHash, canonicalBytes: record.canonicalBytes)
    }

    /// Rows are equal when they hold the same knowledge of the record: `rawHash` is left out, being a
    /// cache of how the API last sent it (a store replayed from its log, say, has none until its next
    /// sync), and so is `recordSeq`, which says only where the bytes are kept. Compare `rawHash`
    /// separately where it matters.
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

    /// The storage form (version 3): a reference when `recordSeq` is set, otherwise the record encoded
    /// by `encodeRecord` (a `ValueCodec` form; plain by default).
    public func storageBytes(encodingRecord encodeRecord: ([UInt8]) -> [UInt8] = { [0] + $0 }) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(34 + (recordSeq == nil ? canonicalBytes.count + 1 : 0))
        out.append(StateRow.formatVersion)
        let referenceIsLast = recordSeq == lastSeq
        out.append((deleted ? 1 : 0) | (rawHash != nil ? 2 : 0) | (recordSeq != nil ? 4 : 0) | (referenceIsLast ? 8 : 0))
        out.append(contentsOf: hash.value.bigEndianBytes)
        out.append(contentsOf: lastSeq.bigEndianBytes)
        if let rawHash { out.append(contentsOf: rawHash.value.bigEndianBytes) }
        if let recordSeq {
            if !referenceIsLast { out.append(contentsOf: recordSeq.bigEndianBytes) }
        } else {
            out.append(contentsOf: encodeRecord(canonicalBytes))
        }
        return out
    }

    /// How a stored row holds its record.
    enum StoredRecord {
        /// Canonical bytes, plain (versions 1 and 2).
        case plain(UnsafeRawBufferPointer)
        /// `ValueCodec`'s encoded form (version 3).
        case encoded(UnsafeRawBufferPointer)
        /// The `record` of the event at this position (version 3, flag bit 2).
        case reference(LogPosition)
    }

    /// The fixed fields of a stored row and where its record is, without decoding the record; nil when
    /// the bytes are no row of a known version.
    static func parse(_ bytes: UnsafeRawBufferPointer)
        -> (hash: ContentHash, lastSeq: LogPosition, deleted: Bool, rawHash: ContentHash?, record: StoredRecord)? {
        guard let header = header(bytes),
              let seq = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[10..<18])) else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[header.recordOffset...])
        let record: StoredRecord
        switch (bytes[0], header.byReference) {
        case (3, true) where bytes[1] & 8 != 0:
            guard rest.isEmpty else { return nil }
            record = .reference(LogPosition(seq))
        case (3, true):
            guard rest.count == 8, let at = UInt64(bigEndianBytes: rest) else { return nil }
            record = .reference(LogPosition(at))
        case (3, false):
            guard !rest.isEmpty else { return nil }
            record = .encoded(rest)
        default:
            record = .plain(rest)
        }
        return (header.hash, LogPosition(seq), header.deleted, header.rawHash, record)
    }

    /// Decodes a row whose record is held plain (versions 1 and 2, or version 3 with codec 0); nil
    /// otherwise. Rows held compressed or by reference are read through the store (`LedgerStore.decodeRow`).
    public init?(storageBytes bytes: UnsafeRawBufferPointer) {
        guard let parsed = StateRow.parse(bytes) else { return nil }
        let canonical: [UInt8]
        switch parsed.record {
        case .plain(let b): canonical = Array(b)
        case .encoded(let b):
            guard b.first == 0 else { return nil }
            canonical = Array(b[1...])
        case .reference: return nil
        }
        self.init(hash: parsed.hash, lastSeq: parsed.lastSeq, deleted: parsed.deleted, rawHash: parsed.rawHash,
                  canonicalBytes: canonical)
    }

    /// Reads only the hash and deleted flag of a stored row, without copying the record.
    static func peek(_ bytes: UnsafeRawBufferPointer) -> (hash: ContentHash, deleted: Bool)? {
        header(bytes).map { ($0.hash, $0.deleted) }
    }

    /// Reads the fixed fields of a stored row (version 1, 2 or 3) and where its record starts.
    static func header(_ bytes: UnsafeRawBufferPointer)
        -> (hash: ContentHash, deleted: Bool, rawHash: ContentHash?, byReference: Bool, recordOffset: Int)? {
        guard bytes.count >= 18 else { return nil }
        let version = bytes[0], flags = bytes[1]
        guard let hash = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[2..<10])) else { return nil }
        switch version {
        case 1:
            guard flags & ~1 == 0 else { return nil }
            return (ContentHash(value: hash), flags & 1 != 0, nil, false, 18)
        case 2, 3:
            guard flags & ~(version == 3 ? 15 : 3) == 0, flags & 12 != 8 else { return nil }
            let byReference = flags & 4 != 0
            guard flags & 2 != 0 else { return (ContentHash(value: hash), flags & 1 != 0, nil, byReference, 18) }
            guard bytes.count >= 26,
                  let raw = UInt64(bigEndianBytes: UnsafeRawBufferPointer(rebasing: bytes[18..<26])) else { return nil }
            return (ContentHash(value: hash), flags & 1 != 0, ContentHash(value: raw), byReference, 26)
        default:
            return nil
        }
    }
}
