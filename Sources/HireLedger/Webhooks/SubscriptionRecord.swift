import HireLedgerCore

/// The stored form of a subscription, secrets included, in the `subscriptions` database under
/// `s/<id>` as canonical JSON. Only `SubscriptionStore` and the dispatcher read it; `subscription(at:)`
/// gives the secret-free public view.
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

    /// The secrets valid at `now`, newest first (what a request is signed with).
    func activeSecrets(at now: Timestamp) -> [WebhookSecret] {
        secrets.filter { $0.expiresAt.map { $0 > now } ?? true }.map(\.secret)
    }

    func subscription(at now: Timestamp) -> Subscription {
        Subscription(id: id, url: url, types: types, status: status, cursor: cursor, createdAt: createdAt,
                     secretCount: activeSecrets(at: now).count, batchSize: batchSize, retry: retry)
    }

    var json: JSONValue {
        var o: JSONObject = [
            "id": .string(id), "url": .string(url), "types": .array(types.map { .string($0) }),
            "cursor": JSONValue(cursor.value), "createdAt": JSONValue(createdAt.millisecondsSinceEpoch),
            "batchSize": JSONValue(batchSize), "generation": JSONValue(generation),
            "secrets": .array(secrets.map { s in
                ["secret": .string(s.secret.encoded), "expiresAt": s.expiresAt.map { JSONValue($0.millisecondsSinceEpoch) } ?? .null]
            }),
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
         batchSize: Int, secrets: [Secret], retry: DeliveryRetryState?, generation: UInt64) {
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
    }

    init(storageBytes: [UInt8], id expectedId: String) throws(SubscriptionStoreError) {
        func bad(_ what: String) -> SubscriptionStoreError { .damaged(id: expectedId, what: what) }
        guard let j = try? JSONValue.parse(storageBytes) else { throw bad("not JSON") }
        func ms(_ v: JSONValue?) -> Timestamp? { v?.int64Value.map { Timestamp(millisecondsSinceEpoch: $0) } }
        guard let id = j.string("id"), let url = j.string("url"), let types = j["types"]?.arrayValue?.compactMap(\.stringValue),
              let cursor = j["cursor"]?.int64Value, let created = ms(j["createdAt"]), let batch = j["batchSize"]?.intValue,
              let generation = j["generation"]?.int64Value, let secretsJSON = j["secrets"]?.arrayValue
        else { throw bad("a required field is missing") }
        var secrets: [Secret] = []
        for s in secretsJSON {
            guard let text = s.string("secret"), let secret = try? WebhookSecret(encoded: text) else { throw bad("a secret is unreadable") }
            secrets.append(Secret(secret: secret, expiresAt: ms(s["expiresAt"])))
        }
        var status = SubscriptionStatus.active
        if let d = j["disabled"], let reason = d.string("reason"), let at = ms(d["at"]) { status = .disabled(reason: reason, at: at) }
        var retry: DeliveryRetryState?
        if let r = j["retry"], let seq = r["seq"]?.int64Value, let attempts = r["attempts"]?.intValue,
           let first = ms(r["firstFailureAt"]), let last = ms(r["lastAttemptAt"]), let error = r.string("lastError"),
           let next = ms(r["nextAttemptAt"]) {
            retry = DeliveryRetryState(position: LogPosition(UInt64(seq)), attempts: attempts, firstFailureAt: first,
                                       lastAttemptAt: last, lastError: error, lastStatus: r["lastStatus"]?.intValue, nextAttemptAt: next)
        }
        self.init(id: id, url: url, types: types, status: status, cursor: LogPosition(UInt64(cursor)), createdAt: created,
                  batchSize: batch, secrets: secrets, retry: retry, generation: UInt64(generation))
    }
}
