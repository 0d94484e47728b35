import CZstd
import HireLedgerCore
import Synchronization

/// The compression of the store's large values (format 4): event data in the `log` and records held
/// inline in `state`.
///
/// Encoded form (what `encode` returns and `decode` reads), the first byte naming the codec:
///
///     0  plain:          the bytes as they are
///     1  zstd:           a zstd frame, no dictionary
///     2  zstd+dictionary: u16 dictionary id (big-endian), then a zstd frame made with that dictionary
///
/// Why zstd with trained dictionaries (decided by measurement, medium world, format-3 store): one value
/// is one small JSON document (a record of 0.3-3 KB, a domain event of 0.2-0.7 KB), too small for a
/// compressor to learn from on its own (zstd without a dictionary: about 2x), while values of one kind
/// repeat the same member names and shapes. A 32-64 KiB dictionary trained on a few hundred values of
/// the same family compressed state records 6.0x and log values 4.7x (level 3; level 1 4.4x, level 6
/// 4.7x). Frames carry their content size (single-shot decoding) but no checksum (every stored value
/// already has one, `ValueChecksum`) and no dictionary id (the codec header holds ours).
///
/// Families: each value is compressed with the dictionary of its family (`ValueFamily`), trained once
/// from the first batch that holds enough values of it and kept for good in the `dictionaries`
/// database (a value names its dictionary, so a dictionary is never changed or removed). A family
/// without a dictionary yet is compressed without one.
///
/// Sendable: the dictionaries and the pooled contexts are guarded by a `Mutex`; a zstd CDict or DDict
/// is immutable once made and may be used by several threads at once (zstd's documentation), a
/// context by one at a time (taken from the pool, given back after use).
public final class ValueCodec: Sendable {
    /// The zstd level values are compressed at (3: zstd's default; 1 was 5 % larger, 6 barely smaller).
    public static let level: Int32 = 3
    /// Values shorter than this stay plain: a zstd frame's header outweighs what it saves.
    public static let minimumCompressedLength = 64
    /// The largest dictionary trained.
    public static let dictionaryCapacity = 32 * 1024
    /// Values of a family a batch must hold (and bytes they must add up to) before a dictionary is
    /// trained from them: fewer give a dictionary that is worth little.
    public static let minimumSamples = 128
    public static let minimumSampleBytes = 64 * 1024
    /// At most this many bytes of samples are given to the trainer (its time grows with them).
    public static let maximumSampleBytes = 2 * 1024 * 1024

    struct State {
        var byId: [UInt16: ZstdDictionary] = [:]
        var byFamily: [String: ZstdDictionary] = [:]
        var compressors: [ZstdContext] = []
        var decompressors: [ZstdContext] = []
    }

    private let state = Mutex(State())

    public init() {}

    deinit {
        state.withLock { s in
            for c in s.compressors { ZSTD_freeCCtx(c.pointer) }
            for d in s.decompressors { ZSTD_freeDCtx(d.pointer) }
        }
    }

    /// The number of dictionaries known.
    public var dictionaryCount: Int { state.withLock { $0.byId.count } }

    /// Whether `family` has a dictionary.
    public func hasDictionary(for family: String) -> Bool { state.withLock { $0.byFamily[family] != nil } }

    /// The dictionary values of `family` are compressed with, if any: its id and bytes.
    public func dictionary(for family: String) -> (id: UInt16, bytes: [UInt8])? {
        state.withLock { $0.byFamily[family].map { ($0.id, $0.bytes) } }
    }

    /// Whether the dictionary `id` is known.
    public func hasDictionary(id: UInt16) -> Bool { state.withLock { $0.byId[id] != nil } }

    /// Learns a dictionary (read from the `dictionaries` database, or just trained). A dictionary of
    /// the same id with other bytes replaces the old one: that can only be one trained in a write
    /// transaction that did not commit, which no stored value uses.
    public func add(id: UInt16, family: String, dictionary: [UInt8]) throws(ValueCodecError) {
        if let known = state.withLock({ $0.byId[id] }), known.bytes == dictionary, known.family == family {
            state.withLock { s in if s.byFamily[family] == nil { s.byFamily[family] = known } }
            return
        }
        let made = try ZstdDictionary(id: id, family: family, bytes: dictionary)
        state.withLock { s in
            if let old = s.byId[id], s.byFamily[old.family] === old { s.byFamily[old.family] = nil }
            s.byId[id] = made
            // The first dictionary of a family is the one its values use (one per family is trained).
            if s.byFamily[family] == nil { s.byFamily[family] = made }
        }
    }

    /// Learns the dictionaries `other` holds that this codec does not (a salvage that found some only
    /// by scanning the data file's pages).
    public func adopt(from other: ValueCodec) {
        let theirs = other.state.withLock { Array($0.byId.values) }
        for d in theirs where !hasDictionary(id: d.id) {
            try? add(id: d.id, family: d.family, dictionary: d.bytes)
        }
    }

    /// Forgets the dictionaries (after a write transaction that trained some did not commit).
    public func removeDictionaries(ids: some Sequence<UInt16>) {
        state.withLock { s in
            for id in ids {
                guard let old = s.byId.removeValue(forKey: id) else { continue }
                if s.byFamily[old.family] === old { s.byFamily[old.family] = nil }
            }
        }
    }

    // MARK: - Encoding

    /// `bytes` in encoded form (see the type's documentation), compressed with `family`'s dictionary
    /// when there is one, and kept plain when compressing would not make it smaller.
    public func encode(_ bytes: [UInt8], family: String) -> [UInt8] {
        guard bytes.count >= ValueCodec.minimumCompressedLength else { return [0] + bytes }
        let dictionary = state.withLock { $0.byFamily[family] }
        let bound = ZSTD_compressBound(bytes.count)
        let header = dictionary == nil ? 1 : 3
        var out = [UInt8](repeating: 0, count: header + bound)
        let cctx = takeCompressor()
        defer { giveBack(compressor: cctx) }
        let written = out.withUnsafeMutableBytes { o -> Int in
            bytes.withUnsafeBytes { i -> Int in
                let dst = o.baseAddress! + header
                if let dictionary {
                    // (CZstd's shim: zstd's advanced call, deprecated, measured faster than its replacement.)
                    return hireledger_compress_usingCDict(cctx, dst, bound, i.baseAddress, i.count, dictionary.cdict)
                }
                return ZSTD_compress2(cctx, dst, bound, i.baseAddress, i.count)
            }
        }
        guard ZSTD_isError(written) == 0, header + written < 1 + bytes.count else { return [0] + bytes }
        if let dictionary {
            out[0] = 2
            out[1] = UInt8(dictionary.id >> 8)
            out[2] = UInt8(dictionary.id & 0xff)
        } else {
            out[0] = 1
        }
        out.removeLast(bound - written)
        return out
    }

    // MARK: - Decoding

    /// The id of the dictionary an encoded value needs, if any (nil for plain and dictionary-less values).
    public static func dictionaryId(_ encoded: UnsafeRawBufferPointer) -> UInt16? {
        guard encoded.count >= 3, encoded[0] == 2 else { return nil }
        return UInt16(encoded[1]) << 8 | UInt16(encoded[2])
    }

    /// Decodes `encode`'s output and lends the plain bytes to `body` (in place for a plain value).
    public func withDecoded<R>(_ encoded: UnsafeRawBufferPointer,
                               _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let codec = encoded.first else { throw ValueCodecError.malformed("an empty value") }
        if codec == 0 { return try body(UnsafeRawBufferPointer(rebasing: encoded[1...])) }
        let plain = try decode(encoded)
        return try plain.withUnsafeBytes(body)
    }

    /// Decodes `encode`'s output into a new array; a frame declaring more than `maximumLength` bytes
    /// is refused as damage (`maximumDecodedLength` suits event data and records; a projection's
    /// checkpoint passes its own bound).
    public func decode(_ encoded: UnsafeRawBufferPointer,
                       maximumLength: UInt64 = ValueCodec.maximumDecodedLength) throws(ValueCodecError) -> [UInt8] {
        guard let codec = encoded.first else { throw ValueCodecError.malformed("an empty value") }
        switch codec {
        case 0:
            return Array(encoded[1...])
        case 1:
            return try decompress(UnsafeRawBufferPointer(rebasing: encoded[1...]), dictionary: nil, maximumLength: maximumLength)
        case 2:
            guard let id = ValueCodec.dictionaryId(encoded) else { throw ValueCodecError.malformed("a dictionary id cut short") }
            guard let dictionary = state.withLock({ $0.byId[id] }) else { throw ValueCodecError.unknownDictionary(id) }
            return try decompress(UnsafeRawBufferPointer(rebasing: encoded[3...]), dictionary: dictionary, maximumLength: maximumLength)
        default:
            throw ValueCodecError.malformed("unknown codec \(codec)")
        }
    }

    /// The largest value a frame may claim to hold (a damaged size field must not allocate gigabytes).
    public static let maximumDecodedLength: UInt64 = 64 * 1024 * 1024

    private func decompress(_ frame: UnsafeRawBufferPointer, dictionary: ZstdDictionary?,
                            maximumLength: UInt64) throws(ValueCodecError) -> [UInt8] {
        guard let base = frame.baseAddress else { throw ValueCodecError.malformed("an empty frame") }
        let size = ZSTD_getFrameContentSize(base, frame.count)
        // ZSTD_CONTENTSIZE_UNKNOWN / _ERROR are the two largest values.
        guard size <= maximumLength else {
            throw ValueCodecError.malformed("a zstd frame without a readable content size")
        }
        var ddict: OpaquePointer?
        if let dictionary {
            ddict = dictionary.ddict
            guard ddict != nil else { throw ValueCodecError.malformed("dictionary \(dictionary.id) (\(dictionary.family)) cannot be read by zstd") }
        }
        let dctx = takeDecompressor()
        defer { giveBack(decompressor: dctx) }
        // Written by zstd in full before it is read (checked below), so not zeroed first: this runs for
        // every compressed event a projection rebuild decodes.
        var n = 0
        let out = [UInt8](unsafeUninitializedCapacity: Int(size)) { o, initialized in
            n = ddict.map { ZSTD_decompress_usingDDict(dctx, o.baseAddress, o.count, base, frame.count, $0) }
                ?? ZSTD_decompressDCtx(dctx, o.baseAddress, o.count, base, frame.count)
            initialized = ZSTD_isError(n) == 0 && n == o.count ? n : 0
        }
        if ZSTD_isError(n) != 0 {
            throw ValueCodecError.malformed("zstd: " + String(cString: ZSTD_getErrorName(n)))
        }
        guard n == Int(size) else { throw ValueCodecError.malformed("a zstd frame holding \(n) bytes where it declares \(size)") }
        return out
    }

    // MARK: - Training

    /// A dictionary trained from `samples` (values of one family), or nil when they are too few or too
    /// alike for zstd to make one.
    ///
    /// The samples are blanked first (`trainingSample`): a dictionary is trained on the values' shape
    /// (member names, ids, timestamps, numbers, literals) and never holds their strings, so no name,
    /// email or other personal data of a candidate ends up in a dictionary, where an erasure could not
    /// reach it without re-encoding every value that uses it.
    public static func train(samples: [[UInt8]]) -> [UInt8]? {
        var flat: [UInt8] = []
        var sizes: [Int] = []
        for raw in samples where !raw.isEmpty {
            let s = trainingSample(raw)
            if flat.count + s.count > maximumSampleBytes { break }
            flat.append(contentsOf: s)
            sizes.append(s.count)
        }
        guard sizes.count >= minimumSamples, flat.count >= minimumSampleBytes else { return nil }
        var dictionary = [UInt8](repeating: 0, count: dictionaryCapacity)
        // fastCover with fixed k and d (no parameter search): tens of milliseconds on 2 MB of samples,
        // where the search of `ZDICT_optimizeTrainFromBuffer_fastCover` takes seconds and gained under
        // 3 % on the records tried. k = 200 / d = 8 are zstd's own defaults for fastCover.
        var params = ZDICT_fastCover_params_t()
        params.k = 200
        params.d = 8
        params.f = 20
        params.steps = 0
        params.nbThreads = 1
        params.splitPoint = 1.0
        params.accel = 1
        params.zParams.compressionLevel = level
        let n = dictionary.withUnsafeMutableBytes { d in
            flat.withUnsafeBytes { f in
                sizes.withUnsafeBufferPointer { s in
                    ZDICT_trainFromBuffer_fastCover(d.baseAddress, d.count, f.baseAddress, s.baseAddress, UInt32(s.count), params)
                }
            }
        }
        guard ZDICT_isError(n) == 0, n > 0 else { return nil }
        dictionary.removeLast(dictionary.count - n)
        return dictionary
    }

    /// `json` (canonical JSON: no whitespace) with every string value emptied except ids (UUIDs) and
    /// timestamps (ISO 8601); member names are kept. Bytes that are not such JSON pass through.
    public static func trainingSample(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count)
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), colon = UInt8(ascii: ":")
        var i = 0
        while i < json.count {
            let b = json[i]
            guard b == quote else { out.append(b); i += 1; continue }
            // A string from i to its closing quote.
            var j = i + 1
            while j < json.count, json[j] != quote { j += json[j] == backslash ? 2 : 1 }
            let end = min(j, json.count - 1)
            let isKey = end + 1 < json.count && json[end + 1] == colon
            let content = json[(i + 1)..<min(j, json.count)]
            if isKey || isIdentifier(content) || isTimestamp(content) {
                out.append(contentsOf: json[i...end])
            } else {
                out.append(quote)
                out.append(quote)
            }
            i = end + 1
        }
        return out
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)
    }

    /// A UUID (8-4-4-4-12 hex digits).
    private static func isIdentifier(_ s: ArraySlice<UInt8>) -> Bool {
        guard s.count == 36 else { return false }
        for (n, b) in s.enumerated() {
            if [8, 13, 18, 23].contains(n) { if b != UInt8(ascii: "-") { return false } } else if !isHex(b) { return false }
        }
        return true
    }

    /// An ISO 8601 date or time (digits, then only `-:.TZ+` and digits).
    private static func isTimestamp(_ s: ArraySlice<UInt8>) -> Bool {
        guard s.count >= 10, s.count <= 32 else { return false }
        let a = Array(s)
        guard a[0...3].allSatisfy({ $0 >= 48 && $0 <= 57 }), a[4] == UInt8(ascii: "-") else { return false }
        let punctuation = Array("-:.TZ+".utf8)
        return a.allSatisfy { ($0 >= 48 && $0 <= 57) || punctuation.contains($0) }
    }

    // MARK: - Context pool

    private func takeCompressor() -> OpaquePointer {
        if let c = state.withLock({ $0.compressors.popLast() }) { return c.pointer }
        let c = ZSTD_createCCtx()!
        ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, ValueCodec.level)
        ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0)
        ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)
        return c
    }

    private func giveBack(compressor c: OpaquePointer) {
        if !keep(c, in: \.compressors, atMost: 8) { ZSTD_freeCCtx(c) }
    }

    private func takeDecompressor() -> OpaquePointer {
        if let d = state.withLock({ $0.decompressors.popLast() }) { return d.pointer }
        return ZSTD_createDCtx()!
    }

    private func giveBack(decompressor d: OpaquePointer) {
        if !keep(d, in: \.decompressors, atMost: 16) { ZSTD_freeDCtx(d) }
    }

    /// Puts a context back in its pool unless the pool holds `limit` already; false: the caller frees it.
    private func keep(_ pointer: OpaquePointer, in pool: WritableKeyPath<State, [ZstdContext]>, atMost limit: Int) -> Bool {
        let context = ZstdContext(pointer: pointer)
        return state.withLock { s in
            guard s[keyPath: pool].count < limit else { return false }
            s[keyPath: pool].append(context)
            return true
        }
    }
}

/// A zstd object's pointer: a compression or decompression context in the pool, or a dictionary's CDict.
///
/// @unchecked Sendable: a context is used by one thread at a time: taken out of the pool (under its
/// lock) before use and put back after; a CDict is never changed once made.
struct ZstdContext: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// One trained dictionary, digested for decompression and for compression each on first use: a CDict at
/// level 3 takes about 1 MB of tables and a DDict a copy of the dictionary with its entropy tables, which
/// a process that only reads a few values, or a server holding many stores, should not pay per
/// dictionary at open. `init` checks the bytes are a zstd dictionary (its header), cheaply.
///
/// @unchecked Sendable: each digested form is made once under its lock and never changed after; both are
/// freed in `deinit`. zstd allows a CDict and a DDict to be used by several threads at once.
final class ZstdDictionary: @unchecked Sendable {
    let id: UInt16
    let family: String
    let bytes: [UInt8]
    private let compression = Mutex<ZstdContext?>(nil)
    private let decompression = Mutex<ZstdContext?>(nil)

    init(id: UInt16, family: String, bytes: [UInt8]) throws(ValueCodecError) {
        // A trained dictionary starts with zstd's magic number and carries a non-zero id.
        guard bytes.withUnsafeBytes({ ZDICT_getDictID($0.baseAddress, $0.count) }) != 0 else {
            throw ValueCodecError.malformed("dictionary \(id) (\(family)) is not a zstd dictionary")
        }
        (self.id, self.family, self.bytes) = (id, family, bytes)
    }

    /// The dictionary digested for compression at `ValueCodec.level`, made on first use.
    var cdict: OpaquePointer {
        compression.withLock { made in
            if let made { return made.pointer }
            let c = bytes.withUnsafeBytes { ZSTD_createCDict($0.baseAddress, $0.count, ValueCodec.level) }!
            made = ZstdContext(pointer: c)
            return c
        }
    }

    /// The dictionary digested for decompression, made on first use; nil when zstd cannot digest it (a
    /// damaged dictionary whose header still reads).
    var ddict: OpaquePointer? {
        decompression.withLock { made in
            if let made { return made.pointer }
            guard let d = bytes.withUnsafeBytes({ ZSTD_createDDict($0.baseAddress, $0.count) }) else { return nil }
            made = ZstdContext(pointer: d)
            return d
        }
    }

    deinit {
        if let c = compression.withLock({ $0 }) { ZSTD_freeCDict(c.pointer) }
        if let d = decompression.withLock({ $0 }) { ZSTD_freeDDict(d.pointer) }
    }
}

/// Why an encoded value could not be decoded.
public enum ValueCodecError: Error, Sendable, CustomStringConvertible {
    case malformed(String)
    /// The value names a dictionary the store does not hold.
    case unknownDictionary(UInt16)

    public var description: String {
        switch self {
        case .malformed(let what): "a compressed value is malformed: \(what)"
        case .unknownDictionary(let id): "a compressed value needs dictionary \(id), which the store does not hold"
        }
    }
}

/// The family of a value: values of one family share a compression dictionary.
///
/// - `record.<kind>`: a record in full (the `record` of a created or restored event, the `lastKnown`
///   of a deletion, a record inline in `state`);
/// - `patch.<kind>`: an updated event's patch and changes;
/// - `event.<kind>`: a domain event about an entity of that kind.
public enum ValueFamily {
    public static func record(_ kind: EntityKind) -> String { "record." + kind.rawValue }

    /// The family of an event's data.
    public static func of(_ type: EventType, subject: EntityKind) -> String {
        if case .record(_, let action) = type {
            return action == .updated ? "patch." + subject.rawValue : "record." + subject.rawValue
        }
        return "event." + subject.rawValue
    }
}
