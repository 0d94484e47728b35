import HireLedgerCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HireLedgerCore
import LMDB
import Synchronization

/// The HireLedger store: one LMDB environment holding the append-only event log, the state index,
/// the secondary indexes and the sync checkpoints (docs/ARCHITECTURE.md §6).
///
/// Databases: `meta` (format version, store id, creation time), `log` (seq → `RecordedEvent`
/// storage form, appended with `MDB_APPEND`), `state` (entity key → `StateRow`), `by_entity`
/// (entity key ‖ seq → empty), `checkpoints` (sync tokens,
/// sync runs, backfill cursor), `projections` (checkpointed projection states, `ProjectionRunner`) and
/// `subscriptions` (webhook subscriptions, `SubscriptionStore`).
///
/// Rules for callers:
/// - Open a store once per directory per process (`open` returns a new object each time, but the
///   underlying `Environment` is shared per path, so opening twice is harmless).
/// - Every method is synchronous and runs its own short transaction; none is held across `await`.
///   Writes block the calling thread while another writer (thread or process) is active, and each
///   commit waits for an fsync: from async code run them through `onWriterThread`.
/// - Everything a write changes (events, state rows, indexes, checkpoints) is committed together or
///   not at all, so a crash at any instant leaves the store as it was after the last commit.
///
/// Sendable: every stored property is an immutable `let` of a `Sendable` type (the writer thread
/// guards its own queue); all stored data is in LMDB, whose writer lock serialises writes across
/// threads and processes.
public final class LedgerStore: Sendable {
    /// The layout version this build reads and writes. A layout change bumps it and adds a migration.
    /// 2: state rows may carry the hash of the record's raw bytes (`StateRow` version 2).
    /// 3: every value of `log`, `state`, `checkpoints`, `projections` and `subscriptions` carries a
    /// checksum (`ValueChecksum`, checked on every read).
    /// 4: event data and inline state records are compressed with dictionaries trained per family of
    /// values (`ValueCodec`, dictionaries in `dictionaries`), and a state row whose record is the one
    /// its created or restored event holds refers to that event instead of keeping a second copy
    /// (`StateRow` version 3, `RecordedEvent` storage version 2).
    /// 5: entity ids that are canonical UUIDs are held as 16 bytes in every key and event subject
    /// (`EntityKey` storage form), and an event's header names its type by a one-byte code
    /// (`RecordedEvent` storage version 3): about 45 bytes less per event, 21 per index and state key.
    /// The `by_occurred` index (occurredAt ‖ seq), which no query read, is gone: 16-byte keys inserted
    /// at random places on every sync, 7 % of a store's bytes.
    /// An older store is migrated when opened writable (`LedgerStoreMigration`: bounded transactions,
    /// resumable if killed); opened read-only, it is read as it is (format 1-2 without checks).
    public static let formatVersion: UInt64 = 5
    /// The oldest format this build opens (and upgrades in place).
    public static let oldestReadableFormatVersion: UInt64 = 1
    /// The databases whose values carry checksums from format 3 on. `meta` stays plain (an older
    /// build must be able to read the format number and refuse the store), and the indexes hold only
    /// keys (an index entry that points to a missing event is a finding of `verify`).
    public static let checksummedDatabaseNames: Set<String> = ["log", "state", "checkpoints", "projections", "subscriptions",
                                                               "dictionaries"]

    /// Whether this store was opened read-only (`open(directory:readOnly:)`): every write throws.
    public var isReadOnly: Bool { environment.options.readOnly }
    /// Whether the values carry checksums that every read checks (format 3; false only for an older
    /// store opened read-only).
    public let checksVerified: Bool
    /// Whether entity keys in `state` and `by_entity` use the UUID form (`EntityKey.storageBytes`,
    /// format 5); false only for an older store opened read-only, whose keys are all in the text form.
    /// A store opened writable is migrated before use, so it always uses the UUID form.
    public let compactKeys: Bool

    /// The environment (for maintenance, and for the parts that keep their own databases in it:
    /// projections, subscriptions).
    public let environment: Environment
    /// Canonical path of the store directory.
    public var path: String { environment.path }
    /// Random id made when the store was created; part of every event id (`<storeId>:<seq>`).
    public let storeId: String
    /// When the store was created (by the clock passed to the creating `open`).
    public let createdAt: Timestamp
    /// The classifier that turns record changes into domain events.
    public let classifier: EventClassifier

    /// Runs the writes of async callers (`onWriterThread`).
    let writer = WriterThread()
    /// Compresses half of a large write's values while the writing thread compresses the other half
    /// (`encodeValues`).
    let compressor = WriterThread(name: "ledger-compress")
    /// Created records whose domain events a write took as classified ahead (`PreparedCreation`), and those
    /// it classified itself although they came prepared, since this store was opened (a write re-run after
    /// the map grew counts twice). For tests.
    let preparedCreations = Mutex((used: 0, reclassified: 0))
    /// The compression of event data and state records, with the dictionaries loaded so far.
    let codec: ValueCodec
    /// `codec.decode`, as the closure event decoding takes (`dataDecoder`).
    let decodeData: @Sendable (UnsafeRawBufferPointer) throws -> [UInt8]

    let meta: Database
    let log: Database
    let state: Database
    let byEntity: Database
    let checkpoints: Database
    let projections: Database
    let subscriptions: Database
    /// Nil only for a store of an older format opened read-only (it has no such database, and no
    /// value that needs one).
    let dictionaries: Database?

    /// The database names, in the order `open` creates them.
    public static let databaseNames = ["meta", "log", "state", "by_entity", "checkpoints",
                                       "projections", "subscriptions", "dictionaries"]
    /// The index by occurredAt of formats 1 to 4, which nothing read: emptied by the migration to format 5.
    static let retiredDatabaseNames = ["by_occurred"]

    /// Opens the store in `directory`, creating it (directory `0o700`, files `0o600`) if missing.
    ///
    /// - Parameters:
    ///   - now: the creation time recorded in a new store (ignored for an existing one).
    /// - Throws: `LedgerStoreError.formatVersionMismatch` for a store of another format version,
    ///   `.damagedMeta` for a store whose `meta` cannot be read, `LMDBError` for LMDB failures.
    public static func open(directory: String, options: Environment.Options = Environment.Options(),
                            now: Timestamp = SystemLedgerClock().now(),
                            classifier: EventClassifier = EventClassifier()) throws -> LedgerStore {
        let env = try Environment.open(directory: directory, options: options)
        return try LedgerStore(environment: env, now: now, classifier: classifier, migrate: true)
    }

    /// Opens a store writable without migrating an older format (tests of the migration itself).
    static func openWithoutMigrating(directory: String) throws -> LedgerStore {
        let env = try Environment.open(directory: directory, options: Environment.Options())
        return try LedgerStore(environment: env, now: SystemLedgerClock().now(), classifier: EventClassifier(), migrate: false)
    }

    /// Opens an existing store for reading only (`Environment.Options.readOnly`: no lock file, no
    /// writes; see its caveat about a writer running at the same time). Every query works; writes
    /// (sync, projection checkpoints, subscriptions) throw `LMDBError` `.readOnly`.
    public static func openReadOnly(directory: String, classifier: EventClassifier = EventClassifier()) throws -> LedgerStore {
        try open(directory: directory, options: Environment.Options(readOnly: true), classifier: classifier)
    }

    private init(environment env: Environment, now: Timestamp, classifier: EventClassifier, migrate: Bool) throws {
        environment = env
        self.classifier = classifier
        let codec = ValueCodec()
        self.codec = codec
        decodeData = { try codec.decode($0) }
        let readOnly = env.options.readOnly
        meta = try env.openDatabase(name: "meta")
        let path = env.path
        let meta = self.meta
        let found = try env.read { txn in try LedgerStore.readMeta(txn, meta: meta, path: path) }
        if readOnly, found == nil {
            throw LedgerStoreError.damagedMeta(path: path, what: "it has no format version (a read-only store cannot be initialised)")
        }
        let migrating = try env.read { txn in
            try txn.contains(meta, StoreKeys.migrationProgress) || txn.contains(meta, StoreKeys.migrationProgress4)
                || txn.contains(meta, StoreKeys.migrationProgress5)
        }
        if readOnly, migrating {
            throw LedgerStoreError.migrationUnfinished(path: path)
        }
        // An older store read-only is read as it is; writable, it is migrated below before any use.
        let checked = !(readOnly && (found?.version ?? LedgerStore.formatVersion) < 3)
        checksVerified = checked
        compactKeys = !(readOnly && (found?.version ?? LedgerStore.formatVersion) < 5)
        func open(_ name: String) throws -> Database {
            try env.openDatabase(name: name, checksummed: checked && LedgerStore.checksummedDatabaseNames.contains(name))
        }
        log = try open("log")
        state = try open("state")
        byEntity = try open("by_entity")
        checkpoints = try open("checkpoints")
        projections = try open("projections")
        subscriptions = try open("subscriptions")
        // A read-only environment cannot create a database: an older store has none.
        dictionaries = readOnly && (found?.version ?? LedgerStore.formatVersion) < 4 ? nil : try open("dictionaries")

        let log = self.log
        if let existing = found {
            (storeId, createdAt) = (existing.id, existing.created)
            if migrate, !readOnly, existing.version < LedgerStore.formatVersion || migrating {
                try LedgerStoreMigration.migrate(self, from: existing.version)
            }
            // A damaged dictionary does not stop the open: a value that needs it is then reported as
            // damage where it is read (`decodeValue`, `decodeEvent`), and `verify` names the entry.
            do { try env.read { txn in try loadDictionaries(txn) } } catch {}
            return
        }
        // A new store. The id is drawn outside the write closure, which may run more than once.
        let newId = LedgerStore.randomStoreId()
        let created = try env.write { txn -> (String, Timestamp) in
            // Another process may have created it between our read and this write.
            if let raced = try LedgerStore.readMeta(txn, meta: meta, path: path) {
                guard raced.version == LedgerStore.formatVersion else {
                    throw LedgerStoreError.damagedMeta(path: path, what: "another process created it as format \(raced.version) while this one opened it; open it again")
                }
                return (raced.id, raced.created)
            }
            if try txn.count(log) > 0 {
                throw LedgerStoreError.damagedMeta(path: path, what: "the log holds events but `meta` has no format version")
            }
            try txn.put(meta, StoreKeys.formatVersion, LedgerStore.formatVersion)
            try txn.put(meta, StoreKeys.storeId, newId)
            try txn.put(meta, StoreKeys.createdAt, UInt64(bitPattern: now.millisecondsSinceEpoch))
            try txn.put(meta, StoreKeys.normalizerVersion, UInt64(RecordNormalizer.version))
            return (newId, now)
        }
        (storeId, createdAt) = created
        // The store holds candidate data: keep the directory private even if it existed with wider rights.
        _ = chmod(path, 0o700)
    }

    deinit {
        writer.stop()
        compressor.stop()
    }

    /// The key of `key` in `state` (and the start of its keys in `by_entity`), in this store's form.
    func entityKeyBytes(_ key: EntityKey) -> [UInt8] {
        compactKeys ? key.storageBytes : key.textStorageBytes
    }

    /// The `by_entity` key of the event at `seq` about `key`, in this store's form.
    func byEntityKey(_ key: EntityKey, _ seq: LogPosition) -> [UInt8] {
        StoreKeys.byEntity(key, seq, compact: compactKeys)
    }

    /// The handles of the databases whose values carry checksums (format 3), by name.
    var checksummedDatabases: [Database] { [log, state, checkpoints, projections, subscriptions] + (dictionaries.map { [$0] } ?? []) }

    /// Every database handle, in `databaseNames` order (without `dictionaries` for an older store opened
    /// read-only).
    public var databases: [Database] {
        [meta, log, state, byEntity, checkpoints, projections, subscriptions] + (dictionaries.map { [$0] } ?? [])
    }

    /// Runs `body` (typically one of the store's write methods) on the store's dedicated writer
    /// thread and returns its result. For async callers: a write blocks its thread on the writer lock
    /// and the commit's fsync, which must not happen on the cooperative pool. `body` runs after the
    /// writes submitted before it, one at a time.
    public func onWriterThread<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await writer.perform(body)
    }

    /// Reads and checks `meta`; nil for a store that was never initialised.
    private static func readMeta(_ txn: borrowing some ReadableTransaction & ~Copyable, meta: Database,
                                 path: String) throws -> (id: String, created: Timestamp, version: UInt64)? {
        guard let versionBytes = try txn.get(meta, StoreKeys.formatVersion) else { return nil }
        guard let version = UInt64(bigEndianBytes: versionBytes) else {
            throw LedgerStoreError.damagedMeta(path: path, what: "the format version is not an 8-byte number")
        }
        guard (oldestReadableFormatVersion...formatVersion).contains(version) else {
            throw LedgerStoreError.formatVersionMismatch(path: path, found: version, supported: formatVersion)
        }
        guard let idBytes = try txn.get(meta, StoreKeys.storeId), !idBytes.isEmpty,
              let id = String(validating: idBytes, as: UTF8.self)
        else { throw LedgerStoreError.damagedMeta(path: path, what: "the store id is missing") }
        guard let createdBytes = try txn.get(meta, StoreKeys.createdAt), let created = UInt64(bigEndianBytes: createdBytes) else {
            throw LedgerStoreError.damagedMeta(path: path, what: "the creation time is missing")
        }
        return (id, Timestamp(millisecondsSinceEpoch: Int64(bitPattern: created)), version)
    }

    /// 16 random bytes as 32 lowercase hex digits.
    static func randomStoreId() -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for _ in 0..<16 {
            let b = UInt8.random(in: 0...255, using: &rng)
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

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
    /// A migration to the current format was started and not finished, and this process cannot
    /// finish it (the store is open read-only).
    case migrationUnfinished(path: String)

    /// What to do about a damaged store, said by every damage message.
    public static let wayOut = "Restore it from a backup (`hireledger restore BACKUP`), or run `hireledger verify --salvage DIR` "
        + "to write a new store from what can still be read (it names the positions lost); `hireledger verify` lists the damage."

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
            return "the store at \(path) is damaged: \(what). \(LedgerStoreError.wayOut)"
        case .damagedEntry(let path, let database, let what):
            return "the store at \(path) has an unreadable entry in `\(database)`: \(what). \(LedgerStoreError.wayOut)"
        case .migrationUnfinished(let path):
            return "the store at \(path) is being migrated to format \(LedgerStore.formatVersion) and the migration has not "
                + "finished; run any hireledger command on it as a user who may write it (e.g. `hireledger status`), "
                + "which finishes the migration, then read it again."
        case .inconsistentAppend(let path, let what):
            return "refused to append to the store at \(path): \(what). Nothing was written. This is a bug in HireLedger; "
                + "please report it with the output of `hireledger status`."
        }
    }
}

/// A summary of a store for `hireledger status`: identity, positions, counts and sizes.
public struct StoreStatus: Sendable {
    /// The store directory (canonical path).
    public var path: String
    public var storeId: String
    public var formatVersion: UInt64
    public var createdAt: Timestamp
    /// The last position in the log (`LogPosition.none` when empty).
    public var lastPosition: LogPosition
    /// `observedAt` of the last event, if any.
    public var lastObservedAt: Timestamp?
    /// Number of events in the log.
    public var eventCount: Int
    /// Per entity kind: live records and tombstoned ones in the state index.
    public var records: [EntityKind: (live: Int, deleted: Int)]
    /// The last completed sync pass per entity type (`AshbyEntityType.rawValue`).
    public var lastSyncs: [String: SyncRun]
    /// Entity types holding a stored `syncToken` (keyed by list endpoint method).
    public var syncTokens: Set<String>
    /// Bytes of the data file in use, and the current map size.
    public var usedBytes: Int
    public var mapSize: Int
    /// Bytes of the log database's pages (leaf, branch and overflow).
    public var logBytes: Int
    /// The history backfill's position: the last application done, or nil; and whether it finished.
    public var backfillCursor: EntityKey?
    public var backfillCompleted: Bool
}
