import HireLedgerCore
import LMDB

/// Erasure of one candidate's personal data (`hireledger erase candidate ID`, `POST /v1/erasures`).
///
/// Chosen: rewriting in place, not crypto-shredding. Crypto-shredding (a key per person, personal
/// values stored encrypted, the key deleted on erasure) would make old backups unreadable for that
/// person too, but every read of every event would decrypt, the key store would need its own backup
/// and integrity story, and the canonical bytes the sync compares (content hashes, raw hashes) would
/// depend on key material. Rewriting keeps the format and the read paths as they are; its cost is that
/// copies made before the erasure (backups, webhook consumers' copies) keep the data: backups taken
/// before must be deleted or restored only with the erasure re-applied (the redaction list travels
/// in the store, not in old backups), and consumers get `candidate.erased` to erase theirs.
///
/// What is erased:
/// - Identifying values, replaced by `"[erased]"` wherever they occur in any string of any stored
///   event, patch, state row (whole-word match, so free text such as a resume file name
///   "Ana Lopez Resume.pdf" is caught, another person's "Ana Lopezova" is not): the candidate's `name`, every `emailAddresses[*].value` and
///   `primaryEmailAddress.value`, every `phoneNumbers[*].value` and `primaryPhoneNumber.value`,
///   `socialLinks[*].url`, `resumeFileHandle` and `fileHandles[*]` names and handles, collected from
///   every version of the candidate record and from the `candidate` object embedded in its
///   applications. Values shorter than 4 characters are not matched (too likely to hit others).
/// - In the candidate's own records only (not matched elsewhere, since they are shared words):
///   `position`, `company`, `school`, `location`, `profileUrl`.
/// - Projection checkpoints and snapshots holding any of the values are dropped (queries refold).
///
/// Kept: every event, its position, type, times, ids and stage moves, so every view's totals are
/// unchanged. A `candidate.erased` event is appended. The redaction list (`erasure/<id>` in
/// `checkpoints`) makes every later sync redact the same values before it compares, so a sync does
/// not bring them back while Ashby still has them.
///
/// Rules: bounded write transactions (resumable: running the erasure again finishes it, redaction is
/// idempotent); old page copies stay in the data file's free pages until reused, so the values only
/// leave the file with a compacted copy (`hireledger backup`, then restore it).
public struct CandidateErasure: Sendable {
    public static let placeholder = "[erased]"
    /// Candidate fields cleared in the candidate's own records.
    public static let ownFields = ["position", "company", "school", "location", "profileUrl"]
    /// Candidate fields whose values are matched everywhere.
    public static let identifyingFields = ["name", "primaryEmailAddress", "emailAddresses", "primaryPhoneNumber", "phoneNumbers",
                                           "socialLinks", "resumeFileHandle", "fileHandles"]
    static let minimumLength = 4

    public let candidateId: String
    /// The identifying values (longest first, so a longer value is replaced before a part of it).
    /// Kept in the store only while the erasure runs (so a killed run can finish); a completed
    /// erasure keeps only `valueHashes`, so the values leave the file with the next compaction.
    public let values: [String]
    /// Keyed hashes of the values (`XXH64(value, seed: salt)`): a later sync replaces any string equal
    /// to one of them without the values being stored.
    public let valueHashes: Set<UInt64>
    /// A random seed for `valueHashes`, drawn per erasure.
    public let salt: UInt64
    public let reason: String?
    public let erasedAt: Timestamp
    /// Whether the rewrite finished and `candidate.erased` was appended.
    public var completed: Bool

    var subject: EntityKey { EntityKey(.candidate, candidateId) }

    /// The redacted form of `value`, a record or event data about `subject` (nil: anything else).
    func redact(_ value: JSONValue, ownRecord: Bool) -> JSONValue {
        var out = redactStrings(value)
        if ownRecord { out = clearOwnFields(out) }
        return out
    }

    private func redactStrings(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s):
            var t = s
            for v in values where t.contains(v) { t = CandidateErasure.replacingWholeWords(v, in: t) }
            return .string(t)
        case .array(let a): return .array(a.map(redactStrings))
        case .object(let o): return .object(JSONObject(o.members.map { ($0.key, redactStrings($0.value)) }))
        default: return value
        }
    }

    /// `text` with every occurrence of `value` that is not part of a longer word (no letter or digit
    /// right before or after it) replaced by the placeholder: "Ana Li" is erased from "Ana Li Resume.pdf"
    /// but not from another person's "Ana Lima".
    static func replacingWholeWords(_ value: String, in text: String) -> String {
        var out = ""
        var rest = text[...]
        while let r = rest.range(of: value) {
            let before = r.lowerBound > rest.startIndex ? rest[rest.index(before: r.lowerBound)] : nil
            let after = r.upperBound < rest.endIndex ? rest[r.upperBound] : nil
            let bounded = !(before?.isLetter ?? false) && !(before?.isNumber ?? false)
                && !(after?.isLetter ?? false) && !(after?.isNumber ?? false)
            out += rest[..<r.lowerBound]
            out += bounded ? placeholder : String(rest[r])
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    /// Clears `ownFields` in a candidate record, in `record`/`lastKnown` of its events, and in patch
    /// operations on those paths.
    private func clearOwnFields(_ value: JSONValue) -> JSONValue {
        func erased(_ v: JSONValue) -> JSONValue {
            switch v {
            case .string: return .string(CandidateErasure.placeholder)
            case .array(let a): return .array(a.map(erased))
            case .object(let o): return .object(JSONObject(o.members.map { ($0.key, erased($0.value)) }))
            default: return v
            }
        }
        func clearRecord(_ r: JSONValue) -> JSONValue {
            guard case .object(var o) = r else { return r }
            for f in CandidateErasure.ownFields { if let v = o[f] { o[f] = erased(v) } }
            return .object(o)
        }
        guard case .object(var o) = value else { return value }
        if o["id"] != nil, o["record"] == nil { return clearRecord(value) } // a record itself
        for key in ["record", "lastKnown"] { if let r = o[key] { o[key] = clearRecord(r) } }
        if case .array(let ops)? = o["patch"] {
            o["patch"] = .array(ops.map { op in
                guard case .object(var p) = op, let path = p["path"]?.stringValue,
                      CandidateErasure.ownFields.contains(where: { path == "/" + $0 || path.hasPrefix("/" + $0 + "/") }),
                      let v = p["value"] else { return op }
                p["value"] = erased(v)
                return .object(p)
            })
        }
        return .object(o)
    }

    /// Whether `bytes` may hold one of the values (a byte search; JSON text of the values is the text).
    func mayContain(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for v in valueBytes where bytes.count >= v.count {
            if bytes.firstRange(of: v) != nil { return true }
        }
        return false
    }

    var valueBytes: [[UInt8]] { values.map { Array($0.utf8) } }

    // MARK: Storage (`checkpoints`, key `erasure/<candidate id>`)

    static let keyPrefix = "erasure/"

    var json: JSONValue {
        ["candidateId": .string(candidateId),
         "values": completed ? .null : .array(values.map { .string($0) }),
         "valueHashes": .array(valueHashes.sorted().map { .string(String($0, radix: 16)) }),
         "salt": .string(String(salt, radix: 16)),
         "reason": reason.map { .string($0) } ?? .null, "erasedAt": .string(erasedAt.iso8601), "completed": .bool(completed)]
    }

    init(candidateId: String, values: [String], salt: UInt64, extraHashes: Set<UInt64> = [], reason: String?, erasedAt: Timestamp,
         completed: Bool) {
        self.candidateId = candidateId
        self.values = values.sorted { $0.utf8.count > $1.utf8.count }
        self.salt = salt
        self.valueHashes = extraHashes.union(values.map { CandidateErasure.hash($0, salt: salt) })
        self.reason = reason
        self.erasedAt = erasedAt
        self.completed = completed
    }

    init?(json: JSONValue) {
        guard let id = json["candidateId"]?.stringValue, case .array(let hs)? = json["valueHashes"],
              let salt = json["salt"]?.stringValue.flatMap({ UInt64($0, radix: 16) }),
              let at = json["erasedAt"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { return nil }
        var values: [String] = []
        if case .array(let vs)? = json["values"] { values = vs.compactMap(\.stringValue) }
        self.init(candidateId: id, values: values, salt: salt,
                  extraHashes: Set(hs.compactMap { $0.stringValue.flatMap { UInt64($0, radix: 16) } }),
                  reason: json["reason"]?.stringValue, erasedAt: at, completed: json["completed"] == .bool(true))
    }

    static func hash(_ value: String, salt: UInt64) -> UInt64 {
        var v = value
        return v.withUTF8 { XXH64.hash(UnsafeRawBufferPointer($0), seed: salt) }
    }

    /// The redaction of a record a sync is about to compare (`LedgerStore.record`), without the values:
    /// the identifying leaves of the candidate's own record and of the `candidate` object and resume
    /// handles of its applications, its own fields, and any string equal to an erased value (by hash).
    /// Gives the same result as the rewrite at erasure time for these; free text that holds a value
    /// inside longer text, in a record Ashby changes after the erasure, is recorded as Ashby sends it.
    func redactIncoming(_ key: EntityKey, _ record: JSONValue) -> JSONValue {
        var out = redactByHash(record)
        if key == subject {
            out = clearIdentifying(out)
            out = clearOwnFields(out)
        } else if key.kind == .application, record["candidate"]?["id"]?.stringValue == candidateId, case .object(var o) = out {
            if let c = o["candidate"] { o["candidate"] = clearIdentifying(c) }
            for f in ["resumeFileHandle", "fileHandles"] { if let v = o[f] { o[f] = clearHandles(v) } }
            out = .object(o)
        }
        return out
    }

    private func redactByHash(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return s.count >= CandidateErasure.minimumLength && valueHashes.contains(Self.hash(s, salt: salt))
            ? .string(CandidateErasure.placeholder) : value
        case .array(let a): return .array(a.map(redactByHash))
        case .object(let o): return .object(JSONObject(o.members.map { ($0.key, redactByHash($0.value)) }))
        default: return value
        }
    }

    /// The leaves `identifyingValues` collects, set to the placeholder.
    private func clearIdentifying(_ record: JSONValue) -> JSONValue {
        guard case .object(var o) = record else { return record }
        if case .string(let n)? = o["name"], n.count >= CandidateErasure.minimumLength { o["name"] = .string(CandidateErasure.placeholder) }
        for f in ["primaryEmailAddress", "emailAddresses", "primaryPhoneNumber", "phoneNumbers"] { if let v = o[f] { o[f] = clearLeaves(v, ["value"]) } }
        if let v = o["socialLinks"] { o["socialLinks"] = clearLeaves(v, ["url"]) }
        for f in ["resumeFileHandle", "fileHandles"] { if let v = o[f] { o[f] = clearHandles(v) } }
        return .object(o)
    }

    private func clearHandles(_ v: JSONValue) -> JSONValue { clearLeaves(v, ["name", "handle"]) }

    private func clearLeaves(_ v: JSONValue, _ keys: Set<String>) -> JSONValue {
        switch v {
        case .array(let a): return .array(a.map { clearLeaves($0, keys) })
        case .object(let o):
            return .object(JSONObject(o.members.map { m in
                if keys.contains(m.key), case .string(let s) = m.value, s.count >= CandidateErasure.minimumLength {
                    return (m.key, .string(CandidateErasure.placeholder))
                }
                return (m.key, m.value)
            }))
        default: return v
        }
    }

    /// The identifying values of a candidate record (or of the `candidate` object of an application).
    static func identifyingValues(of record: JSONValue) -> [String] {
        var out: [String] = []
        func strings(_ v: JSONValue?, keys: Set<String>) {
            switch v {
            case .string(let s)?: out.append(s)
            case .array(let a)?: for x in a { strings(x, keys: keys) }
            case .object(let o)?: for m in o.members where keys.contains(m.key) { strings(m.value, keys: keys) }
            default: break
            }
        }
        strings(record["name"], keys: [])
        for f in ["primaryEmailAddress", "emailAddresses", "primaryPhoneNumber", "phoneNumbers"] { strings(record[f], keys: ["value"]) }
        strings(record["socialLinks"], keys: ["url"])
        for f in ["resumeFileHandle", "fileHandles"] { strings(record[f], keys: ["name", "handle"]) }
        return out.filter { $0.count >= minimumLength && $0 != placeholder }
    }
}

/// What an erasure did.
public struct ErasureReport: Sendable {
    public var candidateId: String
    public var eventsRewritten: Int
    public var rowsRewritten: Int
    public var projectionEntriesDropped: Int
    /// The position of the `candidate.erased` event.
    public var erasedEvent: LogPosition
    /// Whether the candidate had been erased before (the run only finished or repeated it).
    public var repeated: Bool
}

/// Why an erasure could not be done.
public struct ErasureError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension LedgerStore {
    /// Erases the personal data of candidate `id` (see `CandidateErasure`). Synchronous, many short
    /// write transactions; from async code call it through `onWriterThread`.
    public func eraseCandidate(id: String, reason: String?, at now: Timestamp, batchSize: Int = 2_000) throws -> ErasureReport {
        let subject = EntityKey(.candidate, id)
        let key = CandidateErasure.keyPrefix + id
        let previous = try checkpoint(key).flatMap { try? JSONValue.parse($0) }.flatMap(CandidateErasure.init(json:))
        // Collect the values: every version of the candidate record, and the candidate objects of the
        // applications that name it.
        var values = Set(previous?.values ?? [])
        var sawCandidate = false
        for e in try events(for: subject) {
            sawCandidate = true
            for r in [e.data["record"], e.data["lastKnown"]].compactMap({ $0 }) { values.formUnion(CandidateErasure.identifyingValues(of: r)) }
        }
        if let row = try stateRow(subject) {
            sawCandidate = true
            values.formUnion(CandidateErasure.identifyingValues(of: try parseRecord(row.canonicalBytes, subject)))
        }
        guard sawCandidate || previous != nil else {
            throw ErasureError("no candidate \(id) in the store at \(path); check the id (`hireledger state candidate ID`)")
        }
        for appKey in try keys(of: .application, after: nil, limit: .max, includeDeleted: true) {
            guard let row = try stateRow(appKey) else { continue }
            let record = try parseRecord(row.canonicalBytes, appKey)
            if record["candidate"]?["id"]?.stringValue == id {
                values.formUnion(CandidateErasure.identifyingValues(of: record["candidate"]!))
            }
        }
        var rng = SystemRandomNumberGenerator()
        var erasure = CandidateErasure(candidateId: id, values: Array(values), salt: previous?.salt ?? rng.next(),
                                       extraHashes: previous?.valueHashes ?? [], reason: reason ?? previous?.reason,
                                       erasedAt: previous?.erasedAt ?? now, completed: false)
        // First the redaction list, so a sync from now on redacts, and a killed run can be finished.
        try setCheckpoints([CheckpointWrite(key: key, value: erasure.json.canonicalBytes())])

        var report = ErasureReport(candidateId: id, eventsRewritten: 0, rowsRewritten: 0, projectionEntriesDropped: 0,
                                   erasedEvent: .none, repeated: previous != nil)
        // The log, in bounded transactions.
        var after: [UInt8]?
        while true {
            let (rewritten, last) = try environment.write { txn -> (Int, [UInt8]?) in
                // Values are matched in their plain form: stored data may be compressed (format 4).
                try loadDictionaries(txn)
                var pending: [RecordedEvent] = []
                var lastKey: [UInt8]?
                var visited = 0
                try txn.withCursor(log) { cursor in
                    var more = try after.map { try cursor.seek($0) } ?? cursor.first()
                    if more, let after, cursor.withCurrent({ k, _ in k.elementsEqual(after) }) { more = try cursor.next() }
                    while more, visited < batchSize {
                        visited += 1
                        let item: RecordedEvent? = try cursor.withCurrent { k, v in
                            lastKey = Array(k)
                            guard let plain = try plainData(v) else { return nil }
                            let contains = plain.withUnsafeBytes { erasure.mayContain($0) }
                            guard contains || self.isAbout(v, plain, subject) else { return nil }
                            let event = try decodeEvent(v, at: LogPosition(UInt64(bigEndianBytes: k) ?? 0))
                            var redacted = event
                            redacted.data = erasure.redact(event.data, ownRecord: event.subject == subject)
                            guard redacted.data != event.data else { return nil }
                            return redacted
                        }
                        if let item { pending.append(item) }
                        more = try cursor.next()
                    }
                }
                let encoded = try encode(txn, events: pending, rows: [])
                for (event, bytes) in zip(pending, encoded.events) { try txn.put(log, event.seq.value, bytes) }
                return (pending.count, visited < batchSize ? nil : lastKey)
            }
            report.eventsRewritten += rewritten
            guard let last else { break }
            after = last
        }
        // The state index.
        report.rowsRewritten = try environment.write { txn in
            // Every row is read in its decoded form: a record may be compressed, or held by reference to
            // a log event that the pass above has just redacted (the row's hash is then stale).
            var stored: [(EntityKey, [UInt8])] = []
            try txn.scan(state) { k, v in
                if let entity = EntityKey(storageBytes: k) { stored.append((entity, Array(v))) }
            }
            var pending: [(key: EntityKey, row: StateRow)] = []
            for (entity, bytes) in stored {
                guard let row = try? bytes.withUnsafeBytes({ try decodeRow(txn, entity, $0, checkingReference: false) }),
                      let record = try? JSONValue.parse(row.canonicalBytes) else { continue }
                let redacted = erasure.redact(record, ownRecord: entity == subject)
                let normalized = NormalizedRecord(redacted)
                guard redacted != record || normalized.hash != row.hash else { continue }
                // The raw hash stays: the same raw bytes from Ashby normalise and redact to this row.
                pending.append((entity, StateRow(hash: normalized.hash, lastSeq: row.lastSeq, deleted: row.deleted,
                                                 rawHash: row.rawHash, canonicalBytes: normalized.canonicalBytes)))
            }
            let encoded = try encode(txn, events: [], rows: pending)
            for (item, bytes) in zip(pending, encoded.rows) { try txn.put(state, entityKeyBytes(item.key), bytes) }
            return pending.count
        }
        // Projection entries holding a value are dropped; queries refold them from the redacted log.
        report.projectionEntriesDropped = try environment.write { txn in
            var doomed: [[UInt8]] = []
            // A checkpoint's state is compressed: searched once decompressed (one that cannot be read is
            // dropped too: it is a cache, refolded from the log).
            try txn.scan(projections) { k, v in
                let holds = ProjectionCheckpoint.peek(v) == nil ? erasure.mayContain(v)
                    : (try? ProjectionCheckpoint.withState(v) { erasure.mayContain($0) }) ?? true
                if holds { doomed.append(Array(k)) }
            }
            for k in doomed { try txn.delete(projections, k) }
            return doomed.count
        }
        // The event for consumers, and the erasure marked complete (its values dropped, their hashes
        // kept), in one transaction.
        erasure.completed = true
        let data = CandidateEvent.Erased(candidateId: id, fields: CandidateErasure.identifyingFields + CandidateErasure.ownFields,
                                         eventsRewritten: report.eventsRewritten, rowsRewritten: report.rowsRewritten,
                                         reason: reason).data
        let event = PendingEvent(type: .domain(.candidateErased), subject: subject, observedAt: now, occurredAt: now,
                                 occurredAtInferred: false, backfilled: false, data: data, causationIndex: nil)
        let done = erasure
        let result = try append([event], checkpoints: [CheckpointWrite(key: key, value: done.json.canonicalBytes())])
        report.erasedEvent = result.positions?.lowerBound ?? .none
        return report
    }

    /// The erasures recorded in the store (the redaction list), oldest id first.
    public func erasures() throws -> [CandidateErasure] {
        try environment.read { txn in
            var out: [CandidateErasure] = []
            try txn.scan(checkpoints, prefix: Array(CandidateErasure.keyPrefix.utf8)) { _, v in
                if let json = try? JSONValue.parse(Array(v)), let e = CandidateErasure(json: json) { out.append(e) }
            }
            return out
        }
    }

    /// Whether a stored event's subject is `subject` (reads the subject without decoding the data).
    /// Whether a stored event is about `subject` (its header's subject) or names its id in its data
    /// (`plain`, the data decompressed).
    private func isAbout(_ stored: UnsafeRawBufferPointer, _ plain: [UInt8], _ subject: EntityKey) -> Bool {
        if let header = StoredEventHeader.peek(stored),
           let (about, _) = EntityKey.decodePrefix(UnsafeRawBufferPointer(rebasing: stored[header.subjectOffset..<header.dataOffset])),
           about == subject {
            return true
        }
        return plain.firstRange(of: Array(subject.id.utf8)) != nil
    }

    /// Applies the redaction list to observations about to be recorded (inside `record`'s transaction).
    func redactObservations(_ txn: borrowing WriteTransaction, _ observations: [Observation]) throws -> [Observation] {
        var erasures: [CandidateErasure] = []
        try txn.scan(checkpoints, prefix: Array(CandidateErasure.keyPrefix.utf8)) { _, v in
            if let json = try? JSONValue.parse(Array(v)), let e = CandidateErasure(json: json) { erasures.append(e) }
        }
        guard !erasures.isEmpty else { return observations }
        return observations.map { observation in
            guard case .seen(let key, let record) = observation else { return observation }
            var value = record.value
            var changed = false
            for e in erasures { value = e.redactIncoming(key, value) }
            changed = value != record.value
            return changed ? .seen(key, NormalizedRecord(value)) : observation
        }
    }
}
