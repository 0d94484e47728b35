/// One Ashby record's identity: its kind and its Ashby id.
///
/// Wire form `kind/id` (the CloudEvents `subject`), parsed at the first `/` so ids may contain `/`.
/// Storage form (`storageBytes`): the kind's one-byte code, the id's UTF-8 length as a big-endian
/// `UInt16`, then the id's UTF-8 bytes. It is self-delimiting, so `storageBytes + seq` is an unambiguous
/// composite key and a prefix scan over one entity never matches another whose id merely starts the
/// same way. All keys of one kind share their first byte. Ids longer than 65,535 UTF-8 bytes cannot be
/// encoded (`storageBytes` traps); callers taking ids from Ashby check `isStorable` first (LMDB's own
/// key limit, 511 bytes by default, is far lower anyway).
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

    /// The largest id, in UTF-8 bytes, the storage form can hold.
    public static let maxStorableIDLength = Int(UInt16.max)

    /// Whether the id fits the storage form.
    public var isStorable: Bool { id.utf8.count <= EntityKey.maxStorableIDLength }

    /// The storage form (see the type's documentation). Precondition: `isStorable`.
    public var storageBytes: [UInt8] {
        var out: [UInt8] = []
        appendStorageBytes(to: &out)
        return out
    }

    /// Appends the storage form to `out`. Precondition: `isStorable`.
    public func appendStorageBytes(to out: inout [UInt8]) {
        let n = id.utf8.count
        precondition(n <= EntityKey.maxStorableIDLength, "entity id longer than \(EntityKey.maxStorableIDLength) bytes: check isStorable first")
        out.reserveCapacity(out.count + 3 + n)
        out.append(kind.storageCode)
        out.append(UInt8(n >> 8))
        out.append(UInt8(n & 0xFF))
        out.append(contentsOf: id.utf8)
    }

    /// Decodes a storage form that fills `bytes` exactly; nil when malformed.
    public init?(storageBytes bytes: some Collection<UInt8>) {
        let a = Array(bytes)
        guard let (key, used) = EntityKey.decodePrefix(a[...]), used == a.count else { return nil }
        self = key
    }

    /// Decodes the storage form at the start of `bytes`: the key and how many bytes it took; nil when
    /// malformed (unknown kind code, short input or invalid UTF-8).
    public static func decodePrefix(_ bytes: ArraySlice<UInt8>) -> (EntityKey, Int)? {
        guard bytes.count >= 3 else { return nil }
        let s = bytes.startIndex
        guard let kind = EntityKind(storageCode: bytes[s]) else { return nil }
        let n = Int(bytes[s + 1]) << 8 | Int(bytes[s + 2])
        guard bytes.count >= 3 + n,
              let id = String(validating: bytes[(s + 3)..<(s + 3 + n)], as: UTF8.self)
        else { return nil }
        return (EntityKey(kind, id), 3 + n)
    }

    /// Orders by kind, then by id's UTF-8 bytes (not the storage-key order, which puts shorter ids first).
    public static func < (a: EntityKey, b: EntityKey) -> Bool {
        if a.kind != b.kind { return a.kind < b.kind }
        return JSONObject.compareKeys(a.id, b.id) < 0
    }
}
