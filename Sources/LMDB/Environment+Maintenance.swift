import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Environment {
    /// Writes a consistent copy of the store into `directory` (created `0o700` if missing; must be
    /// empty) as `data.mdb` with mode `options.fileMode`, while reads and writes go on.
    ///
    /// With `compact`, free pages are left out and pages renumbered, so the copy is as small as the
    /// data; the copy can be opened with `Environment.open` or the `mdb_*` tools. Do not call inside
    /// `read` or `write` on the same thread.
    public func copy(to directory: String, compact: Bool = true) throws {
        precondition(!threadState.isWriting && threadState.readDepth == 0,
                     "Environment.copy called inside read or write on the same thread (\(path))")
        try FileSystem.createDirectory(directory, mode: 0o700)
        guard try FileSystem.isEmptyDirectory(directory) else {
            throw LMDBError(code: .other(ENOTEMPTY), message: String(cString: strerror(ENOTEMPTY)),
                            operation: "copy environment", path: directory,
                            detail: "the target directory must be empty")
        }
        let file = FileSystem.join(directory, "data.mdb")
        // Our own descriptor rather than mdb_env_copy2's, which creates the file with mode 0666 & ~umask.
        #if canImport(Glibc)
        let fd = Glibc.open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, options.fileMode)
        #else
        let fd = Darwin.open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, options.fileMode)
        #endif
        guard fd >= 0 else { throw FileSystem.errnoError("create copy", path: file) }
        defer { close(fd) }
        // The copy reads the map, so the map must not be resized meanwhile.
        resizeLock.lockShared()
        let rc = mdb_env_copyfd2(raw, fd, compact ? UInt32(MDB_CP_COMPACT) : 0)
        resizeLock.unlock()
        if rc != 0 {
            unlink(file)
            throw LMDBError(rc: rc, operation: compact ? "compacting copy" : "copy", path: path,
                            detail: "to \(directory)")
        }
        if fsync(fd) != 0 { throw FileSystem.errnoError("flush copy", path: file) }
    }

    /// Writes a consistent copy of the named databases into a fresh environment in `directory` (created
    /// `0o700` if missing; must be empty), entry by entry in key order from one read transaction's
    /// snapshot, appended in 32 MiB write transactions.
    ///
    /// Slower than `copy(to:compact:)` but byte-clean: the compacting copy takes whole pages, and the
    /// unused space inside a live page (or at the end of an overflow run) can still hold bytes of a value
    /// that has since been rewritten or deleted. A rewrite carries nothing but the live keys and values, so
    /// a value erased from every entry leaves with it. Checksummed databases are read (verifying each
    /// value) and written (adding the same checksum) through checksummed handles.
    public func rewrite(to directory: String, databases: [(name: String, checksummed: Bool)]) throws {
        precondition(!threadState.isWriting && threadState.readDepth == 0,
                     "Environment.rewrite called inside read or write on the same thread (\(path))")
        try FileSystem.createDirectory(directory, mode: 0o700)
        guard try FileSystem.isEmptyDirectory(directory) else {
            throw LMDBError(code: .other(ENOTEMPTY), message: String(cString: strerror(ENOTEMPTY)),
                            operation: "rewrite environment", path: directory, detail: "the target directory must be empty")
        }
        var destinationOptions = options
        destinationOptions.readOnly = false
        let destination = try Environment.open(directory: directory, options: destinationOptions)
        let pairs = try databases.map { d in
            (try openDatabase(name: d.name, checksummed: d.checksummed), try destination.openDatabase(name: d.name, checksummed: d.checksummed))
        }
        try read { txn in
            for (source, target) in pairs {
                var chunk: [([UInt8], [UInt8])] = []
                var bytes = 0
                func flush() throws {
                    guard !chunk.isEmpty else { return }
                    let entries = chunk
                    try destination.write { w in
                        for (k, v) in entries { try w.put(target, k, v, flags: .append) }
                    }
                    chunk.removeAll(keepingCapacity: true)
                    bytes = 0
                }
                try txn.scan(source) { k, v in
                    chunk.append((Array(k), Array(v)))
                    bytes += k.count + v.count
                    if bytes >= 32 << 20 { try flush() }
                }
                try flush()
            }
        }
        try destination.sync()
    }

    /// Flushes committed data to disk. Only needed with `options.noSync` (commits flush otherwise);
    /// `force` flushes even then, which is what a bulk load should do at its end.
    public func sync(force: Bool = true) throws {
        BlockingWriteGuard.check("an LMDB sync of \(path)")
        resizeLock.lockShared()
        let rc = mdb_env_sync(raw, force ? 1 : 0)
        resizeLock.unlock()
        if rc != 0 { throw LMDBError(rc: rc, operation: "sync", path: path) }
    }

    /// Frees reader slots held by processes that died (done at open too) and returns how many.
    @discardableResult
    public func clearStaleReaders() throws -> Int {
        var dead: Int32 = 0
        let rc = mdb_reader_check(raw, &dead)
        if rc != 0 { throw LMDBError(rc: rc, operation: "clear stale readers", path: path) }
        return Int(dead)
    }

    /// Map size, page use, last transaction and per-database statistics. Runs a read transaction, so
    /// it must not be called inside `write` on the same thread.
    public func info() throws -> Info {
        try read { txn in
            var envInfo = MDB_envinfo()
            try check(mdb_env_info(raw, &envInfo), "read environment info")
            var stat = MDB_stat()
            try check(mdb_env_stat(raw, &stat), "read environment statistics")
            var databases: [String: Database.Statistics] = [:]
            for db in openedDatabases { databases[db.name] = try txn.statistics(db) }
            return Info(mapSize: envInfo.me_mapsize, pageSize: Int(stat.ms_psize),
                        lastPageNumber: envInfo.me_last_pgno, lastTransactionID: envInfo.me_last_txnid,
                        maxReaders: Int(envInfo.me_maxreaders), readerSlotsUsed: Int(envInfo.me_numreaders),
                        databases: databases)
        }
    }
}
