/// A set of record ids, tested against state keys (`EntityKey.storageBytes`) without decoding them:
/// what a full pass saw, against every live key of its kind (`LedgerStore.liveKeys(of:notIn:)`).
///
/// Ids in canonical lowercase UUID text (Ashby's) are kept as their 16 bytes, which is also how their
/// storage form holds them, so a key is looked up by the bytes it already has: no string is formatted
/// per live key and no 36-byte string hashed per listed record (both were measurable in an unchanged
/// full pass). Any other id is kept as its text, which its text storage form holds as UTF-8.
public struct EntityIDSet: Sendable {
    private var uuids: Set<UUIDWords> = []
    private var texts: Set<String> = []

    public init() {}

    public var count: Int { uuids.count + texts.count }
    public var isEmpty: Bool { uuids.isEmpty && texts.isEmpty }

    public mutating func insert(_ id: String) {
        if let bytes = EntityKey.uuidBytes(id) { uuids.insert(UUIDWords(bytes)) } else { texts.insert(id) }
    }

    public func contains(_ id: String) -> Bool {
        if let bytes = EntityKey.uuidBytes(id) { return uuids.contains(UUIDWords(bytes)) }
        return texts.contains(id)
    }

    /// Whether the id of the storage form (either) filling `key` is in the set; false for a malformed key.
    public func contains(storageKey key: UnsafeRawBufferPointer) -> Bool {
        guard let (_, idStart, idLength, uuid) = EntityKey.prefixLayout(key), idStart + idLength == key.count else {
            return false
        }
        if uuid {
            return uuids.contains(UUIDWords(key.loadUnaligned(fromByteOffset: idStart, as: UInt64.self),
                                            key.loadUnaligned(fromByteOffset: idStart + 8, as: UInt64.self)))
        }
        guard !texts.isEmpty,
              let id = String(validating: UnsafeRawBufferPointer(rebasing: key[idStart..<(idStart + idLength)]), as: UTF8.self)
        else { return false }
        return texts.contains(id)
    }
}

/// The 16 bytes of a UUID as two words, in memory order (hashing two words beats hashing 16 bytes).
private struct UUIDWords: Hashable, Sendable {
    let first: UInt64
    let second: UInt64

    init(_ first: UInt64, _ second: UInt64) {
        self.first = first
        self.second = second
    }

    init(_ bytes: UUIDBytes) {
        self = withUnsafeBytes(of: bytes) {
            UUIDWords($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }
}
