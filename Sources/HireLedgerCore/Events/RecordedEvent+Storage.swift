/// The compact binary form of an event in the log (the value under its `seq` key).
///
/// Layout, storage version 3 (store format 5; all integers big-endian):
///
///     u8   storage version (3)
///     u8   flags: bit 0 occurredAtInferred, bit 1 backfilled, bit 2 causation present
///     i64  observedAt (ms since epoch)
///     i64  occurredAt (ms since epoch)
///     u64  causation seq           (only when flag bit 2)
///     u8   the type's storage code (`EventType.storageCode`)
///     ...  subject: EntityKey storage form (kind code, then a UUID's 16 bytes or the id as text)
///     ...  data, to the end of the value: a codec byte, then the canonical JSON bytes when it is 0;
///          any other codec is the store's (compression, `ValueCodec`) and is decoded by the
///          `dataDecoder` a reader passes.
///
/// The seq is the key the value is stored under (the log's key, which the value's checksum is seeded
/// with), so a reader passes it in. Version 2 (formats 3 and 4) has the seq after the version byte, the
/// type's wire name (u8 length, ASCII) instead of its code and the subject always in EntityKey's text
/// form; version 1 is version 2 without the codec byte (the canonical JSON right after the subject).
/// Both are still read (their seq checked against the one passed). The header (everything before the
/// data) is left uncompressed so that a reader can skip an event by its type or time without
/// decoding its data. Version 3 saves about 53 bytes per event (no seq, a 1-byte type, an 18-byte subject).
///
/// A reader must check the version byte first; a new layout takes a new version number and readers
/// keep decoding the old ones.
extension RecordedEvent {
    /// The version `storageBytes` writes.
    public static let storageFormatVersion: UInt8 = 3
    /// The versions readers decode.
    public static let readableStorageFormatVersions: ClosedRange<UInt8> = 1...3

    /// The storage form with the data plain (codec 0).
    public func storageBytes() -> [UInt8] {
        storageBytes(encodingData: { [0] + $0 })
    }

    /// The storage form with the data encoded by `encode`, which gets the canonical JSON bytes and
    /// returns the codec byte followed by the encoded bytes (`ValueCodec.encode` in the store).
    public func storageBytes(encodingData encode: ([UInt8]) -> [UInt8]) -> [UInt8] {
        var out = storageHeaderBytes()
        out.append(contentsOf: encode(data.canonicalBytes()))
        return out
    }

    /// Everything before the data, in storage version `version` (3, the current one, or 2, which a
    /// store of format 4 or older holds: for the tests that make such stores).
    public func storageHeaderBytes(version: UInt8 = RecordedEvent.storageFormatVersion) -> [UInt8] {
        precondition(version == 2 || version == 3, "only storage versions 2 and 3 are written")
        var out: [UInt8] = []
        out.reserveCapacity(64 + subject.id.utf8.count)
        out.append(version)
        if version == 2 { out.append(contentsOf: seq.bigEndianBytes) }
        var flags: UInt8 = 0
        if occurredAtInferred { flags |= 1 }
        if backfilled { flags |= 2 }
        if causation != nil { flags |= 4 }
        out.append(flags)
        out.append(contentsOf: LogPosition(UInt64(bitPattern: observedAt.millisecondsSinceEpoch)).bigEndianBytes)
        out.append(contentsOf: LogPosition(UInt64(bitPattern: occurredAt.millisecondsSinceEpoch)).bigEndianBytes)
        if let c = causation { out.append(contentsOf: c.bigEndianBytes) }
        if version == 3 {
            out.append(type.storageCode)
            subject.appendStorageBytes(to: &out)
        } else {
            let wire = type.wireName.utf8
            precondition(wire.count < 256, "event type wire names are short")
            out.append(UInt8(wire.count))
            out.append(contentsOf: wire)
            subject.appendStorageBytes(to: &out, compact: false)
        }
        return out
    }

    /// The event type whose wire name is `bytes` (ASCII), or nil: the same answer as
    /// `EventType(wireName:)`, without making a `String` (for storage versions 1 and 2).
    ///
    /// Why: reading a stored event's type runs for every event a projection rebuild scans (a million
    /// of them); `EventType(wireName:)` splits the string and matches raw values one by one, which
    /// was most of the ~0.6 µs a skipped event cost. This compares the bytes with a table of every
    /// type's wire name, bucketed by length.
    public static func eventType(wireBytes bytes: UnsafeRawBufferPointer) -> EventType? {
        let table = WireNameTable.shared
        guard bytes.count < table.byLength.count, let base = bytes.baseAddress else { return nil }
        for entry in table.byLength[bytes.count] {
            let equal = entry.bytes.withUnsafeBytes { memcmpEqual($0.baseAddress!, base, bytes.count) }
            if equal { return entry.type }
        }
        return nil
    }

    /// Decodes `storageBytes()` output stored under `seq`; `storeId` is the id of the store it was read from.
    public init(storageBytes bytes: [UInt8], seq: LogPosition, storeId: String,
                dataDecoder: ((UnsafeRawBufferPointer) throws -> [UInt8])? = nil) throws(EventDecodingError) {
        let result = bytes.withUnsafeBytes { buffer -> Result<RecordedEvent, EventDecodingError> in
            do throws(EventDecodingError) {
                return .success(try RecordedEvent(storageBytes: buffer, seq: seq, storeId: storeId, selecting: .all, dataDecoder: dataDecoder))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Decodes `storageBytes()` output in place (e.g. straight from an LMDB page inside its read
    /// transaction): no copy of the value is made before the data is parsed, which mattered for
    /// projection rebuilds that decode a million events.
    public init(storageBytes bytes: UnsafeRawBufferPointer, seq: LogPosition, storeId: String) throws(EventDecodingError) {
        try self.init(storageBytes: bytes, seq: seq, storeId: storeId, selecting: .all)
    }

    /// Decodes in place like `init(storageBytes:storeId:)`, but builds only the parts of `data` that
    /// `selection` keeps (`JSONValue.parse(_:selecting:)`): what a projection fold reads of an event,
    /// without paying for the rest. The event's `data` is then partial: never store or re-encode it.
    ///
    /// `dataDecoder` decodes data stored with a codec other than 0 (it gets the codec byte and what
    /// follows, and returns the canonical JSON bytes); without one, such an event fails to decode.
    public init(storageBytes bytes: UnsafeRawBufferPointer, seq: LogPosition, storeId: String,
                selecting selection: JSONSelection,
                dataDecoder: ((UnsafeRawBufferPointer) throws -> [UInt8])? = nil) throws(EventDecodingError) {
        let header = try StoredEventHeader(parsing: bytes, seq: seq)
        guard let type = header.type else {
            let what = header.version == 3 ? "code \(header.typeCode)" : "\"\(header.typeWireName(bytes))\""
            throw EventDecodingError("unknown event type \(what) at seq \(seq); upgrade HireLedger")
        }
        guard let (subject, _) = EntityKey.decodePrefix(UnsafeRawBufferPointer(rebasing: bytes[header.subjectOffset..<header.dataOffset])) else {
            throw EventDecodingError("malformed subject at seq \(seq)")
        }
        let data: JSONValue
        var json = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset...])
        var decoded: [UInt8]?
        if header.version >= 2 {
            guard let codec = json.first else { throw EventDecodingError("truncated at data codec") }
            if codec == 0 {
                json = UnsafeRawBufferPointer(rebasing: json[1...])
            } else {
                guard let dataDecoder else {
                    throw EventDecodingError("data of seq \(seq) is compressed (codec \(codec)) and no decoder was given")
                }
                do { decoded = try dataDecoder(json) } catch {
                    throw EventDecodingError("data of seq \(seq) could not be decompressed: \(error)")
                }
            }
        }
        do {
            if let decoded {
                data = try decoded.withUnsafeBytes { try JSONValue.parse($0, selecting: selection) }
            } else {
                data = try JSONValue.parse(json, selecting: selection)
            }
        } catch {
            throw EventDecodingError("data of seq \(seq) is not valid JSON: \(error)")
        }
        self.init(seq: seq, storeId: storeId, type: type, subject: subject, observedAt: header.observedAt,
                  occurredAt: header.occurredAt, occurredAtInferred: header.flags & 1 != 0, backfilled: header.flags & 2 != 0,
                  data: data, causation: header.causation)
    }
}

/// The header of a stored event (storage versions 1 to 3, layouts in `RecordedEvent+Storage`), read in
/// place: what a scan needs to skip an event by its type or time, and where its parts lie, without
/// decoding its subject's id or its data. Every reader of stored events goes through it (the decode,
/// the store's peeks, the migrations and the salvage), so the layouts are known in one place.
public struct StoredEventHeader: Sendable {
    public let version: UInt8
    /// The position: the one passed, or for versions 1 and 2 the one the value holds (checked equal to
    /// the one passed); nil for version 3 when none was passed.
    public let seq: LogPosition?
    /// Bit 0 occurredAtInferred, bit 1 backfilled, bit 2 causation present.
    public let flags: UInt8
    public let observedAt: Timestamp
    public let occurredAt: Timestamp
    public let causation: LogPosition?
    /// The type, or nil when this build does not know it (`typeCode` or the wire name says which).
    public let type: EventType?
    /// Version 3: the type's storage code (0 in older versions).
    public let typeCode: UInt8
    /// Where the wire name's length byte is (versions 1 and 2), or the type code (version 3).
    public let typeOffset: Int
    public let subjectKind: EntityKind
    /// Where the subject's storage form starts, and where the data starts (its codec byte in versions
    /// 2 and 3, the canonical JSON in version 1).
    public let subjectOffset: Int
    public let dataOffset: Int

    /// The fixed fields' length before the optional causation (version, seq in versions 1 and 2, flags,
    /// two times).
    static func fixedLength(_ version: UInt8) -> Int { version == 3 ? 18 : 26 }

    /// Parses the header of the value stored under `seq` (nil when not known: a version-3 header then
    /// has no seq).
    public init(parsing b: UnsafeRawBufferPointer, seq given: LogPosition? = nil) throws(EventDecodingError) {
        guard let version = b.first else { throw EventDecodingError("truncated at format version") }
        guard RecordedEvent.readableStorageFormatVersions.contains(version) else {
            throw EventDecodingError("storage format version \(version) is not supported (this build reads versions 1 to \(RecordedEvent.storageFormatVersion)); upgrade HireLedger")
        }
        let fixed = StoredEventHeader.fixedLength(version)
        guard b.count >= fixed else { throw EventDecodingError("truncated in the header") }
        @inline(__always) func u64(_ at: Int) -> UInt64 {
            UInt64(bigEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        }
        self.version = version
        // Versions 1 and 2: the seq after the version byte, which the rest follows.
        let shift = version == 3 ? 0 : 8
        if version == 3 {
            seq = given
        } else {
            let held = LogPosition(u64(1))
            if let given, given != held {
                throw EventDecodingError("the event stored at position \(given.value) says it is at \(held.value)")
            }
            seq = held
        }
        flags = b[1 + shift]
        guard flags & ~7 == 0 else { throw EventDecodingError("unknown flag bits 0x\(String(flags, radix: 16))") }
        observedAt = Timestamp(millisecondsSinceEpoch: Int64(bitPattern: u64(2 + shift)))
        occurredAt = Timestamp(millisecondsSinceEpoch: Int64(bitPattern: u64(10 + shift)))
        var i = fixed
        if flags & 4 != 0 {
            guard b.count >= i + 8 else { throw EventDecodingError("truncated at causation") }
            causation = LogPosition(u64(i))
            i += 8
        } else {
            causation = nil
        }
        typeOffset = i
        guard i < b.count else { throw EventDecodingError("truncated at type") }
        if version == 3 {
            typeCode = b[i]
            type = EventType(storageCode: typeCode)
            i += 1
        } else {
            typeCode = 0
            let n = Int(b[i])
            guard i + 1 + n <= b.count else { throw EventDecodingError("truncated at type") }
            type = RecordedEvent.eventType(wireBytes: UnsafeRawBufferPointer(rebasing: b[(i + 1)..<(i + 1 + n)]))
            i += 1 + n
        }
        subjectOffset = i
        let rest = UnsafeRawBufferPointer(rebasing: b[i...])
        // Versions 1 and 2 hold the text form only: a UUID-form marker there is damage.
        guard let (kind, length) = EntityKey.storageLength(rest), version == 3 || rest[1] < 0x80 else {
            throw EventDecodingError("malformed subject at seq \(seq.map { String($0.value) } ?? "?")")
        }
        subjectKind = kind
        dataOffset = i + length
    }

    /// The header of `b` (stored under `seq`, when known), or nil when it is not one (`init(parsing:)` says why).
    public static func peek(_ b: UnsafeRawBufferPointer, seq: LogPosition? = nil) -> StoredEventHeader? {
        try? StoredEventHeader(parsing: b, seq: seq)
    }

    /// Versions 1 and 2: the type's wire name as stored (for messages about an unknown type).
    func typeWireName(_ b: UnsafeRawBufferPointer) -> String {
        guard version < 3 else { return "" }
        let n = Int(b[typeOffset])
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[(typeOffset + 1)..<(typeOffset + 1 + n)]), as: UTF8.self)
    }
}

/// Every event type's wire name as bytes, indexed by length (see `RecordedEvent.eventType(wireBytes:)`).
private struct WireNameTable: Sendable {
    struct Entry: Sendable {
        var bytes: [UInt8]
        var type: EventType
    }

    var byLength: [[Entry]]

    static let shared: WireNameTable = {
        var byLength: [[Entry]] = []
        for type in EventType.allCases {
            let bytes = Array(type.wireName.utf8)
            while byLength.count <= bytes.count { byLength.append([]) }
            byLength[bytes.count].append(Entry(bytes: bytes, type: type))
        }
        return WireNameTable(byLength: byLength)
    }()
}

@inline(__always)
private func memcmpEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    for i in 0..<n where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
    return true
}
