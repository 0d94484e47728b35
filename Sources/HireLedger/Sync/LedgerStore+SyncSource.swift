import AshbyAPI
import HireLedgerCore
import LMDB

/// The store's binding to its source (`SyncSource`), kept in `meta` under `source`, and the entity types
/// the last sync skipped for want of a permission (`SkippedType`, in `checkpoints` under `skip/<type>`).
///
/// Neither changes the store's format: a store without the `source` key is bound by its next sync.
extension LedgerStore {
    static let sourceMetaKey = "source"
    static let skipPrefix = "skip/"

    /// The source this store is bound to; nil for a store never synced since binding existed.
    public func boundSource() throws -> SyncSource? {
        let meta = self.meta, path = self.path
        return try environment.read { txn -> SyncSource? in
            guard let bytes = try txn.get(meta, LedgerStore.sourceMetaKey) else { return nil }
            guard let json = try? JSONValue.parse(bytes), let source = SyncSource(json: json) else {
                throw LedgerStoreError.damagedMeta(path: path, what: "the source binding is unreadable")
            }
            return source
        }
    }

    /// Binds the store to `source` (replacing a weaker binding). One small write transaction.
    public func bind(to source: SyncSource) throws {
        let meta = self.meta
        try environment.write { txn in try txn.put(meta, LedgerStore.sourceMetaKey, source.json.canonicalBytes()) }
    }

    static let hiddenPrefix = "hidden/"

    /// Records kept live although the last full pass of their kind did not list them, because they
    /// belong to a confidential job the key may not see (`SyncService`), by kind, with the time each was
    /// first found hidden.
    public func hiddenRecords() throws -> [EntityKind: [String: Timestamp]] {
        try environment.read { txn in
            var out: [EntityKind: [String: Timestamp]] = [:]
            try txn.scan(checkpoints, prefix: Array(LedgerStore.hiddenPrefix.utf8)) { key, value in
                let parts = String(decoding: key, as: UTF8.self).split(separator: "/")
                guard parts.count == 3, let kind = EntityKind.allCases.first(where: { $0.wireName == parts[1] }),
                      let since = Timestamp(iso8601: String(decoding: value, as: UTF8.self)) else { return }
                out[kind, default: [:]][String(parts[2])] = since
            }
            return out
        }
    }

    /// The checkpoint writes that make `hidden` the hidden records of `kind` (marks of records seen
    /// again are removed; a record already hidden keeps its first time).
    func hiddenCheckpoints(kind: EntityKind, hidden: [EntityKey], at: Timestamp) throws -> [CheckpointWrite] {
        let current = try hiddenRecords()[kind] ?? [:]
        let now = Set(hidden.map(\.id))
        var writes = current.keys.filter { !now.contains($0) }.map {
            CheckpointWrite(key: LedgerStore.hiddenPrefix + kind.wireName + "/" + $0, value: nil)
        }
        for id in now where current[id] == nil {
            writes.append(CheckpointWrite(key: LedgerStore.hiddenPrefix + kind.wireName + "/" + id, value: Array(at.iso8601.utf8)))
        }
        return writes
    }

    /// The types among `needed` that the last sync skipped, in `needed` order: a view built from them
    /// must say it lacks them rather than show their absence as zeros.
    public func skipped(among needed: [AshbyEntityType]) throws -> [SkippedType] {
        let all = try skippedTypes()
        return needed.compactMap { all[$0.rawValue] }
    }

    /// The entity types the last sync of each skipped, by type.
    public func skippedTypes() throws -> [String: SkippedType] {
        try environment.read { txn in
            var out: [String: SkippedType] = [:]
            try txn.scan(checkpoints, prefix: Array(LedgerStore.skipPrefix.utf8)) { _, value in
                if let json = try? JSONValue.parse(Array(value)), let skip = SkippedType(json: json) { out[skip.entityType] = skip }
            }
            return out
        }
    }
}

/// An entity type a sync could not read because the key lacks a permission. Kept until a pass of the
/// type completes; views that need the type say so instead of showing its absence as zeros.
public struct SkippedType: Sendable, Hashable {
    /// `AshbyEntityType.rawValue`.
    public var entityType: String
    /// The missing permission (nil when Ashby did not say and the endpoint is unknown).
    public var permission: AshbyPermission?
    /// When the sync skipped it (the sync's clock).
    public var at: Timestamp

    public init(entityType: String, permission: AshbyPermission?, at: Timestamp) {
        self.entityType = entityType
        self.permission = permission
        self.at = at
    }

    public var json: JSONValue {
        ["entityType": .string(entityType), "permission": permission.map { .string($0.rawValue) } ?? .null,
         "at": .string(at.iso8601)]
    }

    public init?(json: JSONValue) {
        guard let type = json.string("entityType"), let at = json.string("at").flatMap(Timestamp.init(iso8601:)) else { return nil }
        self.init(entityType: type, permission: json.string("permission").flatMap(AshbyPermission.init(rawValue:)), at: at)
    }

    /// "applications (needs Candidates: Read)".
    public var description: String {
        entityType + (permission.map { " (needs \($0.adminName))" } ?? " (a permission Ashby did not name)")
    }

    /// The checkpoint write that records the skip, or with `nil` clears it.
    static func checkpoint(_ entityType: String, _ skip: SkippedType?) -> CheckpointWrite {
        CheckpointWrite(key: LedgerStore.skipPrefix + entityType, value: skip?.json.canonicalBytes())
    }
}
