#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Environment {
    /// How an environment is opened. Two `open` calls for one directory must pass equal options.
    public struct Options: Sendable, Equatable, CustomStringConvertible {
        /// Initial map size in bytes (the database cannot grow past the map until it is grown). Writes
        /// grow it automatically, so this only sets how often that happens; address space is cheap on
        /// 64-bit systems and the file only grows with the pages actually used. Default 1 GiB.
        public var mapSize: Int
        /// How much a full map grows by: `nil` doubles it, a value adds that many bytes.
        public var mapGrowthStep: Int?
        /// Most named databases (`openDatabase`) the environment can hold. Default 16.
        public var maxDatabases: Int
        /// Most concurrent read transactions across all processes. Default 256. Only takes effect when
        /// the lock file is created (no process has the store open).
        public var maxReaders: Int
        /// Skip the fsync at each commit (`MDB_NOSYNC`): a system crash (not a process crash) can lose
        /// the last transactions, but the store stays consistent. For tests and bulk loads that call
        /// `sync(force: true)` at the end. Default `false`.
        public var noSync: Bool
        /// Permissions of the data and lock files. Default `0o600` (owner only). A missing directory is
        /// always created `0o700`.
        public var fileMode: mode_t
        /// Open an existing store for reading only (`MDB_RDONLY | MDB_NOLOCK`): for a directory this
        /// user may read but not write. No lock file is used (it may not be writable, and LMDB cannot
        /// keep one elsewhere), so the reads take no reader slot: a process writing the store at the
        /// same time may reuse pages such a read is looking at. Read a store nobody writes (an
        /// auditor's copy, a backup), or accept that a read racing a writer can fail (a checksum
        /// mismatch or `.corrupted`) and be retried. `write` and `openDatabase` with `.create` fail
        /// with `.readOnly`. Default `false`.
        public var readOnly: Bool

        public init(mapSize: Int = 1 << 30, mapGrowthStep: Int? = nil, maxDatabases: Int = 16,
                    maxReaders: Int = 256, noSync: Bool = false, fileMode: mode_t = 0o600, readOnly: Bool = false) {
            precondition(mapSize > 0, "mapSize must be positive")
            precondition(mapGrowthStep.map { $0 > 0 } ?? true, "mapGrowthStep must be positive")
            precondition(maxDatabases >= 0 && maxReaders > 0, "maxDatabases must be >= 0 and maxReaders > 0")
            self.mapSize = mapSize
            self.mapGrowthStep = mapGrowthStep
            self.maxDatabases = maxDatabases
            self.maxReaders = maxReaders
            self.noSync = noSync
            self.fileMode = fileMode
            self.readOnly = readOnly
        }

        public var description: String {
            "mapSize \(mapSize), growth \(mapGrowthStep.map(String.init) ?? "x2"), maxDatabases \(maxDatabases), "
                + "maxReaders \(maxReaders), noSync \(noSync), fileMode 0o\(String(fileMode, radix: 8))"
                + (readOnly ? ", read-only" : "")
        }
    }

    /// A snapshot of the environment's size and use (`mdb_env_info`, `mdb_stat`).
    public struct Info: Sendable {
        /// Current map size in bytes (grows automatically).
        public var mapSize: Int
        /// Database page size in bytes.
        public var pageSize: Int
        /// Number of the last page in use; `(lastPageNumber + 1) * pageSize` bytes of the file are used.
        public var lastPageNumber: Int
        /// ID of the last committed write transaction.
        public var lastTransactionID: Int
        /// Reader slots in the lock file.
        public var maxReaders: Int
        /// High-water mark of reader slots used since the lock file was created.
        public var readerSlotsUsed: Int
        /// Statistics of every database opened through this `Environment`, by name.
        public var databases: [String: Database.Statistics]

        /// Bytes of the data file in use.
        public var usedBytes: Int { (lastPageNumber + 1) * pageSize }
    }
}
