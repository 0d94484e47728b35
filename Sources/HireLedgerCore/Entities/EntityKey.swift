/// One Ashby record's identity: its kind and its Ashby id.
///
/// Wire form `kind/id` (the CloudEvents `subject`), parsed at the first `/` so ids may contain `/`.
///
/// Storage form (`storageBytes`, store format 5 on): the kind's one-byte code, then either
/// - `0x80` and the 16 bytes of the id when the id is a UUID in canonical lowercase text
///   (`8-4-4-4-12` hex digits; Ashby's ids are): 18 bytes instead of 39, for every state key, index key
///   and event subject; or
/// - the id's UTF-8 length as a big-endian `UInt16` below `0x8000`, then the id's UTF-8 bytes (the
///   text form, `textStorageBytes`, which is also the whole storage form of formats 1 to 4).
/// The byte after the kind tells the two apart (a text length's high byte is below `0x80`), so a
/// reader decodes either, and a store of format 4 or older (text keys only) is still read as it is.
/// Both are self-delimiting, so `storageBytes + seq` is an unambiguous composite key and a prefix scan
/// over one entity never matches another whose id merely starts the same way. All keys of one kind
/// share their first byte. Ids longer than 32,767 UTF-8 bytes cannot be encoded (`storageBytes`
/// traps); callers taking ids from Ashby check `isStorable` first (LMDB's own key limit, 511 bytes by
/// default, is far lower anyway).
public struct EntityKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let kind: EntityKind
    public let id: String

    public init(_ kind: EntityKind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    /// `kind/id`.
    public var wireForm: String { "\(kind.rawValue)/\(id)" }
    public var description: String { wireForm }

    /// Parses `kind/id`; nil when the kind is unknown or the id is empty.
    public init?(wireForm: String) {
        guard let slash = wireForm.firstIndex(of: "/"),
              let kind = EntityKind(rawValue: String(wireForm[..<slash]))
        else { return nil }
        let id = String(wireForm[wireForm.index(after: slash)...])
        guard !id.isEmpty else { return nil }
        self.init(kind, id)
    }

    /// The largest id, in UTF-8 bytes, the storage form can hold (a text length keeps its high bit
    /// clear: set, it marks the UUID form).
    public static let maxStorableIDLength = 0x7FFF

    /// The byte after the kind code that marks the UUID form.
    static let uuidFormMarker: UInt8 = 0x80

    /// Whether the id fits the storage form.
    public var isStorable: Bool { id.utf8.count <= EntityKey.maxStorableIDLength }

    /// The storage form (see the type's documentation): the UUID form when the id is a canonical
    /// lowercase UUID, the text form otherwise. Precondition: `isStorable`.
    public var storageBytes: [UInt8] {
        var out: [UInt8] = []
        appendStorageBytes(to: &out)
        return out
    }

    /// The text form (kind code, u16 length, UTF-8 id) whatever the id: the only form of store
    /// formats 1 to 4, whose keys a store of those formats is read with. Precondition: `isStorable`.
    public var textStorageBytes: [UInt8] {
        var out: [UInt8] = []
        appendStorageBytes(to: &out, compact: false)
        return out
    }

    /// Appends the storage form to `out` (with `compact` false, the text form). Precondition: `isStorable`.
    public func appendStorageBytes(to out: inout [UInt8], compact: Bool = true) {
        if compact, let uuid = EntityKey.uuidBytes(id) {
            out.reserveCapacity(out.count + 18)
            out.append(kind.storageCode)
            out.append(EntityKey.uuidFormMarker)
            withUnsafeBytes(of: uuid) { out.append(contentsOf: $0) }
            return
        }
        let n = id.utf8.count
        precondition(n <= EntityKey.maxStorableIDLength, "entity id longer than \(EntityKey.maxStorableIDLength) bytes: check isStorable first")
        out.reserveCapacity(out.count + 3 + n)
        out.append(kind.storageCode)
        out.append(UInt8(n >> 8))
        out.append(UInt8(n & 0xFF))
        out.append(contentsOf: id.utf8)
    }

    /// Decodes a storage form (either) that fills `bytes` exactly; nil when malformed.
    public init?(storageBytes bytes: some Collection<UInt8>) {
        let a = Array(bytes)
        guard let (key, used) = EntityKey.decodePrefix(a[...]), used == a.count else { return nil }
        self = key
    }

    /// Decodes the storage form (either) at the start of `bytes`: the key and how many bytes it took;
    /// nil when malformed (unknown kind code, short input or invalid UTF-8).
    public static func decodePrefix(_ bytes: ArraySlice<UInt8>) -> (EntityKey, Int)? {
        bytes.withUnsafeBytes { decodePrefix($0) }
    }

    /// `decodePrefix` on raw bytes (an LMDB page, an event header) without copying them first.
    public static func decodePrefix(_ bytes: UnsafeRawBufferPointer) -> (EntityKey, Int)? {
        guard let (kind, idStart, idLength, uuid) = prefixLayout(bytes) else { return nil }
        if uuid {
            return (EntityKey(kind, uuidString(UnsafeRawBufferPointer(rebasing: bytes[idStart..<(idStart + 16)]))), 18)
        }
        guard let id = String(validating: UnsafeRawBufferPointer(rebasing: bytes[idStart..<(idStart + idLength)]), as: UTF8.self)
        else { return nil }
        return (EntityKey(kind, id), idStart + idLength)
    }

    /// The length of the storage form (either) at the start of `bytes` and its kind, without decoding
    /// the id; nil when malformed.
    public static func storageLength(_ bytes: UnsafeRawBufferPointer) -> (kind: EntityKind, length: Int)? {
        guard let (kind, idStart, idLength, _) = prefixLayout(bytes) else { return nil }
        return (kind, idStart + idLength)
    }

    static func prefixLayout(_ b: UnsafeRawBufferPointer) -> (EntityKind, Int, Int, Bool)? {
        guard b.count >= 3, let kind = EntityKind(storageCode: b[0]) else { return nil }
        if b[1] == uuidFormMarker {
            return b.count >= 18 ? (kind, 2, 16, true) : nil
        }
        guard b[1] < uuidFormMarker else { return nil }
        let n = Int(b[1]) << 8 | Int(b[2])
        return b.count >= 3 + n ? (kind, 3, n, false) : nil
    }

    /// The 16 bytes of `id` when it is a UUID in canonical lowercase text (`8-4-4-4-12` hex digits),
    /// else nil: only ids whose text the UUID form gives back exactly are stored in it.
    static func uuidBytes(_ id: String) -> UUIDBytes? {
        guard id.utf8.count == 36 else { return nil }
        var id = id
        return id.withUTF8 { uuidBytes(UnsafeRawBufferPointer($0)) }
    }

    private static func uuidBytes(_ s: UnsafeRawBufferPointer) -> UUIDBytes? {
        guard s.count == 36, s[8] == 0x2D, s[13] == 0x2D, s[18] == 0x2D, s[23] == 0x2D else { return nil }
        var out: UUIDBytes = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        // A table instead of a branch per digit: UUID digits are random, so those branches were mispredicted
        // often, and every storage key (state, index, event subject: several per record in a sync) comes here.
        var bad: UInt8 = 0
        hexDigits.withUnsafeBufferPointer { table in
            withUnsafeMutableBytes(of: &out) { o in
                var n = 0
                for i in uuidDigitPairs {
                    let hi = table[Int(s[i])], lo = table[Int(s[i + 1])]
                    bad |= hi | lo
                    o[n] = hi << 4 | lo
                    n += 1
                }
            }
        }
        return bad & 0x80 == 0 ? out : nil
    }

    /// Where each byte's two hex digits start in the canonical text.
    private static let uuidDigitPairs = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]

    /// Each byte's value as a lowercase hex digit; 0xFF for any other byte.
    private static let hexDigits: [UInt8] = (0..<256).map { c -> UInt8 in
        switch c {
        case 0x30...0x39: UInt8(c - 0x30)
        case 0x61...0x66: UInt8(c - 0x61 + 10)
        default: 0xFF
        }
    }

    /// The canonical lowercase text of 16 UUID bytes.
    private static func uuidString(_ b: UnsafeRawBufferPointer) -> String {
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { out in
            hex.withUTF8Buffer { digits in
                var o = 0
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 { out[o] = 0x2D; o += 1 }
                    out[o] = digits[Int(b[i] >> 4)]
                    out[o + 1] = digits[Int(b[i] & 15)]
                    o += 2
                }
            }
            return 36
        }
    }

    /// Orders by kind, then by id's UTF-8 bytes (not the storage-key order, which puts shorter ids first).
    public static func < (a: EntityKey, b: EntityKey) -> Bool {
        if a.kind != b.kind { return a.kind < b.kind }
        return JSONObject.compareKeys(a.id, b.id) < 0
    }
}

/// Sixteen bytes (a UUID) as a tuple, so a key's id is encoded without an allocation.
typealias UUIDBytes = (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
