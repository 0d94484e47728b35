import HireLedgerCore
import LMDB

/// Webhook subscriptions, their secrets, cursors, retry state and failed-delivery records, in the
/// store's `subscriptions` database (docs/ARCHITECTURE.md §6).
///
/// Keys: `s/<id>` → the subscription (`SubscriptionRecord`, canonical JSON, without secrets; rewritten
/// at every cursor commit); `k/<id>` → its secrets (written only at create, rotate and purge, so few
/// copies of a secret ever reach the file; the store directory is owner-only);
/// `f/<id>/<seq, 8 bytes big-endian>` → a `FailedDelivery` (the last `failedDeliveryLimit` per
/// subscription are kept); `lease/deliverer` → the `DelivererLease`.
///
/// Secrets whose rotation overlap has passed are purged (`purgeExpiredSecrets`, run by the
/// dispatcher): their stored value is overwritten with zeros, then replaced, so the live database
/// holds no expired secret; the page the old value sat on is freed and reused by LMDB's next writes.
///
/// Rules for callers: every method is synchronous and runs one short LMDB transaction; writes block
/// while another writer (thread or process) is active. Secrets are returned only by `create` and
/// `rotateSecret`, and appear in no error, description or `json`.
public final class SubscriptionStore: Sendable {
    public let store: LedgerStore
    let clock: any WebhookClock
    /// Which webhook hosts `create` and `update` accept (`WebhookAddressPolicy`).
    public let addressPolicy: WebhookAddressPolicy
    private let db: Database
    /// Failed-delivery records kept per subscription; older ones are removed.
    public static let failedDeliveryLimit = 1000

    /// - Parameter addressPolicy: `.publicOnly` (the default) refuses URLs whose host is a loopback,
    ///   private, link-local, metadata or other special-use address or name; `.allowPrivate` is the
    ///   operator's opt-in (`--allow-private-webhooks`).
    public init(store: LedgerStore, clock: any WebhookClock = SystemWebhookClock(),
                addressPolicy: WebhookAddressPolicy = .publicOnly) throws {
        self.store = store
        self.clock = clock
        self.addressPolicy = addressPolicy
        db = store.subscriptions
    }

    // MARK: - Public API

    /// Adds a subscription and returns it with its secret (`whsec_...`): the only time the secret is
    /// shown. With `secret` nil, 32 random bytes are drawn.
    ///
    /// - Throws: `SubscriptionStoreError.invalidURL` (not http/https, or a host the address policy
    ///   refuses), `.invalidSecret`, `.invalidType`,
    ///   `.invalidBatchSize`, `.positionBeyondLog`.
    public func create(url: String, types: [String], secret: String? = nil, startAt: StartPosition = .now,
                       batchSize: Int = 1) throws -> (Subscription, secret: String) {
        try validate(url: url, types: types, batchSize: batchSize)
        let signing: WebhookSecret
        if let secret {
            do { signing = try WebhookSecret(encoded: secret) } catch { throw SubscriptionStoreError.invalidSecret(problem: error.description) }
        } else {
            var rng = SystemRandomNumberGenerator()
            signing = WebhookSecret.random(using: &rng)
        }
        let last = try store.lastPosition
        let cursor: LogPosition
        switch startAt {
        case .beginning: cursor = .none
        case .now: cursor = last
        case .position(let p): cursor = try Self.cursorBefore(p, last: last)
        }
        let now = clock.now()
        let record = SubscriptionRecord(id: Self.newId(), url: url, types: types, status: .active, cursor: cursor,
                                        createdAt: now, batchSize: batchSize, secrets: [.init(secret: signing, expiresAt: nil)],
                                        retry: nil, generation: 0, secretsChanged: true)
        try store.environment.write { txn in try put(txn, record) }
        return (record.subscription(at: now), signing.encoded)
    }

    /// Every subscription, oldest first.
    public func list() throws -> [Subscription] {
        let now = clock.now()
        return try records().map { $0.subscription(at: now) }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func get(_ id: String) throws -> Subscription? {
        try record(id)?.subscription(at: clock.now())
    }

    /// Changes URL, types or enabled state (nil leaves a field as it is). Re-enabling clears the retry
    /// state, so delivery resumes at once from the cursor; disabling records "disabled by the operator".
    public func update(_ id: String, url: String? = nil, types: [String]? = nil, enabled: Bool? = nil) throws -> Subscription {
        if let url { if let p = WebhookURL.problem(url, policy: addressPolicy) { throw SubscriptionStoreError.invalidURL(problem: p) } }
        if let types { try Self.validate(types: types) }
        let now = clock.now()
        let updated = try modify(id) { txn, r in
            if let url { r.url = url }
            if let types { r.types = types }
            if let enabled {
                if enabled, case .disabled = r.status {
                    r.status = .active
                    r.retry = nil
                } else if !enabled, case .active = r.status {
                    r.status = .disabled(reason: "disabled by the operator", at: now)
                    try abandonPending(txn, &r, reason: "disabled by the operator")
                }
            }
        }
        return updated.subscription(at: now)
    }

    /// Removes a subscription and its failed-delivery records; false when there was none.
    public func delete(_ id: String) throws -> Bool {
        guard Self.isPlausibleId(id) else { return false }
        return try store.environment.write { txn in
            let existed = try txn.delete(db, Self.key(id))
            try eraseSecrets(txn, id)
            var keys: [[UInt8]] = []
            try txn.scan(db, prefix: Self.failPrefix(id)) { key, _ in keys.append(Array(key)) }
            for k in keys { _ = try txn.delete(db, k) }
            return existed
        }
    }

    /// Adds a new secret and returns it (`whsec_...`, shown once). The previous secret stays valid for
    /// `overlapSeconds` more, so during that time every request carries both signatures; secrets already
    /// expired are dropped.
    ///
    /// - Throws: `SubscriptionStoreError.invalidOverlap` unless `overlapSeconds` is within
    ///   `overlapRange` (0 to 30 days); `.notFound`.
    public func rotateSecret(_ id: String, overlapSeconds: Int = 86_400) throws -> String {
        guard Self.overlapRange.contains(overlapSeconds) else { throw SubscriptionStoreError.invalidOverlap(overlapSeconds) }
        var rng = SystemRandomNumberGenerator()
        let fresh = WebhookSecret.random(using: &rng)
        let now = clock.now()
        let expiry = now.adding(milliseconds: Int64(overlapSeconds) * 1000)
        _ = try modify(id, bumpGeneration: false) { _, r in
            var kept: [SubscriptionRecord.Secret] = [.init(secret: fresh, expiresAt: nil)]
            for var s in r.secrets where s.expiresAt.map({ $0 > now }) ?? true {
                s.expiresAt = min(s.expiresAt ?? expiry, expiry)
                if s.expiresAt! > now { kept.append(s) }
            }
            r.secrets = kept
            r.secretsChanged = true
        }
        return fresh.encoded
    }

    /// Seconds a rotated-out secret may stay valid: 0 (at once) to 30 days.
    public static let overlapRange = 0...(30 * 86_400)

    /// Removes secrets whose overlap has ended from `id`'s stored secrets (overwritten with zeros,
    /// then replaced); returns whether any were removed. The dispatcher calls it when it sees one.
    @discardableResult
    public func purgeExpiredSecrets(_ id: String) throws -> Bool {
        let now = clock.now()
        return try store.environment.write { txn -> Bool in
            guard let bytes = try txn.get(db, Self.key(id)) else { return false }
            var r = try SubscriptionRecord(storageBytes: bytes, secretBytes: try txn.get(db, Self.secretKey(id)), id: id)
            guard r.hasExpiredSecrets(at: now) else { return false }
            r.secrets = r.secrets.filter { $0.expiresAt.map { $0 > now } ?? true }
            r.secretsChanged = true
            try put(txn, r)
            return true
        }
    }

    /// Moves the cursor back (or forward) so that delivery re-sends, in order, every matching event from
    /// `from` to the end of the log. A pending retry is marked superseded. The status is unchanged: a
    /// disabled subscription stays disabled until `update(enabled: true)`.
    public func replay(_ id: String, from: ReplayStart) throws -> Subscription {
        let last = try store.lastPosition
        let cursor: LogPosition
        switch from {
        case .position(let p): cursor = try Self.cursorBefore(p, last: last)
        case .time(let t): cursor = try firstPosition(observedAtOrAfter: t, last: last).map { LogPosition($0.value - 1) } ?? last
        }
        let updated = try modify(id) { txn, r in
            if let pending = r.retry {
                try putFailure(txn, FailedDelivery(subscriptionId: r.id, eventId: eventId(pending.position), state: pending,
                                                   resolution: .supersededByReplay))
            }
            r.retry = nil
            r.cursor = cursor
        }
        return updated.subscription(at: clock.now())
    }

    /// The most recent failed deliveries of `id`, newest first.
    public func failedDeliveries(_ id: String, limit: Int = 100) throws -> [FailedDelivery] {
        guard limit > 0 else { return [] }
        guard try record(id) != nil else { throw SubscriptionStoreError.notFound(id: id) }
        return try store.environment.read { txn in
            var out: [FailedDelivery] = []
            try txn.scan(db, prefix: Self.failPrefix(id), reverse: true, limit: limit) { _, value in
                if let j = try? JSONValue.parse(Array(value)), let f = FailedDelivery(json: j) { out.append(f) }
            }
            return out
        }
    }

    // MARK: - Dispatcher access

    func record(_ id: String) throws -> SubscriptionRecord? {
        guard Self.isPlausibleId(id) else { return nil }
        let bytes = try store.environment.read { txn in
            try txn.get(db, Self.key(id)).map { ($0, try txn.get(db, Self.secretKey(id))) }
        }
        return try bytes.map { try SubscriptionRecord(storageBytes: $0.0, secretBytes: $0.1, id: id) }
    }

    func records() throws -> [SubscriptionRecord] {
        let raw: [(String, [UInt8], [UInt8]?)] = try store.environment.read { txn in
            var out: [(String, [UInt8])] = []
            try txn.scan(db, prefix: Array("s/".utf8)) { key, value in
                out.append((String(decoding: key.dropFirst(2), as: UTF8.self), Array(value)))
            }
            return try out.map { ($0.0, $0.1, try txn.get(db, Self.secretKey($0.0))) }
        }
        return try raw.map { try SubscriptionRecord(storageBytes: $0.1, secretBytes: $0.2, id: $0.0) }
    }

    /// What a delivery pass learned, committed in one transaction.
    struct Progress {
        var id: String
        /// The record's generation and cursor when the pass read it; if either changed since (a replay
        /// or an update ran meanwhile), nothing is written and `commit` returns false.
        var generation: UInt64
        var baseCursor: LogPosition
        var cursor: LogPosition
        /// The head failed and was resolved by a later success (at this time).
        var resolvedRetry: (DeliveryRetryState, Timestamp)?
        /// The attempt that stopped the pass, if one did.
        var failure: DeliveryDecision?
    }

    /// Writes a pass's outcome: the new cursor (only ever past events that got a 2xx or did not match),
    /// the retry state and failed-delivery record, and a disable, all in one write transaction. With
    /// `lease`, only while this process holds it (else nothing is written and it returns false).
    func commit(_ p: Progress, lease: DelivererLease? = nil) throws -> Bool {
        let now = clock.now()
        return try store.environment.write { txn in
            if let lease, try !lease.isHeld(in: txn, db: db) { return false }
            guard let bytes = try txn.get(db, Self.key(p.id)) else { return false }
            var r = try SubscriptionRecord(storageBytes: bytes, secretBytes: try txn.get(db, Self.secretKey(p.id)), id: p.id)
            guard r.generation == p.generation, r.cursor == p.baseCursor, case .active = r.status else { return false }
            r.cursor = p.cursor
            if let (state, at) = p.resolvedRetry {
                try putFailure(txn, FailedDelivery(subscriptionId: r.id, eventId: eventId(state.position), state: state,
                                                   resolution: .delivered(at: at)))
                r.retry = nil
            }
            switch p.failure {
            case .retry(let state):
                r.retry = state
                try putFailure(txn, FailedDelivery(subscriptionId: r.id, eventId: eventId(state.position), state: state, resolution: .retrying))
            case .disable(let reason, let state):
                r.retry = nil
                r.status = .disabled(reason: reason, at: now)
                try putFailure(txn, FailedDelivery(subscriptionId: r.id, eventId: eventId(state.position), state: state,
                                                   resolution: .abandoned(reason: reason)))
            case .delivered, nil:
                break
            }
            try put(txn, r)
            return true
        }
    }

    // MARK: - Helpers

    private func modify(_ id: String, bumpGeneration: Bool = true,
                        _ change: (borrowing WriteTransaction, inout SubscriptionRecord) throws -> Void) throws -> SubscriptionRecord {
        guard Self.isPlausibleId(id) else { throw SubscriptionStoreError.notFound(id: String(id.prefix(64))) }
        return try store.environment.write { txn in
            guard let bytes = try txn.get(db, Self.key(id)) else { throw SubscriptionStoreError.notFound(id: id) }
            var r = try SubscriptionRecord(storageBytes: bytes, secretBytes: try txn.get(db, Self.secretKey(id)), id: id)
            try change(txn, &r)
            if bumpGeneration { r.generation += 1 }
            try put(txn, r)
            return r
        }
    }

    private func abandonPending(_ txn: borrowing WriteTransaction, _ r: inout SubscriptionRecord, reason: String) throws {
        guard let pending = r.retry else { return }
        try putFailure(txn, FailedDelivery(subscriptionId: r.id, eventId: eventId(pending.position), state: pending,
                                           resolution: .abandoned(reason: reason)))
        r.retry = nil
    }

    /// Writes `s/<id>`, and `k/<id>` when the secrets changed (the old secret value is overwritten
    /// with zeros first, so it is not left in the live database).
    private func put(_ txn: borrowing WriteTransaction, _ r: SubscriptionRecord) throws {
        try txn.put(db, Self.key(r.id), r.json.canonicalBytes())
        if r.secretsChanged {
            try eraseSecrets(txn, r.id)
            var bytes = r.secretsJSON.canonicalBytes()
            // Padded with spaces past LMDB's overflow threshold (half a page), the secrets sit on an
            // overflow page of their own: the frequent commits that rewrite the leaf page holding
            // `s/<id>` then copy only a pointer to them, never the secrets themselves.
            if bytes.count < Self.secretValueSize { bytes += [UInt8](repeating: 0x20, count: Self.secretValueSize - bytes.count) }
            try txn.put(db, Self.secretKey(r.id), bytes)
        }
    }

    /// Bytes a stored secrets value is padded to (see `put`).
    static let secretValueSize = 3000

    /// Overwrites `k/<id>` with zeros of the same length, then deletes it.
    private func eraseSecrets(_ txn: borrowing WriteTransaction, _ id: String) throws {
        if let old = try txn.get(db, Self.secretKey(id)) {
            try txn.put(db, Self.secretKey(id), [UInt8](repeating: 0, count: old.count))
            _ = try txn.delete(db, Self.secretKey(id))
        }
    }

    private func putFailure(_ txn: borrowing WriteTransaction, _ f: FailedDelivery) throws {
        let prefix = Self.failPrefix(f.subscriptionId)
        try txn.put(db, prefix + f.position.bigEndianBytes, f.json.canonicalBytes())
        var keys: [[UInt8]] = []
        try txn.scan(db, prefix: prefix) { key, _ in keys.append(Array(key)) }
        for k in keys.dropLast(Self.failedDeliveryLimit) { _ = try txn.delete(db, k) }
    }

    func eventId(_ p: LogPosition) -> String { RecordedEvent.eventID(storeId: store.storeId, seq: p) }

    /// The first position whose event was observed at or after `t` (observedAt never decreases along the
    /// log, so a binary search over positions 1 ... last finds it); nil when every event is earlier.
    private func firstPosition(observedAtOrAfter t: Timestamp, last: LogPosition) throws -> LogPosition? {
        var lo: UInt64 = 1, hi = last.value + 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            guard let e = try store.event(at: LogPosition(mid)) else { throw SubscriptionStoreError.positionBeyondLog(requested: mid, last: last.value) }
            if e.observedAt < t { lo = mid + 1 } else { hi = mid }
        }
        return lo <= last.value ? LogPosition(lo) : nil
    }

    private static func cursorBefore(_ p: LogPosition, last: LogPosition) throws -> LogPosition {
        guard p.value <= last.value + 1 else { throw SubscriptionStoreError.positionBeyondLog(requested: p.value, last: last.value) }
        return LogPosition(p.value == 0 ? 0 : p.value - 1)
    }

    func validate(url: String, types: [String], batchSize: Int) throws {
        if let p = WebhookURL.problem(url, policy: addressPolicy) { throw SubscriptionStoreError.invalidURL(problem: p) }
        try Self.validate(types: types)
        guard (1...1000).contains(batchSize) else { throw SubscriptionStoreError.invalidBatchSize(batchSize) }
    }

    /// A glob is 1 to 200 characters of letters, digits, `.`, `_`, `-` and `*` (what event type wire
    /// names are made of); at most 100 globs.
    static func validate(types: [String]) throws {
        guard types.count <= 100 else { throw SubscriptionStoreError.invalidType(pattern: "(\(types.count) globs; at most 100)") }
        for t in types where t.isEmpty || t.utf8.count > 200
            || !t.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-*".unicodeScalars.contains($0)) }) {
            throw SubscriptionStoreError.invalidType(pattern: String(t.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) }.prefix(200)))
        }
    }

    /// Ids are `sub_` + 24 hex digits; anything far longer cannot be one (and would not fit an LMDB key).
    static func isPlausibleId(_ id: String) -> Bool { !id.isEmpty && id.utf8.count <= 128 }

    static func key(_ id: String) -> [UInt8] { Array("s/\(id)".utf8) }
    static func secretKey(_ id: String) -> [UInt8] { Array("k/\(id)".utf8) }
    static func failPrefix(_ id: String) -> [UInt8] { Array("f/\(id)/".utf8) }

    static func newId() -> String { "sub_" + randomHex(12) }

    /// `bytes` random bytes as lowercase hex.
    static func randomHex(_ bytes: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: (0..<bytes * 2).map { _ in hex[Int.random(in: 0..<16, using: &rng)] }, as: UTF8.self)
    }
}

/// Why a subscription operation was refused. Messages never contain secrets.
public enum SubscriptionStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not an http(s) URL; `problem` says what is wrong.
    case invalidURL(problem: String)
    case invalidSecret(problem: String)
    case invalidType(pattern: String)
    case invalidBatchSize(Int)
    /// A rotation overlap outside `SubscriptionStore.overlapRange`.
    case invalidOverlap(Int)
    case notFound(id: String)
    /// A stored subscription could not be read.
    case damaged(id: String, what: String)
    /// A replay or start position lies past the end of the log.
    case positionBeyondLog(requested: UInt64, last: UInt64)

    public var description: String {
        switch self {
        case .invalidURL(let problem): return problem
        case .invalidSecret(let problem): return problem
        case .invalidType(let p): return "event type glob \"\(p)\" is not valid: give 1 to 200 letters, digits, '.', '_', '-' or '*', e.g. application.* or *.deleted"
        case .invalidBatchSize(let n): return "batch size \(n) is out of range; give 1 (one event per request) to 1000"
        case .invalidOverlap(let n): return "overlap \(n) s is out of range; give 0 (the old secret stops at once) to 2592000 (30 days)"
        case .notFound(let id): return "no webhook subscription with id \(id); `hireledger subscribe list` shows them"
        case .damaged(let id, let what): return "the stored webhook subscription \(id) is unreadable: \(what); remove it and add it again"
        case .positionBeyondLog(let requested, let last):
            return "position \(requested) is past the end of the log (last event: \(last))"
        }
    }
}
