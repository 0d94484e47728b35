import CLMDB

/// The reads every transaction offers; `ReadTransaction` and `WriteTransaction` conform (a write
/// transaction reads its own uncommitted changes).
///
/// Write helpers once for both kinds with a borrowed generic parameter:
///
/// ```swift
/// func lastSequence(_ txn: borrowing some ReadableTransaction & ~Copyable, log: Database) throws -> UInt64? {
///     var last: UInt64?
///     try txn.scan(log, reverse: true, limit: 1) { key, _ in last = UInt64(bigEndianBytes: key) }
///     return last
/// }
/// ```
///
/// Buffers lent to closures (`withValue`, `scan`, `Cursor.withCurrent`) point into the store's
/// read-only pages: valid only until the closure returns and, in a write transaction, only until the
/// next write; never write through them. Methods returning `[UInt8]` copy.
public protocol ReadableTransaction: ~Copyable {
    /// Implementation detail of the shared read operations; not for use outside this module.
    func _withCore<R>(_ body: (borrowing TransactionCore) throws -> R) rethrows -> R
}

extension ReadableTransaction where Self: ~Copyable {
    /// A copy of the value stored under `key` (the first value, in a DUPSORT database), or `nil`.
    public func get(_ db: Database, _ key: some LMDBBytes) throws -> [UInt8]? {
        try _withCore { core in
            try key.withLMDBBytes { try core.get(db, $0).map { Array($0) } }
        }
    }

    /// Calls `body` with the value under `key` without copying it and returns its result, or returns
    /// `nil` (without calling `body`) if the key is absent. The buffer is valid only inside `body`.
    public func withValue<R>(_ db: Database, _ key: some LMDBBytes,
                             _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try _withCore { core in
            try key.withLMDBBytes { bytes in
                guard let value = try core.get(db, bytes) else { return nil }
                return try body(value)
            }
        }
    }

    /// Whether `key` is present.
    public func contains(_ db: Database, _ key: some LMDBBytes) throws -> Bool {
        try _withCore { core in try key.withLMDBBytes { try core.get(db, $0) != nil } }
    }

    /// The id of the snapshot this transaction reads (`mdb_txn_id`): the transaction id of the meta
    /// page it started from, for `PageCheck.run(directory:txnid:)`.
    public var snapshotID: UInt64 {
        _withCore { UInt64(mdb_txn_id($0.txn)) }
    }

    /// Number of entries in `db` (each value of a DUPSORT key counts).
    public func count(_ db: Database) throws -> Int {
        try _withCore { core in try core.statistics(db).entries }
    }

    /// Entry and page counts of `db` (`mdb_stat`).
    public func statistics(_ db: Database) throws -> Database.Statistics {
        try _withCore { core in try core.statistics(db) }
    }

    /// Runs `body` with a fresh cursor on `db` (not yet positioned); the cursor is closed afterwards.
    public func withCursor<R>(_ db: Database, _ body: (inout Cursor) throws -> R) throws -> R {
        try _withCore { core in
            var cursor = try Cursor(core: core, database: db)
            return try body(&cursor)
        }
    }

    /// Visits the entries whose keys lie in `lower ..< upper` (a missing bound is open), in key order
    /// or, with `reverse`, from the highest key down, at most `limit` of them, and returns how many it
    /// visited. In a DUPSORT database every value is visited, in value order within a key.
    ///
    /// `body` gets key and value zero-copy, valid only during the call; it must not write to `db`.
    @discardableResult
    public func scan(_ db: Database, from lower: [UInt8]? = nil, upTo upper: [UInt8]? = nil,
                     reverse: Bool = false, limit: Int = .max,
                     _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try _withCore { core in
            try withOptionalBytes(lower) { lowerBytes in
                try withOptionalBytes(upper) { upperBytes in
                    try core.scan(db, from: lowerBytes, upTo: upperBytes, reverse: reverse, limit: limit, body)
                }
            }
        }
    }

    /// Visits the entries whose keys start with `prefix`, like `scan(_:from:upTo:reverse:limit:_:)`.
    @discardableResult
    public func scan(_ db: Database, prefix: [UInt8], reverse: Bool = false, limit: Int = .max,
                     _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try scan(db, from: prefix, upTo: prefixUpperBound(prefix), reverse: reverse, limit: limit, body)
    }

    /// Visits the keys that start with `prefix` in key order, each with a function that returns its
    /// value (zero-copy, valid only during the call), checked against its checksum when called (a
    /// mismatch throws `LMDBError.checksumMismatch`, as every read does): for walks that decide from
    /// the key which values they read, and check only those.
    public func scanKeys(_ db: Database, prefix: [UInt8],
                         _ body: (_ key: UnsafeRawBufferPointer, _ value: () throws -> UnsafeRawBufferPointer) throws -> Void) throws {
        try _withCore { core in
            try prefix.withUnsafeBytes { lower in
                try withOptionalBytes(prefixUpperBound(prefix)) { upper in try core.scanKeys(db, from: lower, upTo: upper, body) }
            }
        }
    }

    /// Visits every value stored under `key` in a DUPSORT database, in value order (zero-copy, valid
    /// only during the call), and returns how many; a plain database visits its one value, if any.
    @discardableResult
    public func forEachDuplicate(_ db: Database, of key: some LMDBBytes,
                                 _ body: (_ value: UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try _withCore { core in
            try key.withLMDBBytes { try core.forEachDuplicate(db, of: $0, body) }
        }
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let bytes else { return try body(nil) }
    return try bytes.withUnsafeBytes { try body($0) }
}

/// The smallest key greater than every key starting with `prefix`, or `nil` if there is none
/// (empty prefix or all `0xFF`).
func prefixUpperBound(_ prefix: [UInt8]) -> [UInt8]? {
    var bound = prefix
    while let last = bound.last {
        if last < 0xFF {
            bound[bound.count - 1] = last + 1
            return bound
        }
        bound.removeLast()
    }
    return nil
}
