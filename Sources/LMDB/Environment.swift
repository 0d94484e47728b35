import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An open LMDB store (one directory holding `data.mdb` and `lock.mdb`), shared by every thread and
/// task of the process.
///
/// Open it with `Environment.open(directory:options:)`, which returns the existing instance when the
/// directory is already open in this process. Open the named databases once at start-up with
/// `openDatabase(name:flags:)`, then work in transactions:
///
/// ```swift
/// let env = try Environment.open(directory: path)
/// let log = try env.openDatabase(name: "log", flags: .create)
/// try env.write { txn in try txn.put(log, seq, eventBytes, flags: .append) }
/// let event = try env.read { txn in try txn.get(log, seq) }
/// ```
///
/// Rules for callers:
/// - `read` and `write` are synchronous and may block the calling thread (writes wait for the single
///   writer; commits fsync). From async code, run writes on a dedicated thread or an actor that owns
///   one, not on the cooperative pool.
/// - The transaction exists only inside the closure and cannot be stored or used across `await`
///   (the closures are synchronous and the transaction types are `~Copyable`). Copy results out.
/// - A `write` closure may run more than once (after the map was grown), so it must not change
///   state outside the transaction; compute such changes from its result after it returns.
/// - On one thread, do not call `write` inside `read` or `write`, nor `read` inside `write` (use
///   the write transaction's own reads): these nestings would deadlock and trap instead.
public final class Environment: @unchecked Sendable {
    // Sendable invariants: `raw`, `path` and `options` are set once in init and never change; the
    // environment handle is closed only in deinit, when no transaction can be open (every transaction
    // lives inside a method call on `self`). All mutable state is guarded: `mapFullSeen` is touched only
    // by the thread holding `writerLock`; `databases` is a `Mutex`. Every open
    // transaction holds `resizeLock` shared; the map is resized only with it held exclusively, which
    // is LMDB's rule that no transaction is open in the process during `mdb_env_set_mapsize`.

    /// The canonical (absolute, symlink-free) path of the directory.
    public let path: String
    /// The options the environment was opened with.
    public let options: Options

    let raw: OpaquePointer
    /// The size of the map's pages (`Cursor` prefetches a leaf page's nodes by it).
    let pageSize: Int
    private let writerLock = Mutex(())
    let resizeLock = PosixRWLock()
    let threadState = ThreadTransactionState()
    private let databases = Mutex<[String: Database]>([:])
    /// Set by a write transaction's operations when LMDB reported `MDB_MAP_FULL`.
    var mapFullSeen = false

    /// Opens the store in `directory`, creating the directory (mode `0o700`) and the files (mode
    /// `options.fileMode`) if missing, and clears reader slots left by dead processes.
    ///
    /// A directory already open in this process is not opened again: the live `Environment` is
    /// returned if `options` are equal to its options, and `LMDBError` `.alreadyOpen` is thrown if not.
    /// Damaged or foreign files fail with `.invalid`, `.corrupted` or `.versionMismatch`.
    public static func open(directory: String, options: Options = Options()) throws -> Environment {
        if !options.readOnly { try FileSystem.createDirectory(directory, mode: 0o700) }
        let canonical = try FileSystem.canonicalPath(directory)
        return try EnvironmentRegistry.shared.environment(at: canonical, options: options) {
            try Environment(canonicalPath: canonical, options: options)
        }
    }

    private init(canonicalPath: String, options: Options) throws {
        var created: OpaquePointer?
        try check(mdb_env_create(&created), "create environment")
        guard let env = created else { throw LMDBError(rc: ENOMEM, operation: "create environment") }
        LMDBAssertion.install(on: env)
        func step(_ rc: Int32, _ operation: String) throws {
            if rc != 0 {
                mdb_env_close(env)
                throw LMDBError(rc: rc, operation: operation, path: canonicalPath)
            }
        }
        try step(mdb_env_set_maxdbs(env, MDB_dbi(options.maxDatabases)), "set max databases")
        try step(mdb_env_set_maxreaders(env, UInt32(options.maxReaders)), "set max readers")
        try step(mdb_env_set_mapsize(env, Environment.roundedToPages(options.mapSize)), "set map size")
        // MDB_NOTLS always: reader slots belong to the transaction, not the thread, so reads may run on
        // any thread and two reads may be open on one thread (Swift tasks change threads across `await`).
        var flags = UInt32(MDB_NOTLS)
        if options.noSync { flags |= UInt32(MDB_NOSYNC) }
        if options.readOnly { flags |= UInt32(MDB_RDONLY) | UInt32(MDB_NOLOCK) }
        // LMDB reads its meta pages but maps the file without checking it against them: a truncated
        // file would crash the first read past its end (SIGBUS). Refuse it here instead.
        do { try DataFileCheck.check(directory: canonicalPath) } catch {
            mdb_env_close(env)
            throw error
        }
        try step(mdb_env_open(env, canonicalPath, flags, options.fileMode), "open environment")
        if !options.readOnly {
            var dead: Int32 = 0
            try step(mdb_reader_check(env, &dead), "clear stale readers")
        }
        var stat = MDB_stat()
        try step(mdb_env_stat(env, &stat), "read page size")
        self.raw = env
        self.path = canonicalPath
        self.options = options
        self.pageSize = Int(stat.ms_psize)
    }

    deinit {
        mdb_env_close(raw)
        EnvironmentRegistry.shared.didClose(path: path)
    }

    /// The longest key (and DUPSORT value) in bytes, 511 with the default build.
    public var maxKeySize: Int { Int(mdb_env_get_maxkeysize(raw)) }

    // MARK: Databases

    /// Opens (with `.create`: creates if missing) the named database and returns its handle.
    ///
    /// Call once per database at start-up and keep the handle; it stays valid for the environment's
    /// life and may be used from any thread. Opening runs a write transaction, so do not call this
    /// inside `read` or `write`. Fails with `.notFound` if the database is missing and `.create` was
    /// not given, and `.incompatible` if it exists with different `dupSort`/`dupFixed` flags.
    ///
    /// With `checksummed`, every value carries a checksum (`Database.isChecksummed`). In a read-only
    /// environment the database must exist (`.create` is ignored).
    public func openDatabase(name: String, flags: Database.Flags = .create, checksummed: Bool = false) throws -> Database {
        let persistent: Database.Flags = [.dupSort, .dupFixed]
        if options.readOnly {
            let dbi = try openDatabaseReadOnly(name: name, flags: flags.subtracting(.create), persistent: persistent)
            let database = Database(name: name, flags: flags, dbi: dbi, environmentID: ObjectIdentifier(self),
                                    checksummed: checksummed)
            databases.withLock { $0[name] = database }
            return database
        }
        let dbi: MDB_dbi = try write { txn in
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(txn.core.txn, name, flags.rawValue, &dbi)
            if rc == MDB_NOTFOUND {
                throw LMDBError(rc: rc, operation: "open database", database: name, path: path,
                                detail: "it does not exist; open it with flags .create to create it")
            }
            if rc != 0 { throw LMDBError(rc: rc, operation: "open database", database: name, path: path) }
            var actual: UInt32 = 0
            try check(mdb_dbi_flags(txn.core.txn, dbi, &actual), "read database flags", database: name)
            let existing = Database.Flags(rawValue: actual).intersection(persistent)
            guard existing == flags.intersection(persistent) else {
                throw LMDBError(rc: MDB_INCOMPATIBLE, operation: "open database", database: name, path: path,
                                detail: "it was created with flags \(existing.rawValue), requested \(flags.intersection(persistent).rawValue)")
            }
            return dbi
        }
        let database = Database(name: name, flags: flags, dbi: dbi, environmentID: ObjectIdentifier(self),
                                checksummed: checksummed)
        databases.withLock { $0[name] = database }
        return database
    }

    /// Opens an existing database in a read-only transaction, which must be committed (not aborted)
    /// for the handle to outlive it.
    private func openDatabaseReadOnly(name: String, flags: Database.Flags, persistent: Database.Flags) throws -> MDB_dbi {
        resizeLock.lockShared()
        defer { resizeLock.unlock() }
        var txn: OpaquePointer?
        try check(mdb_txn_begin(raw, nil, UInt32(MDB_RDONLY), &txn), "begin read transaction")
        guard let txn else { throw LMDBError(rc: ENOMEM, operation: "begin read transaction", path: path) }
        var dbi: MDB_dbi = 0
        let rc = mdb_dbi_open(txn, name, flags.rawValue, &dbi)
        if rc != 0 {
            mdb_txn_abort(txn)
            throw LMDBError(rc: rc, operation: "open database", database: name, path: path,
                            detail: rc == MDB_NOTFOUND ? "it does not exist, and a read-only store cannot create it" : nil)
        }
        var actual: UInt32 = 0
        let flagsRC = mdb_dbi_flags(txn, dbi, &actual)
        let commit = mdb_txn_commit(txn)
        try check(flagsRC, "read database flags", database: name)
        try check(commit, "open database", database: name)
        let existing = Database.Flags(rawValue: actual).intersection(persistent)
        guard existing == flags.intersection(persistent) else {
            throw LMDBError(rc: MDB_INCOMPATIBLE, operation: "open database", database: name, path: path,
                            detail: "it was created with flags \(existing.rawValue), requested \(flags.intersection(persistent).rawValue)")
        }
        return dbi
    }

    /// The databases opened through this environment so far.
    var openedDatabases: [Database] { databases.withLock { Array($0.values) } }

    // MARK: Transactions

    /// Runs `body` in a read-only transaction that sees the last committed state, and returns its result.
    ///
    /// Any thread may call this, and many reads run at once. The transaction and every buffer it lends
    /// are valid only inside `body`: copy what you need out. Keep reads short; an open read holds a
    /// reader slot and keeps old pages from being reused. Must not be called inside `write` on the
    /// same thread (use the write transaction's reads).
    @discardableResult
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        precondition(!threadState.isWriting,
                     "Environment.read called inside write on the same thread (\(path)); use the WriteTransaction's reads")
        // A nested read already holds the resize lock shared; taking it again could deadlock behind a
        // waiting resize (the lock prefers writers).
        let outermost = threadState.readDepth == 0
        if outermost { resizeLock.lockShared() }
        threadState.beginRead()
        defer {
            threadState.endRead()
            if outermost { resizeLock.unlock() }
        }
        let txn = try beginTransaction(flags: UInt32(MDB_RDONLY), mayAdoptResize: outermost)
        defer { mdb_txn_abort(txn) }
        return try body(ReadTransaction(core: TransactionCore(txn: txn, environment: self, isWrite: false)))
    }

    /// Runs `body` in the write transaction and commits it when `body` returns; if `body` throws, the
    /// transaction is aborted (nothing of it is kept) and the error is rethrown.
    ///
    /// One write runs at a time in the process (others wait here) and across processes (LMDB's lock).
    /// Reads of the transaction's own uncommitted data go through `txn` itself.
    ///
    /// - Important: `body` may run more than once: when the map fills up, the transaction is aborted,
    ///   the map grown and `body` run again from the start, invisibly to the caller. So `body` must
    ///   only change the store through `txn` and must not mutate outside state (counters, caches);
    ///   derive those from its return value after `write` returns.
    @discardableResult
    public func write<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        precondition(!threadState.isWriting && threadState.readDepth == 0,
                     "Environment.write called inside read or write on the same thread (\(path)); this would deadlock")
        if options.readOnly {
            throw LMDBError(code: .readOnly, message: "the store is open read-only", operation: "begin write transaction",
                            path: path)
        }
        BlockingWriteGuard.check("an LMDB write transaction on \(path)")
        // The result leaves the lock through a local: `Mutex.withLock` returns only `sending` values,
        // which a caller's generic `R` is not.
        var result: R?
        try writerLock.withLock { _ throws in
            threadState.beginWrite()
            defer { threadState.endWrite() }
            result = try writeLocked(body)
        }
        return result!
    }

    /// `write`'s body, with the writer lock held by this thread.
    private func writeLocked<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        while true {
            resizeLock.lockShared()
            let txn: OpaquePointer
            do {
                txn = try beginTransaction(flags: 0, mayAdoptResize: true)
            } catch {
                resizeLock.unlock()
                throw error
            }
            mapFullSeen = false
            let outcome: Result<R, any Error>
            do {
                outcome = .success(try body(WriteTransaction(core: TransactionCore(txn: txn, environment: self, isWrite: true))))
            } catch {
                outcome = .failure(error)
            }
            // Checked before the outcome: `body` may have caught the map-full error and thrown another
            // or returned; either way the transaction is unusable and must be re-run in a bigger map.
            if mapFullSeen {
                mdb_txn_abort(txn)
                resizeLock.unlock()
                try growMap()
                continue
            }
            switch outcome {
            case .failure(let error):
                mdb_txn_abort(txn)
                resizeLock.unlock()
                throw error
            case .success(let result):
                let rc = mdb_txn_commit(txn) // frees the transaction whatever the result
                resizeLock.unlock()
                if rc == MDB_MAP_FULL {
                    try growMap()
                    continue
                }
                if rc != 0 { throw LMDBError(rc: rc, operation: "commit", path: path) }
                return result
            }
        }
    }

    /// Begins a transaction, adopting a map grown by another process (`MDB_MAP_RESIZED`) as often as
    /// needed. Call with `resizeLock` held shared; it is held shared again on return.
    private func beginTransaction(flags: UInt32, mayAdoptResize: Bool) throws -> OpaquePointer {
        while true {
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(raw, nil, flags, &txn)
            if rc == 0, let txn { return txn }
            guard rc == MDB_MAP_RESIZED, mayAdoptResize else {
                throw LMDBError(rc: rc, operation: flags == 0 ? "begin write transaction" : "begin read transaction",
                                path: path)
            }
            // Loop, not retry once: with several processes growing the map, it can move again between
            // our adoption and the next begin.
            resizeLock.unlock()
            resizeLock.lockExclusive()
            let adopt = mdb_env_set_mapsize(raw, 0)
            resizeLock.unlock()
            resizeLock.lockShared()
            if adopt != 0 { throw LMDBError(rc: adopt, operation: "adopt map size grown by another process", path: path) }
        }
    }

    /// Grows the map after `MDB_MAP_FULL`. Call with no transaction of this process open by this thread.
    private func growMap() throws {
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        var info = MDB_envinfo()
        try check(mdb_env_info(raw, &info), "read map size")
        let current = info.me_mapsize
        let target = options.mapGrowthStep.map { current + $0 } ?? current * 2
        let rc = mdb_env_set_mapsize(raw, Environment.roundedToPages(target))
        if rc != 0 {
            throw LMDBError(rc: rc, operation: "grow map", path: path,
                            detail: "from \(current) to \(target) bytes after MDB_MAP_FULL")
        }
    }

    /// `size` rounded up to a multiple of the OS page size, as `mdb_env_set_mapsize` wants.
    static func roundedToPages(_ size: Int) -> Int {
        let page = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)
        return (size + page - 1) / page * page
    }
}
