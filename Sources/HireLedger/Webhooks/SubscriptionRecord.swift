import HireLedgerCore

/// The stored form of a subscription: its state in the `subscriptions` database under `s/<id>` and its
/// secrets apart under `k/<id>` (both canonical JSON), so the frequent cursor commits never write a
/// copy of a secret. Only `SubscriptionStore` and the dispatcher read it; `subscription(at:)` gives the
/// secret-free public view.
struct SubscriptionRecord: Sendable, Hashable {
    struct Secret: Sendable, Hashable {
        var secret: WebhookSecret
        /// nil for the current secret; set on the previous one by a rotation.
        var expiresAt: Timestamp?
    }

    var id: String
    var url: String
    var types: [String]
    var status: SubscriptionStatus
    var cursor: LogPosition
    var createdAt: Timestamp
    var batchSize: Int
    /// Newest first.
    var secrets: [Secret]
    var retry: DeliveryRetryState?
    /// Bumped by every change that moves the cursor or changes what is delivered (replay, update), so a
    /// dispatcher that read the record before such a change does not overwrite it.
    var generation: UInt64
    /// The secrets must be written (under `k/<id>`) with the record: new, rotated, purged, or read
    /// from an older store that kept them inside `s/<id>`.
    var secretsChanged = false

    /// The secrets valid at `now`, newest first (what a request is signed with).
    func activeSecrets(at now: Timestamp) -> [WebhookSecret] {
        secrets.filter { $0.expiresAt.map { $0 > now } ?? true }.map(\.secret)
    }

    func subscription(at now: Timestamp) -> Subscription {
        Subscription(id: id, url: url, types: types, status: status, cursor: cursor, createdAt: createdAt,
                     secretCount: activeSecrets(at: now).count, batchSize: batchSize, retry: retry)
    }

    /// Whether a secret has expired at `now` (it is then purged from the store).
    func hasExpiredSecrets(at now: Timestamp) -> Bool {
        secrets.contains { $0.expiresAt.map { $0 <= now } ?? false }
    }

    /// The stored form of `secrets` (under `k/<id>`).
    var secretsJSON: JSONValue {
        .array(secrets.map { s in
            ["secret": .string(s.secret.encoded), "expiresAt": s.expiresAt.map { JSONValue($0.millisecondsSinceEpoch) } ?? .null]
        })
    }

    /// The stored form of everything but the secrets (under `s/<id>`).
    var json: JSONValue {
        var o: JSONObject = [
            "id": .string(id), "url": .string(url), "types": .array(types.map { .string($0) }),
            "cursor": JSONValue(cursor.value), "createdAt": JSONValue(createdAt.millisecondsSinceEpoch),
            "batchSize": JSONValue(batchSize), "generation": JSONValue(generation),
        ]
        if case .disabled(let reason, let at) = status {
            o["disabled"] = ["reason": .string(reason), "at": JSONValue(at.millisecondsSinceEpoch)]
        }
        if let r = retry {
            o["retry"] = ["seq": JSONValue(r.position.value), "attempts": JSONValue(r.attempts),
                          "firstFailureAt": JSONValue(r.firstFailureAt.millisecondsSinceEpoch),
                          "lastAttemptAt": JSONValue(r.lastAttemptAt.millisecondsSinceEpoch),
                          "lastError": .string(r.lastError), "lastStatus": r.lastStatus.map { JSONValue($0) } ?? .null,
                          "nextAttemptAt": JSONValue(r.nextAttemptAt.millisecondsSinceEpoch)]
        }
        return .object(o)
    }

    init(id: String, url: String, types: [String], status: SubscriptionStatus, cursor: LogPosition, createdAt: Timestamp,
         batchSize: Int, secrets: [Secret], retry: DeliveryRetryState?, generation: UInt64, secretsChanged: Bool = false) {
        self.id = id
        self.url = url
        self.types = types
        self.status = status
        self.cursor = cursor
        self.createdAt = createdAt
        self.batchSize = batchSize
        self.secrets = secrets
        self.retry = retry
        self.generation = generation
        self.secretsChanged = secretsChanged
    }

    /// Reads `s/<id>` and `k/<id>` (`secretBytes`; nil for a store that kept the secrets in the record).
    /// Every number is range-checked: a damaged or hand-edited value is an error, never a trap.
    init(storageBytes: [UInt8], secretBytes: [UInt8]?, id expectedId: String) throws(SubscriptionStoreError) {
        func bad(_ what: String) -> SubscriptionStoreError { .damaged(id: expectedId, what: what) }
        guard let j = try? JSONValue.parse(storageBytes) else { throw bad("not JSON") }
        func ms(_ v: JSONValue?) -> Timestamp? {
            v?.int64Value.flatMap { (-8_640_000_000_000_000...8_640_000_000_000_000).contains($0) ? Timestamp(millisecondsSinceEpoch: $0) : nil }
        }
        func position(_ v: JSONValue?) -> LogPosition? { v?.int64Value.flatMap { $0 >= 0 ? LogPosition(UInt64($0)) : nil } }
        var secretList = j["secrets"]?.arrayValue
        let legacySecrets = secretList != nil
        if let secretBytes {
            guard let k = try? JSONValue.parse(secretBytes), let list = k.arrayValue else { throw bad("its secrets are unreadable") }
            secretList = list
        }
        guard let id = j.string("id"), let url = j.string("url"), let types = j["types"]?.arrayValue?.compactMap(\.stringValue),
              let cursor = position(j["cursor"]), let created = ms(j["createdAt"]), let batch = j["batchSize"]?.intValue,
              (1...1000).contains(batch), let generation = j["generation"]?.int64Value, generation >= 0, let secretsJSON = secretList
        else { throw bad("a required field is missing or out of range") }
        var secrets: [Secret] = []
        for s in secretsJSON {
            guard let text = s.string("secret"), let secret = try? WebhookSecret(encoded: text) else { throw bad("a secret is unreadable") }
            secrets.append(Secret(secret: secret, expiresAt: ms(s["expiresAt"])))
        }
        var status = SubscriptionStatus.active
        if let d = j["disabled"], let reason = d.string("reason"), let at = ms(d["at"]) { status = .disabled(reason: reason, at: at) }
        var retry: DeliveryRetryState?
        if let r = j["retry"], let seq = position(r["seq"]), let attempts = r["attempts"]?.intValue, attempts >= 0,
           let first = ms(r["firstFailureAt"]), let last = ms(r["lastAttemptAt"]), let error = r.string("lastError"),
           let next = ms(r["nextAttemptAt"]) {
            retry = DeliveryRetryState(position: seq, attempts: attempts, firstFailureAt: first,
                                       lastAttemptAt: last, lastError: error, lastStatus: r["lastStatus"]?.intValue, nextAttemptAt: next)
        }
        self.init(id: id, url: url, types: types, status: status, cursor: cursor, createdAt: created,
                  batchSize: batch, secrets: secrets, retry: retry, generation: UInt64(generation))
        secretsChanged = legacySecrets
    }
}
