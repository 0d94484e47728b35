import CLMDB

/// A position in one database of a transaction, for ordered walks: forward and backward over keys,
/// seeking the first key at or after a given one, and over the values of a DUPSORT key.
///
/// Obtained only through `withCursor(_:_:)` of a transaction and valid only inside that closure.
/// Movements return whether the cursor now stands on an entry; reading the current entry when it
/// does not is a programmer error. The buffers lent by `withCurrent` point into the store's pages and
/// are valid only until the closure returns (and never after a write in the same transaction).
/// Keys compare byte-wise (shorter first on a common prefix), so big-endian integers sort numerically.
public struct Cursor: ~Copyable {
    private let raw: OpaquePointer
    private let txn: OpaquePointer
    private let database: Database
    private unowned(unsafe) let environment: Environment
    private var key = MDB_val()
    private var value = MDB_val()
    /// Whether the cursor stands on an entry (the last movement found one).
    public private(set) var isPositioned = false
    /// Whether a movement checks the value it lands on (checksummed databases). Off only for
    /// `TransactionCore.scanKeys`, which checks each value its body asks for.
    private let checksOnMove: Bool
    /// Read transactions only: the page size less one (0: no prefetching), and the address of the
    /// leaf page the cursor last stood on (see `prefetchOnArrival`).
    private let pageMask: UInt
    private var page: UInt = 0

    init(core: borrowing TransactionCore, database: Database, checksOnMove: Bool = true) throws {
        core.checkOwner(database)
        var cursor: OpaquePointer?
        let rc = mdb_cursor_open(core.txn, database.dbi, &cursor)
        guard rc == 0, let cursor else { throw core.failure(rc, "open cursor", database) }
        self.raw = cursor
        self.txn = core.txn
        self.database = database
        self.environment = core.environment
        self.checksOnMove = checksOnMove
        // Only where every page is in the map: a write transaction's dirty pages are heap copies,
        // which need not be page-aligned.
        let size = core.environment.pageSize
        self.pageMask = !core.isWrite && size >= 512 && size & (size - 1) == 0 ? UInt(size - 1) : 0
    }

    deinit { mdb_cursor_close(raw) }

    private mutating func move(_ op: MDB_cursor_op, _ name: String) throws -> Bool {
        let rc = mdb_cursor_get(raw, &key, &value, op)
        return try settle(rc, name, nil)
    }

    private mutating func settle(_ rc: Int32, _ name: String, _ input: UnsafeRawBufferPointer?) throws -> Bool {
        if rc == 0 {
            if pageMask != 0 { prefetchOnArrival() }
            if database.isChecksummed, checksOnMove {
                let stored = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
                let keyBytes = UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)
                guard let checked = ValueChecksum.verified(key: keyBytes, stored: stored) else {
                    isPositioned = false
                    throw LMDBError.checksumMismatch(database: database.name, path: environment.path, key: keyBytes,
                                                     storedBytes: stored.count)
                }
                value.mv_size = checked.count
            }
            isPositioned = true
            return true
        }
        isPositioned = false
        if rc == MDB_NOTFOUND { return false }
        throw LMDBError(rc: rc, operation: "cursor \(name)", database: database.name, path: environment.path,
                        detail: input.map { "key \(hexDescription($0))" })
    }

    /// On arriving at another leaf page, asks the CPU to load all of its nodes (keys and inline
    /// values: from the page's `upper` offset to its end) at once, so a walk does not wait for memory
    /// at every entry: LMDB reads a node's header first thing in the move to it, and the checksum then
    /// reads its value, each a cache miss on a page not yet visited; prefetched, the misses of a page
    /// overlap. Measured (issue 14, `bench views`, 1.03M events, release, shared 2-core machine at
    /// load 4-6): scan and peek 0.15-0.26 s with it against 0.25-0.31 s without; before it, perf put
    /// ~7% of a rebuild on the one instruction of `mdb_cursor_get` that first reads a node and ~7% in
    /// the checksum, mostly waiting for the value's lines. The page is the one holding the
    /// key (a leaf's node; in a read transaction every page is in the map, at a multiple of the page
    /// size); its `upper` is read from the MDB_page header (offset 14, as `PageCheck` reads it), a
    /// line LMDB has just read itself.
    @inline(__always) private mutating func prefetchOnArrival() {
        let at = UInt(bitPattern: key.mv_data)
        let base = at & ~pageMask
        guard at != 0, base != page else { return }
        page = base
        let start = UnsafeRawPointer(bitPattern: base)!
        let size = Int(pageMask) + 1
        let upper = Int(start.loadUnaligned(fromByteOffset: 14, as: UInt16.self))
        guard upper < size else { return }
        var line = upper & ~63
        while line < size {
            hireledger_prefetch(start + line)
            line += 64
        }
    }

    /// Moves to the first entry; `false` if the database is empty.
    public mutating func first() throws -> Bool { try move(MDB_FIRST, "first") }
    /// Moves to the last entry; `false` if the database is empty.
    public mutating func last() throws -> Bool { try move(MDB_LAST, "last") }
    /// Moves to the next entry (the next value of the same key first, in a DUPSORT database);
    /// from an unpositioned cursor, to the first. `false` at the end.
    public mutating func next() throws -> Bool { try move(MDB_NEXT, "next") }
    /// Moves to the previous entry; from an unpositioned cursor, to the last. `false` at the start.
    public mutating func previous() throws -> Bool { try move(MDB_PREV, "previous") }
    /// Moves to the first value of the next key, skipping remaining values of this one.
    public mutating func nextKey() throws -> Bool { try move(MDB_NEXT_NODUP, "next key") }
    /// Moves to the last value of the previous key.
    public mutating func previousKey() throws -> Bool { try move(MDB_PREV_NODUP, "previous key") }
    /// Moves to the next value of the current key (DUPSORT); `false` after its last value.
    public mutating func nextDuplicate() throws -> Bool { try move(MDB_NEXT_DUP, "next duplicate") }
    /// Moves to the previous value of the current key (DUPSORT); `false` before its first value.
    public mutating func previousDuplicate() throws -> Bool { try move(MDB_PREV_DUP, "previous duplicate") }

    /// Moves to the first entry whose key is greater than or equal to `key`; `false` if there is none.
    public mutating func seek(_ key: some LMDBBytes) throws -> Bool {
        try key.withLMDBBytes { bytes in
            self.key = MDB_val(bytes)
            // LMDB replaces `self.key` with the found key in the page, so it never keeps our buffer.
            let rc = mdb_cursor_get(raw, &self.key, &value, MDB_SET_RANGE)
            return try settle(rc, "seek", bytes)
        }
    }

    /// Moves to the entry with exactly `key` (its first value, in a DUPSORT database); `false` if absent.
    public mutating func seek(exactly key: some LMDBBytes) throws -> Bool {
        try key.withLMDBBytes { bytes in
            self.key = MDB_val(bytes)
            let rc = mdb_cursor_get(raw, &self.key, &value, MDB_SET_KEY)
            return try settle(rc, "seek exactly", bytes)
        }
    }

    /// Number of values of the current key (1 unless DUPSORT).
    public func duplicateCount() throws -> Int {
        precondition(isPositioned, "Cursor.duplicateCount() on a cursor that is not on an entry")
        var count = 0
        let rc = mdb_cursor_count(raw, &count)
        if rc != 0 {
            throw LMDBError(rc: rc, operation: "count duplicates", database: database.name, path: environment.path)
        }
        return count
    }

    /// Lends the current key and value, zero-copy, for the duration of `body`.
    public func withCurrent<R>(_ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(isPositioned, "Cursor.withCurrent on a cursor that is not on an entry")
        return try body(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size),
                        UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    /// A copy of the current key.
    public var currentKey: [UInt8] { withCurrent { key, _ in Array(key) } }
    /// A copy of the current value.
    public var currentValue: [UInt8] { withCurrent { _, value in Array(value) } }

    /// Compares the current key with `other` in the database's order (<0, 0, >0).
    func compareKey(to other: UnsafeRawBufferPointer) -> Int32 {
        var current = key
        var bound = MDB_val(other)
        return mdb_cmp(txn, database.dbi, &current, &bound)
    }
}
