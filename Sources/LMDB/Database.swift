import CLMDB

/// A named database inside an `Environment`: a small `Sendable` handle, opened once at start-up with
/// `Environment.openDatabase(name:flags:)` and then used from any thread in any transaction of that
/// environment.
///
/// A handle is only meaningful in the environment that opened it; using it in another one is a
/// programmer error and traps.
public struct Database: Sendable, Hashable, CustomStringConvertible {
    /// How a database is opened.
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Create the database if it does not exist (otherwise opening a missing one fails with `.notFound`).
        public static let create = Flags(rawValue: UInt32(MDB_CREATE))
        /// Several sorted values per key (an index: key = indexed value, values = entity keys).
        /// Values are then limited to `maxKeySize` bytes like keys.
        public static let dupSort = Flags(rawValue: UInt32(MDB_DUPSORT))
        /// With `dupSort`: all values of a key have the same size (e.g. 8-byte sequence numbers).
        public static let dupFixed = Flags(rawValue: UInt32(MDB_DUPFIXED))
    }

    /// Entry and page counts of one database (`mdb_stat`).
    public struct Statistics: Sendable, Hashable {
        /// Size of a database page in bytes.
        public var pageSize: Int
        /// Depth of the B-tree.
        public var depth: Int
        public var branchPages: Int
        public var leafPages: Int
        public var overflowPages: Int
        /// Number of entries (key/value pairs; each duplicate counts).
        public var entries: Int

        init(_ stat: MDB_stat) {
            pageSize = Int(stat.ms_psize)
            depth = Int(stat.ms_depth)
            branchPages = stat.ms_branch_pages
            leafPages = stat.ms_leaf_pages
            overflowPages = stat.ms_overflow_pages
            entries = stat.ms_entries
        }
    }

    /// The database's name.
    public let name: String
    /// The flags it was opened with (without `.create`).
    public let flags: Flags
    /// Whether every value carries a checksum (`ValueChecksum`): `put` appends it, and every read
    /// (`get`, `withValue`, `scan`, cursor movements) checks it and lends the value without it, or
    /// throws `LMDBError` `.checksumMismatch` naming the database and key. Not for DUPSORT databases.
    /// A property of how the handle reads and writes, not of the file: the caller keeps track of which
    /// databases hold checksummed values (a store format).
    public let isChecksummed: Bool
    let dbi: MDB_dbi
    let environmentID: ObjectIdentifier

    init(name: String, flags: Flags, dbi: MDB_dbi, environmentID: ObjectIdentifier, checksummed: Bool = false) {
        precondition(!(checksummed && flags.contains(.dupSort)), "a DUPSORT database cannot be checksummed (\(name))")
        self.name = name
        self.flags = flags.subtracting(.create)
        self.dbi = dbi
        self.environmentID = environmentID
        self.isChecksummed = checksummed
    }

    /// The same database read and written with (or without) value checksums: for a migration that
    /// rewrites plain values as checksummed ones, or a salvage that reads values whatever their check.
    public func checksummed(_ on: Bool) -> Database {
        Database(name: name, flags: flags, dbi: dbi, environmentID: environmentID, checksummed: on)
    }

    public var description: String { "Database(\(name))" }
}
