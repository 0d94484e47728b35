import HireLedgerCore

/// Why the store could not be opened, read or written, beyond LMDB's own errors (`LMDBError`, which
/// the store passes through unchanged).
public enum LedgerStoreError: Error, Sendable, CustomStringConvertible {
    /// The store was written with a layout this build does not read.
    case formatVersionMismatch(path: String, found: UInt64, supported: UInt64)
    /// The `meta` database is missing a value that every store has, or holds one that cannot be read.
    case damagedMeta(path: String, what: String)
    /// A log entry or state row could not be decoded.
    case damagedEntry(path: String, database: String, what: String)
    /// A log append found the log in a state that contradicts the batch (a sequence bug).
    case inconsistentAppend(path: String, what: String)

    public var description: String {
        switch self {
        case .formatVersionMismatch(let path, let found, let supported):
            if found > supported {
                return "the store at \(path) has format version \(found), newer than this HireLedger reads (\(supported)). "
                    + "Upgrade HireLedger, or point --store at another directory."
            }
            return "the store at \(path) has format version \(found); this HireLedger reads version \(supported) and has no "
                + "migration from \(found). Rebuild it: move the directory away and run `hireledger sync --full` into a new store."
        case .damagedMeta(let path, let what):
            return "the store at \(path) is damaged: \(what). Restore it from a copy (`hireledger` copies are made with "
                + "`LedgerStore.copy(to:)`) or move it away and run `hireledger sync --full` into a new store."
        case .damagedEntry(let path, let database, let what):
            return "the store at \(path) has an unreadable entry in `\(database)`: \(what). Restore it from a copy, "
                + "or move it away and run `hireledger sync --full` into a new store."
        case .inconsistentAppend(let path, let what):
            return "refused to append to the store at \(path): \(what). Nothing was written. This is a bug in HireLedger; "
                + "please report it with the output of `hireledger status`."
        }
    }
}
