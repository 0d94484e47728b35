import CLMDB

/// The write transaction lent to the closure of `Environment.write`: its changes are committed
/// together when the closure returns, or not at all if it throws.
///
/// It cannot be copied, stored or used after the closure returns. Its reads (`ReadableTransaction`)
/// see its own uncommitted changes. Buffers lent by reads are invalid after the next write.
public struct WriteTransaction: ~Copyable, ReadableTransaction {
    /// How `put` stores a value.
    public struct PutFlags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Fail with `.keyExists` instead of replacing an existing key (`MDB_NOOVERWRITE`).
        public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
        /// DUPSORT: fail with `.keyExists` if the key already has this value (`MDB_NODUPDATA`).
        public static let noDuplicateData = PutFlags(rawValue: UInt32(MDB_NODUPDATA))
        /// The key is greater than every key in the database (`MDB_APPEND`): skips the search and
        /// fills pages completely. A key not greater than the last fails with `.keyExists`, which
        /// guards an append-only log against sequence bugs.
        public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
        /// DUPSORT: the value is greater than every value of this key (`MDB_APPENDDUP`).
        public static let appendDuplicate = PutFlags(rawValue: UInt32(MDB_APPENDDUP))
    }

    let core: TransactionCore

    init(core: consuming TransactionCore) { self.core = core }

    public func _withCore<R>(_ body: (borrowing TransactionCore) throws -> R) rethrows -> R {
        try body(core)
    }

    /// Stores `value` under `key`, replacing an existing value (in a DUPSORT database: adding it to the
    /// key's values) unless `flags` say otherwise. Keys are 1...`maxKeySize` bytes.
    public func put(_ db: Database, _ key: some LMDBBytes, _ value: some LMDBBytes, flags: PutFlags = []) throws {
        try key.withLMDBBytes { keyBytes in
            try value.withLMDBBytes { valueBytes in
                try core.put(db, keyBytes, valueBytes, flags: flags)
            }
        }
    }

    /// Removes `key` with all its values; returns whether it was present.
    @discardableResult
    public func delete(_ db: Database, _ key: some LMDBBytes) throws -> Bool {
        try key.withLMDBBytes { try core.delete(db, $0, value: nil) }
    }

    /// Removes one value of `key` from a DUPSORT database; returns whether that pair was present.
    @discardableResult
    public func delete(_ db: Database, _ key: some LMDBBytes, value: some LMDBBytes) throws -> Bool {
        try key.withLMDBBytes { keyBytes in
            try value.withLMDBBytes { try core.delete(db, keyBytes, value: $0) }
        }
    }

    /// Removes every entry of `db` (the database itself stays open), e.g. to rebuild a projection.
    public func removeAll(_ db: Database) throws {
        try core.removeAll(db)
    }
}
