import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error from LMDB or from this wrapper, with what was being done when it happened.
///
/// Every LMDB return code becomes an `LMDBError`; `code` classifies it (the common cases by name,
/// anything else as `.other(rawCode)`), `message` is LMDB's own text (`mdb_strerror`, which also
/// covers `errno` values such as `ENOSPC`), and `description` adds the operation, the database and,
/// where there is one, what to do about it. Match on the code:
///
/// ```swift
/// do { try txn.put(log, seq, bytes, flags: .append) }
/// catch let error as LMDBError where error.code == .keyExists { … }
/// ```
public struct LMDBError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a closed set for the codes callers act on.
    public enum Code: Sendable, Hashable {
        /// `MDB_NOTFOUND`: no such key, or a named database that does not exist.
        case notFound
        /// `MDB_KEYEXIST`: the key (or key/value pair) exists, or an `append` key was not greater than the last.
        case keyExists
        /// `MDB_MAP_FULL`: the map is full. Writes grow the map themselves, so this only reaches a
        /// caller when growing failed.
        case mapFull
        /// `MDB_MAP_RESIZED`: another process grew the map. Adopted automatically except inside a nested read.
        case mapResized
        /// `MDB_READERS_FULL`: every reader slot is taken.
        case readersFull
        /// `MDB_TXN_FULL`: the write transaction has too many dirty pages.
        case txnFull
        /// `MDB_DBS_FULL`: more named databases than `Options.maxDatabases`.
        case databasesFull
        /// `MDB_CORRUPTED`, `MDB_PAGE_NOTFOUND` or `MDB_PANIC`: the store is damaged.
        case corrupted
        /// `MDB_INVALID`: the file is not an LMDB file (or its header is destroyed).
        case invalid
        /// `MDB_VERSION_MISMATCH`: written by an incompatible LMDB version.
        case versionMismatch
        /// `MDB_INCOMPATIBLE`: a database was opened with flags that contradict how it was created.
        case incompatible
        /// `MDB_BAD_VALSIZE`: an empty key, or a key (or DUPSORT value) longer than `maxKeySize`.
        case badValueSize
        /// The directory is already open in this process with different options (wrapper error).
        case alreadyOpen
        /// A value of a checksummed database does not match its checksum (wrapper error): the store
        /// is damaged. `database` and `key` name the entry.
        case checksumMismatch
        /// A write on an environment opened read-only (wrapper error).
        case readOnly
        /// Any other LMDB code or `errno` value.
        case other(Int32)

        init(_ rc: Int32) {
            switch rc {
            case MDB_NOTFOUND: self = .notFound
            case MDB_KEYEXIST: self = .keyExists
            case MDB_MAP_FULL: self = .mapFull
            case MDB_MAP_RESIZED: self = .mapResized
            case MDB_READERS_FULL: self = .readersFull
            case MDB_TXN_FULL: self = .txnFull
            case MDB_DBS_FULL: self = .databasesFull
            case MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_PANIC: self = .corrupted
            case MDB_INVALID: self = .invalid
            case MDB_VERSION_MISMATCH: self = .versionMismatch
            case MDB_INCOMPATIBLE: self = .incompatible
            case MDB_BAD_VALSIZE: self = .badValueSize
            default: self = .other(rc)
            }
        }
    }

    /// The classified code.
    public let code: Code
    /// The raw LMDB return code or `errno` (0 for wrapper-only errors such as `.alreadyOpen`).
    public let rawCode: Int32
    /// LMDB's text for the code (`mdb_strerror`), or the wrapper's for its own errors.
    public let message: String
    /// The operation that failed, e.g. `"put"`, `"open environment"`, `"commit"`.
    public let operation: String
    /// The named database involved, if any.
    public let database: String?
    /// The environment directory, if known.
    public let path: String?
    /// Extra facts about this failure (e.g. which key), if any.
    public let detail: String?
    /// The key of the entry involved, if known (a copy; set for `.checksumMismatch`).
    public private(set) var key: [UInt8]?

    /// A checksum mismatch of the value under `key` in `database`.
    static func checksumMismatch(database: String, path: String, key: UnsafeRawBufferPointer, storedBytes: Int) -> LMDBError {
        var error = LMDBError(code: .checksumMismatch, message: "the value does not match its checksum",
                              operation: "read", database: database, path: path,
                              detail: "key \(hexDescription(key))"
                                + (key.count == 8 ? " (\(UInt64(bigEndianBytes: key) ?? 0) as a big-endian integer)" : "")
                                + ", \(storedBytes) stored bytes")
        error.key = Array(key)
        return error
    }

    init(rc: Int32, operation: String, database: String? = nil, path: String? = nil, detail: String? = nil) {
        self.code = Code(rc)
        self.rawCode = rc
        self.message = String(cString: mdb_strerror(rc))
        self.operation = operation
        self.database = database
        self.path = path
        self.detail = detail
    }

    init(code: Code, message: String, operation: String, database: String? = nil, path: String? = nil,
         detail: String? = nil) {
        self.code = code
        if case .other(let raw) = code { self.rawCode = raw } else { self.rawCode = 0 }
        self.message = message
        self.operation = operation
        self.database = database
        self.path = path
        self.detail = detail
    }

    /// What a person or the calling code should do about this code, if there is something useful to say.
    public var advice: String? {
        switch code {
        case .corrupted, .invalid, .checksumMismatch:
            return "the store is damaged or is not an LMDB store: restore it from a backup copy "
                + "(Environment.copy) or rebuild it from the source of truth"
        case .versionMismatch:
            return "the store was written by an incompatible LMDB version: dump it with that version's "
                + "mdb_dump and reload it with mdb_load"
        case .readersFull:
            return "too many concurrent read transactions: keep reads short, call clearStaleReaders(), "
                + "or raise Options.maxReaders (takes effect when no process has the store open)"
        case .txnFull:
            return "the write transaction is too large: split the work into smaller batches"
        case .databasesFull:
            return "raise Options.maxDatabases"
        case .mapFull:
            return "the map could not be grown: check free disk space and address space"
        case .mapResized:
            return "another process grew the map while a read was nested inside another read on this "
                + "thread: do not nest reads"
        case .badValueSize:
            return "keys must be 1 to maxKeySize (511) bytes, and so must values in DUPSORT databases: "
                + "hash or truncate long keys"
        case .incompatible:
            return "open the database with the flags it was created with (dupSort/dupFixed)"
        case .alreadyOpen:
            return "use the Environment already open for this directory, or open it with the same options"
        case .readOnly:
            return "the store was opened read-only (it is not writable by this user); run this as its owner"
        case .other(let raw) where raw == ENOSPC:
            return "free disk space"
        case .other(let raw) where raw == EACCES || raw == EPERM:
            return "check the ownership and permissions of the store directory and its files"
        case .notFound, .keyExists, .other:
            return nil
        }
    }

    public var description: String {
        var text = "LMDB \(operation)"
        if let database { text += " on database '\(database)'" }
        if let path { text += " in \(path)" }
        text += " failed: \(message)"
        if let detail { text += " (\(detail))" }
        if let advice { text += "; \(advice)" }
        return text
    }
}

/// Throws an `LMDBError` for a non-zero LMDB return code.
@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String, database: String? = nil) throws {
    if rc != 0 { throw LMDBError(rc: rc, operation: operation(), database: database) }
}

/// Lowercase hex of at most `limit` bytes, for error details.
func hexDescription(_ bytes: UnsafeRawBufferPointer, limit: Int = 32) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(min(bytes.count, limit) * 2 + 3)
    for byte in bytes.prefix(limit) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    if bytes.count > limit { out.append(contentsOf: "...".utf8) }
    return String(decoding: out, as: UTF8.self)
}
