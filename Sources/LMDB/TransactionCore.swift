import CLMDB

/// The internals shared by `ReadTransaction` and `WriteTransaction`. An implementation detail with no
/// public members; it is only ever lent (borrowed) inside a transaction's closure.
public struct TransactionCore: ~Copyable {
    let txn: OpaquePointer
    // unowned(unsafe): a transaction lives inside a method call on its environment, which keeps the
    // environment alive; a strong reference would only add reference counting to every read.
    unowned(unsafe) let environment: Environment
    // Computed once per transaction: deriving it from `environment` per operation would retain and
    // release the shared environment object, a contended atomic when many threads read.
    let environmentID: ObjectIdentifier
    let isWrite: Bool

    init(txn: OpaquePointer, environment: Environment, isWrite: Bool) {
        self.txn = txn
        self.environment = environment
        self.environmentID = ObjectIdentifier(environment)
        self.isWrite = isWrite
    }

    @inline(__always)
    func checkOwner(_ db: Database) {
        precondition(db.environmentID == environmentID,
                     "\(db) belongs to another Environment than \(environment.path)")
    }

    /// The error for `rc`; in a write transaction, `MDB_MAP_FULL` is also recorded so that `write`
    /// grows the map and re-runs its closure whatever the closure does with the error.
    func failure(_ rc: Int32, _ operation: String, _ db: Database?, detail: String? = nil) -> LMDBError {
        if rc == MDB_MAP_FULL, isWrite { environment.mapFullSeen = true }
        return LMDBError(rc: rc, operation: operation, database: db?.name, path: environment.path, detail: detail)
    }

    func get(_ db: Database, _ key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        checkOwner(db)
        var k = MDB_val(key)
        var v = MDB_val()
        let rc = mdb_get(txn, db.dbi, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        if rc != 0 { throw failure(rc, "get", db, detail: "key \(hexDescription(key))") }
        let stored = UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
        guard db.isChecksummed else { return stored }
        guard let value = ValueChecksum.verified(key: key, stored: stored) else {
            throw LMDBError.checksumMismatch(database: db.name, path: environment.path, key: key, storedBytes: stored.count)
        }
        return value
    }

    func statistics(_ db: Database) throws -> Database.Statistics {
        checkOwner(db)
        var stat = MDB_stat()
        let rc = mdb_stat(txn, db.dbi, &stat)
        if rc != 0 { throw failure(rc, "stat", db) }
        return Database.Statistics(stat)
    }

    func scan(_ db: Database, from lower: UnsafeRawBufferPointer?, upTo upper: UnsafeRawBufferPointer?,
              reverse: Bool, limit: Int,
              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        precondition(limit >= 0, "scan limit must not be negative")
        var cursor = try Cursor(core: self, database: db)
        var visited = 0
        var found: Bool
        if !reverse {
            if let lower { found = try cursor.seek(lower) } else { found = try cursor.first() }
            while found, visited < limit {
                if let upper, cursor.compareKey(to: upper) >= 0 { break }
                try cursor.withCurrent(body)
                visited += 1
                // Not one step past the limit: the entry after it may be damaged and is not asked for.
                if visited == limit { break }
                found = try cursor.next()
            }
        } else {
            if let upper {
                found = try cursor.seek(upper)
                found = try found ? cursor.previous() : cursor.last()
            } else {
                found = try cursor.last()
            }
            while found, visited < limit {
                if let lower, cursor.compareKey(to: lower) < 0 { break }
                try cursor.withCurrent(body)
                visited += 1
                if visited == limit { break }
                found = try cursor.previous()
            }
        }
        return visited
    }

    /// `scan` forwards over `lower ..< upper`, lending each key and a function that returns the
    /// entry's value, checked against its checksum (in a checksummed database) when it is called: a
    /// body that decides from the key alone reads, and checks, no value.
    func scanKeys(_ db: Database, from lower: UnsafeRawBufferPointer?, upTo upper: UnsafeRawBufferPointer?,
                  _ body: (UnsafeRawBufferPointer, () throws -> UnsafeRawBufferPointer) throws -> Void) throws {
        var cursor = try Cursor(core: self, database: db, checksOnMove: false)
        var found = try lower.map { try cursor.seek($0) } ?? cursor.first()
        let name = db.name, path = environment.path, checksummed = db.isChecksummed
        while found {
            if let upper, cursor.compareKey(to: upper) >= 0 { break }
            try cursor.withCurrent { key, stored in
                try body(key) {
                    guard checksummed else { return stored }
                    guard let value = ValueChecksum.verified(key: key, stored: stored) else {
                        throw LMDBError.checksumMismatch(database: name, path: path, key: key, storedBytes: stored.count)
                    }
                    return value
                }
            }
            found = try cursor.next()
        }
    }

    func forEachDuplicate(_ db: Database, of key: UnsafeRawBufferPointer,
                          _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var cursor = try Cursor(core: self, database: db)
        guard try cursor.seek(exactly: key) else { return 0 }
        var visited = 0
        var found = true
        while found {
            try cursor.withCurrent { _, value in try body(value) }
            visited += 1
            // A database without dupSort has exactly one value per key.
            found = db.flags.contains(.dupSort) ? try cursor.nextDuplicate() : false
        }
        return visited
    }

    // MARK: Writes

    func put(_ db: Database, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer,
             flags: WriteTransaction.PutFlags) throws {
        checkOwner(db)
        var k = MDB_val(key)
        var v = MDB_val(value)
        let rc: Int32
        if db.isChecksummed {
            // Reserve room for value and checksum and fill it in place: no temporary copy.
            v = MDB_val(mv_size: value.count + ValueChecksum.size, mv_data: nil)
            rc = mdb_put(txn, db.dbi, &k, &v, flags.rawValue | UInt32(MDB_RESERVE))
            if rc == 0, let out = v.mv_data {
                if let base = value.baseAddress, value.count > 0 { out.copyMemory(from: base, byteCount: value.count) }
                let sum = ValueChecksum.of(key: key, value: value).littleEndian
                withUnsafeBytes(of: sum) { (out + value.count).copyMemory(from: $0.baseAddress!, byteCount: ValueChecksum.size) }
                return
            }
        } else {
            rc = mdb_put(txn, db.dbi, &k, &v, flags.rawValue)
        }
        if rc == 0 { return }
        var detail = "key \(hexDescription(key)), \(value.count) value bytes"
        if rc == MDB_KEYEXIST {
            if flags.contains(.append) {
                detail = "append: key \(hexDescription(key)) is not greater than the last key; "
                    + "append requires strictly increasing keys"
            } else if flags.contains(.appendDuplicate) {
                detail = "appendDuplicate: value \(hexDescription(value)) of key \(hexDescription(key)) is not "
                    + "greater than the key's last value"
            } else if flags.contains(.noOverwrite) {
                detail = "noOverwrite: key \(hexDescription(key)) already exists"
            } else if flags.contains(.noDuplicateData) {
                detail = "noDuplicateData: key \(hexDescription(key)) already has this value"
            }
        }
        throw failure(rc, "put", db, detail: detail)
    }

    func delete(_ db: Database, _ key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) throws -> Bool {
        checkOwner(db)
        var k = MDB_val(key)
        let rc: Int32
        if let value {
            var v = MDB_val(value)
            rc = mdb_del(txn, db.dbi, &k, &v)
        } else {
            rc = mdb_del(txn, db.dbi, &k, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        if rc != 0 { throw failure(rc, "delete", db, detail: "key \(hexDescription(key))") }
        return true
    }

    func removeAll(_ db: Database) throws {
        checkOwner(db)
        let rc = mdb_drop(txn, db.dbi, 0)
        if rc != 0 { throw failure(rc, "remove all entries", db) }
    }
}

extension MDB_val {
    /// A value pointing at `bytes`. LMDB only reads through input values, but takes them as mutable.
    @inline(__always)
    init(_ bytes: UnsafeRawBufferPointer) {
        self.init(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
    }
}
