/// The compact binary form of an event in the log (the value under its `seq` key).
///
/// Layout, format version 2 (all integers big-endian):
///
///     u8   format version (2)
///     u64  seq
///     u8   flags: bit 0 occurredAtInferred, bit 1 backfilled, bit 2 causation present
///     i64  observedAt (ms since epoch)
///     i64  occurredAt (ms since epoch)
///     u64  causation seq           (only when flag bit 2)
///     u8   length of the type's wire name, then its ASCII bytes
///     ...  subject: EntityKey storage form (kind code, u16 id length, id bytes)
///     ...  data, to the end of the value: a codec byte, then the canonical JSON bytes when it is 0;
///          any other codec is the store's (compression, `ValueCodec`) and is decoded by the
///          `dataDecoder` a reader passes.
///
/// Version 1 is the same with the canonical JSON bytes right after the subject (no codec byte): it is
/// still read. The header (everything before the data) is left uncompressed so that a reader can
/// skip an event by its type or time without decoding its data.
///
/// A reader must check the version byte first; a new layout takes a new version number and readers
/// keep decoding the old ones.
extension RecordedEvent {
    /// The version `storageBytes` writes.
    public static let storageFormatVersion: UInt8 = 2
    /// The versions readers decode.
    public static let readableStorageFormatVersions: ClosedRange<UInt8> = 1...2

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

    /// Everything before the data, in storage form version 2.
    public func storageHeaderBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + subject.id.utf8.count + 256)
        out.append(RecordedEvent.storageFormatVersion)
        out.append(contentsOf: seq.bigEndianBytes)
        var flags: UInt8 = 0
        if occurredAtInferred { flags |= 1 }
        if backfilled { flags |= 2 }
        if causation != nil { flags |= 4 }
        out.append(flags)
        out.append(contentsOf: LogPosition(UInt64(bitPattern: observedAt.millisecondsSinceEpoch)).bigEndianBytes)
        out.append(contentsOf: LogPosition(UInt64(bitPattern: occurredAt.millisecondsSinceEpoch)).bigEndianBytes)
        if let c = causation { out.append(contentsOf: c.bigEndianBytes) }
        let wire = type.wireName.utf8
        precondition(wire.count < 256, "event type wire names are short")
        out.append(UInt8(wire.count))
        out.append(contentsOf: wire)
        subject.appendStorageBytes(to: &out)
        return out
    }

    /// The event type whose wire name is `bytes` (ASCII), or nil: the same answer as
    /// `EventType(wireName:)`, without making a `String`.
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

    /// Decodes `storageBytes()` output; `storeId` is the id of the store it was read from.
    public init(storageBytes bytes: [UInt8], storeId: String,
                dataDecoder: ((UnsafeRawBufferPointer) throws -> [UInt8])? = nil) throws(EventDecodingError) {
        let result = bytes.withUnsafeBytes { buffer -> Result<RecordedEvent, EventDecodingError> in
            do throws(EventDecodingError) {
                return .success(try RecordedEvent(storageBytes: buffer, storeId: storeId, selecting: .all, dataDecoder: dataDecoder))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// Decodes `storageBytes()` output in place (e.g. straight from an LMDB page inside its read
    /// transaction): no copy of the value is made before the data is parsed, which mattered for
    /// projection rebuilds that decode a million events.
    public init(storageBytes bytes: UnsafeRawBufferPointer, storeId: String) throws(EventDecodingError) {
        try self.init(storageBytes: bytes, storeId: storeId, selecting: .all)
    }

    /// Decodes in place like `init(storageBytes:storeId:)`, but builds only the parts of `data` that
    /// `selection` keeps (`JSONValue.parse(_:selecting:)`): what a projection fold reads of an event,
    /// without paying for the rest. The event's `data` is then partial: never store or re-encode it.
    ///
    /// `dataDecoder` decodes data stored with a codec other than 0 (it gets the codec byte and what
    /// follows, and returns the canonical JSON bytes); without one, such an event fails to decode.
    public init(storageBytes bytes: UnsafeRawBufferPointer, storeId: String,
                selecting selection: JSONSelection,
                dataDecoder: ((UnsafeRawBufferPointer) throws -> [UInt8])? = nil) throws(EventDecodingError) {
        var r = ByteReader(bytes: bytes)
        let version = try r.u8("format version")
        guard RecordedEvent.readableStorageFormatVersions.contains(version) else {
            throw EventDecodingError("storage format version \(version) is not supported (this build reads versions 1 to \(RecordedEvent.storageFormatVersion)); upgrade HireLedger")
        }
        let seq = LogPosition(try r.u64("seq"))
        let flags = try r.u8("flags")
        guard flags & ~7 == 0 else { throw EventDecodingError("unknown flag bits 0x\(String(flags, radix: 16))") }
        let observed = Timestamp(millisecondsSinceEpoch: Int64(bitPattern: try r.u64("observedAt")))
        let occurred = Timestamp(millisecondsSinceEpoch: Int64(bitPattern: try r.u64("occurredAt")))
        let causation = flags & 4 != 0 ? LogPosition(try r.u64("causation")) : nil
        let typeLength = Int(try r.u8("type length"))
        let typeBytes = try r.take(typeLength, "type")
        guard let type = RecordedEvent.eventType(wireBytes: typeBytes) else {
            let wire = String(decoding: typeBytes, as: UTF8.self)
            throw EventDecodingError("unknown event type \"\(wire)\" at seq \(seq); upgrade HireLedger")
        }
        // The subject in EntityKey's storage form (kind code, u16 id length, id bytes), as
        // `EntityKey.decodePrefix` reads it, here without copying to an array first.
        guard r.rest.count >= 3, let kind = EntityKind(storageCode: r.rest[0]) else {
            throw EventDecodingError("malformed subject at seq \(seq)")
        }
        let idLength = Int(r.rest[1]) << 8 | Int(r.rest[2])
        _ = try r.take(3, "subject")
        guard let idBytes = try? r.take(idLength, "subject id"), let id = String(validating: idBytes, as: UTF8.self) else {
            throw EventDecodingError("malformed subject at seq \(seq)")
        }
        let data: JSONValue
        var json = r.rest
        var decoded: [UInt8]?
        if version >= 2 {
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
        self.init(seq: seq, storeId: storeId, type: type, subject: EntityKey(kind, id), observedAt: observed,
                  occurredAt: occurred, occurredAtInferred: flags & 1 != 0, backfilled: flags & 2 != 0,
                  data: data, causation: causation)
    }
}

/// Sequential big-endian reads with errors naming the field that was cut short.
private struct ByteReader {
    var bytes: UnsafeRawBufferPointer

    var rest: UnsafeRawBufferPointer { bytes }

    mutating func take(_ n: Int, _ what: String) throws(EventDecodingError) -> UnsafeRawBufferPointer {
        guard bytes.count >= n else { throw EventDecodingError("truncated at \(what)") }
        let out = UnsafeRawBufferPointer(rebasing: bytes[0..<n])
        bytes = UnsafeRawBufferPointer(rebasing: bytes[n...])
        return out
    }

    mutating func u8(_ what: String) throws(EventDecodingError) -> UInt8 { try take(1, what)[0] }

    mutating func u64(_ what: String) throws(EventDecodingError) -> UInt64 {
        try take(8, what).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
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
