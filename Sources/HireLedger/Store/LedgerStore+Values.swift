import HireLedgerCore
import LMDB

/// Encoding and decoding of the large values (format 4): event data and state records compressed
/// with per-family dictionaries (`ValueCodec`), state rows referring to the log's copy of a record.
extension LedgerStore {
    // MARK: - Dictionaries

    /// Learns every dictionary in the `dictionaries` database that the codec does not know yet (made by
    /// another process, or committed since this one looked). Key: u16 id; value: u8 length of the
    /// family name, the name, the dictionary. Every dictionary is also kept in `checkpoints` under
    /// `dictionary/<id>` (`StoreKeys.dictionaryCopyPrefix`): a damaged page of one copy would otherwise make
    /// every value of its family unreadable, so when the `dictionaries` database cannot be read the
    /// copies are read instead.
    func loadDictionaries(_ txn: borrowing some ReadableTransaction & ~Copyable) throws {
        guard let dictionaries else { return }
        do {
            try loadDictionaries(txn, from: dictionaries, prefix: [])
        } catch {
            do {
                try loadDictionaries(txn, from: checkpoints, prefix: Array(StoreKeys.dictionaryCopyPrefix.utf8))
                return
            } catch {}
            throw error
        }
    }

    private func loadDictionaries(_ txn: borrowing some ReadableTransaction & ~Copyable, from db: Database, prefix: [UInt8]) throws {
        var found: [(UInt16, String, [UInt8])] = []
        var bad = false
        func visit(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
            guard let entry = LedgerStore.dictionaryEntry(key: UnsafeRawBufferPointer(rebasing: key[prefix.count...]), value: value) else {
                bad = true
                return
            }
            if !codec.hasDictionary(id: entry.id) { found.append(entry) }
        }
        // (An empty prefix is no key LMDB can seek to: the whole database is scanned instead.)
        if prefix.isEmpty {
            try txn.scan(db) { key, value in visit(key, value) }
        } else {
            try txn.scan(db, prefix: prefix) { key, value in visit(key, value) }
        }
        if bad {
            throw LedgerStoreError.damagedEntry(path: path, database: db.name, what: "an entry is not a dictionary")
        }
        for (id, family, bytes) in found {
            do throws(ValueCodecError) { try codec.add(id: id, family: family, dictionary: bytes) } catch {
                throw LedgerStoreError.damagedEntry(path: path, database: db.name, what: error.description)
            }
        }
    }

    /// A dictionary entry (key: u16 id; value: u8 name length, family name, dictionary), or nil.
    static func dictionaryEntry(key: some Collection<UInt8>, value: some Collection<UInt8>) -> (id: UInt16, family: String, bytes: [UInt8])? {
        let k = Array(key), v = Array(value)
        guard k.count == 2, let n = v.first.map(Int.init), v.count > 1 + n,
              let family = String(validating: v[1..<(1 + n)], as: UTF8.self),
              ["record.", "patch.", "event."].contains(where: { family.hasPrefix($0) }) else { return nil }
        return (UInt16(k[0]) << 8 | UInt16(k[1]), family, Array(v[(1 + n)...]))
    }

    /// Before values are encoded in a write transaction: learns the dictionaries committed by others,
    /// trains one for each family of `values` that has none and enough values here, and makes sure
    /// every dictionary the values will use is stored in this transaction.
    private func prepareDictionaries(_ txn: borrowing WriteTransaction, for values: [(family: String, plain: [UInt8])]) throws {
        guard let dictionaries else { return }
        if try txn.count(dictionaries) != codec.dictionaryCount { try loadDictionaries(txn) }
        // A dictionary this process trained in a write that did not commit (a transaction re-run after
        // the map grew, say) is known here but not stored: store it with the values that use it.
        for family in Set(values.map(\.family)) {
            guard let (id, bytes) = codec.dictionary(for: family), try !txn.contains(dictionaries, id.bigEndianPair) else { continue }
            try storeDictionary(txn, id: id, family: family, bytes: bytes)
        }
        var byFamily: [String: [[UInt8]]] = [:]
        for v in values where v.plain.count >= ValueCodec.minimumCompressedLength && !codec.hasDictionary(for: v.family) {
            byFamily[v.family, default: []].append(v.plain)
        }
        try addDictionaries(txn, trainedFrom: byFamily)
    }

    /// Trains a dictionary for each family with enough samples and stores it in this transaction.
    private func addDictionaries(_ txn: borrowing WriteTransaction, trainedFrom byFamily: [String: [[UInt8]]]) throws {
        guard dictionaries != nil, !byFamily.isEmpty else { return }
        var nextId = try lastDictionaryId(txn).map { $0 + 1 } ?? 1
        for (family, samples) in byFamily.sorted(by: { $0.key < $1.key }) {
            guard samples.count >= ValueCodec.minimumSamples, let dictionary = ValueCodec.train(samples: samples) else { continue }
            guard nextId < UInt16.max else { return }
            let id = nextId
            nextId += 1
            do throws(ValueCodecError) { try codec.add(id: id, family: family, dictionary: dictionary) } catch { continue }
            try storeDictionary(txn, id: id, family: family, bytes: dictionary)
        }
    }

    /// Writes a dictionary and its copy in `checkpoints`.
    private func storeDictionary(_ txn: borrowing WriteTransaction, id: UInt16, family: String, bytes: [UInt8]) throws {
        guard let dictionaries else { return }
        var value: [UInt8] = [UInt8(family.utf8.count)]
        value.append(contentsOf: family.utf8)
        value.append(contentsOf: bytes)
        try txn.put(dictionaries, id.bigEndianPair, value)
        try txn.put(checkpoints, Array(StoreKeys.dictionaryCopyPrefix.utf8) + id.bigEndianPair, value)
    }

    // MARK: - Migration to format 4 (`LedgerStoreMigration.toFormat4`)

    /// Trains the dictionaries of a store written before format 4 from the values in its log: up to
    /// `ValueCodec.maximumSampleBytes` of each family, taken from the start of the log.
    func trainDictionariesFromLog(_ txn: borrowing WriteTransaction) throws {
        try loadDictionaries(txn)
        var samples: [String: [[UInt8]]] = [:]
        var sizes: [String: Int] = [:]
        try txn.scan(log) { _, value in
            guard let family = LedgerStore.family(value), !codec.hasDictionary(for: family),
                  sizes[family, default: 0] < ValueCodec.maximumSampleBytes,
                  let plain = LedgerStore.plainDataInPlace(value) else { return }
            guard plain.count >= ValueCodec.minimumCompressedLength else { return }
            samples[family, default: []].append(plain)
            sizes[family, default: 0] += plain.count
        }
        try addDictionaries(txn, trainedFrom: samples)
    }

    /// Rewrites log values of storage version 1 as version 2 with compressed data (values already in
    /// version 2 are left as they are).
    func rewriteEvents(_ txn: borrowing WriteTransaction, _ stored: [([UInt8], [UInt8])]) throws {
        try loadDictionaries(txn)
        var events: [RecordedEvent] = []
        for (key, value) in stored where value.withUnsafeBytes({ LedgerStore.plainDataInPlace($0) }) != nil {
            events.append(try value.withUnsafeBytes { try decodeEvent($0, at: LogPosition(UInt64(bigEndianBytes: key) ?? 0)) })
        }
        let encoded = try encode(txn, events: events, rows: [])
        for (event, bytes) in zip(events, encoded.events) { try txn.put(log, event.seq.value, bytes) }
    }

    /// Rewrites state rows of versions 1 and 2 as version 3: a reference when the row's last record
    /// event is a created or restored event holding the very same record, otherwise compressed inline.
    func rewriteRows(_ txn: borrowing WriteTransaction, _ stored: [([UInt8], [UInt8])]) throws {
        try loadDictionaries(txn)
        var rows: [(key: EntityKey, row: StateRow)] = []
        var keys: [[UInt8]] = []
        for (keyBytes, value) in stored where value.withUnsafeBytes({ StateRow(storageBytes: $0) }) != nil {
            guard let key = EntityKey(storageBytes: keyBytes),
                  var row = value.withUnsafeBytes({ StateRow(storageBytes: $0) }) else {
                throw LedgerStoreError.damagedEntry(path: path, database: "state", what: "a row that does not decode")
            }
            // Normalised with the current rules (`RecordNormalizer.version` 2 keeps embedded copies of other
            // entities as references), as a sync would now store it; no event: the record did not change.
            if let record = try? JSONValue.parse(row.canonicalBytes) {
                let normalized = RecordNormalizer.standard.normalize(record, kind: key.kind)
                if normalized.hash != row.hash {
                    row.canonicalBytes = normalized.canonicalBytes
                    row.hash = normalized.hash
                }
            }
            if row.lastSeq != .none, let held = try recordHeld(txn, at: row.lastSeq, about: key), held == row.canonicalBytes {
                row.recordSeq = row.lastSeq
            }
            rows.append((key, row))
            keys.append(keyBytes)
        }
        let encoded = try encode(txn, events: [], rows: rows)
        // Under the key each row was read from: the format-5 migration that follows re-keys them.
        for (key, bytes) in zip(keys, encoded.rows) { try txn.put(state, key, bytes) }
    }

    /// The canonical bytes of the record a created or restored event about `key` at `seq` holds, or nil
    /// for any other event.
    private func recordHeld(_ txn: borrowing some ReadableTransaction & ~Copyable, at seq: LogPosition,
                            about key: EntityKey) throws -> [UInt8]? {
        let data = try txn.withValue(log, seq.value) { value -> [UInt8]? in
            guard let peeked = LedgerStore.peekEvent(value, at: seq), case .record(let kind, let action)? = peeked.type,
                  kind == key.kind, action == .created || action == .restored else { return nil }
            return try plainData(value)
        }
        return (data ?? nil).flatMap(LedgerStore.recordInData)
    }

    /// The canonical bytes of the record in a created/restored event's canonical data, `{"record":...}`
    /// (the record's canonical bytes are a slice of it); nil for other data.
    static func recordInData(_ data: [UInt8]) -> [UInt8]? {
        let prefix = Array(#"{"record":"#.utf8)
        guard data.count > prefix.count + 1, data.starts(with: prefix), data.last == UInt8(ascii: "}") else { return nil }
        return Array(data[prefix.count..<(data.count - 1)])
    }

    /// The canonical JSON data of a stored event held plain (storage version 1, or 2 with codec 0),
    /// or nil (compressed, or unreadable).
    static func plainDataInPlace(_ value: UnsafeRawBufferPointer) -> [UInt8]? {
        guard let header = StoredEventHeader.peek(value), header.dataOffset < value.count else { return nil }
        if header.version == 1 { return Array(value[header.dataOffset...]) }
        return value[header.dataOffset] == 0 ? Array(value[(header.dataOffset + 1)...]) : nil
    }

    /// The family of a stored event's data (`ValueFamily`), read from its header; nil when unreadable.
    static func family(_ value: UnsafeRawBufferPointer) -> String? {
        guard let header = StoredEventHeader.peek(value), let type = header.type else { return nil }
        return ValueFamily.of(type, subject: header.subjectKind)
    }

    private func lastDictionaryId(_ txn: borrowing some ReadableTransaction & ~Copyable) throws -> UInt16? {
        guard let dictionaries else { return nil }
        var last: UInt16?
        try txn.scan(dictionaries, reverse: true, limit: 1) { key, _ in
            if key.count == 2 { last = UInt16(key[0]) << 8 | UInt16(key[1]) }
        }
        return last
    }

    // MARK: - Encoding

    /// The storage forms of `events` and `rows` (in their orders), their large parts compressed.
    /// `knownData`: the canonical bytes of some events' data, by index in `events`, already at hand.
    func encode(_ txn: borrowing WriteTransaction, events: [RecordedEvent],
                rows: [(key: EntityKey, row: StateRow)], knownData: [Int: [UInt8]] = [:]) throws -> (events: [[UInt8]], rows: [[UInt8]]) {
        var values: [(family: String, plain: [UInt8])] = []
        values.reserveCapacity(events.count + rows.count)
        for (i, e) in events.enumerated() {
            let known = knownData[i]
            // An event known by its bytes only (a record event made from a record's bytes, `EventBatch.appendCreated`,
            // and prepared domain events, `PreparedCreation`) has no tree: `null` data, which no event has otherwise.
            assert(known == nil || e.data == .null || known == e.data.canonicalBytes(),
                   "an event's known data differs from its canonical form")
            let plain = known ?? e.data.canonicalBytes()
            values.append((ValueFamily.of(e.type, subject: e.subject.kind), plain))
        }
        for (key, row) in rows where row.recordSeq == nil { values.append((ValueFamily.record(key.kind), row.canonicalBytes)) }
        try prepareDictionaries(txn, for: values)
        let encoded = encodeValues(values)
        var encodedEvents: [[UInt8]] = []
        encodedEvents.reserveCapacity(events.count)
        for i in events.indices {
            var out = events[i].storageHeaderBytes()
            out.append(contentsOf: encoded[i])
            encodedEvents.append(out)
        }
        // The records of rows that hold their own, encoded with the events' values, in the same order.
        var next = events.count
        let encodedRows = rows.map { _, row in
            row.storageBytes(encodingRecord: { _ in
                defer { next += 1 }
                return encoded[next]
            })
        }
        assert(next == values.count, "every row's record was encoded once")
        return (encodedEvents, encodedRows)
    }

    /// `values` encoded (`ValueCodec.encode`), in order. Compression is a fifth of a first sync's write
    /// transactions, so a large batch is shared: the `compressor` thread encodes every other value
    /// while the calling thread (the writer) encodes the rest. zstd is deterministic, so the bytes are
    /// those one thread makes. A sync's other threads leave a core partly idle meanwhile (release,
    /// files mode: about three quarters of two cores busy).
    func encodeValues(_ values: [(family: String, plain: [UInt8])]) -> [[UInt8]] {
        let codec = self.codec
        // Shared only off the cooperative pool (the writer thread, a tool's own thread): a task does not
        // block its thread waiting for another (a test's or tool's direct write encodes alone).
        guard values.count >= Self.sharedEncodingMinimum, withUnsafeCurrentTask(body: { $0 == nil }) else {
            return values.map { codec.encode($0.plain, family: $0.family) }
        }
        let odd = compressor.start { stride(from: 1, to: values.count, by: 2).map { codec.encode(values[$0].plain, family: values[$0].family) } }
        let even = stride(from: 0, to: values.count, by: 2).map { codec.encode(values[$0].plain, family: values[$0].family) }
        let other = odd.wait()
        var out: [[UInt8]] = []
        out.reserveCapacity(values.count)
        for i in values.indices { out.append(i & 1 == 0 ? even[i >> 1] : other[i >> 1]) }
        return out
    }

    /// Batches smaller than this are encoded on the calling thread alone (handing work to the other
    /// thread costs a wake-up).
    static let sharedEncodingMinimum = 64

    // MARK: - Decoding

    /// Decodes a stored event, compressed or not; learns the store's dictionaries once if the event
    /// needs one this process has not loaded.
    func decodeEvent(_ txn: borrowing some ReadableTransaction & ~Copyable, _ bytes: UnsafeRawBufferPointer, at seq: LogPosition,
                     selecting selection: JSONSelection = .all) throws -> RecordedEvent {
        let decoder = dataDecoder
        do throws(EventDecodingError) {
            return try RecordedEvent(storageBytes: bytes, seq: seq, storeId: storeId, selecting: selection, dataDecoder: decoder)
        } catch {
            guard let dictionaries, try txn.count(dictionaries) != codec.dictionaryCount else {
                throw LedgerStoreError.damagedEntry(path: path, database: "log", what: error.description)
            }
        }
        try loadDictionaries(txn)
        do throws(EventDecodingError) {
            return try RecordedEvent(storageBytes: bytes, seq: seq, storeId: storeId, selecting: selection, dataDecoder: decoder)
        } catch {
            throw LedgerStoreError.damagedEntry(path: path, database: "log", what: error.description)
        }
    }

    /// Decodes a stored event with the dictionaries already loaded (`loadDictionaries`), for code that
    /// cannot pass its transaction along (a closure given to a cursor walk).
    func decodeEvent(_ bytes: UnsafeRawBufferPointer, at seq: LogPosition, selecting selection: JSONSelection = .all) throws -> RecordedEvent {
        do throws(EventDecodingError) {
            return try RecordedEvent(storageBytes: bytes, seq: seq, storeId: storeId, selecting: selection, dataDecoder: dataDecoder)
        } catch {
            throw LedgerStoreError.damagedEntry(path: path, database: "log", what: error.description)
        }
    }

    /// The plain canonical JSON bytes of a stored event's data, with the dictionaries already loaded;
    /// nil when the header cannot be read.
    func plainData(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8]? {
        guard let offset = LedgerStore.dataOffset(bytes) else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        if bytes[0] == 1 { return Array(rest) }
        do throws(ValueCodecError) { return try codec.decode(rest) } catch {
            throw LedgerStoreError.damagedEntry(path: path, database: "log", what: error.description)
        }
    }

    /// The decoder `RecordedEvent` calls for compressed data (made once per store: a closure made per
    /// call cost an allocation for every event a rebuild decodes).
    var dataDecoder: (UnsafeRawBufferPointer) throws -> [UInt8] { decodeData }

    /// Decodes a stored state row, reading its record from the log when it is held by reference.
    /// With `checkingReference` false, a referenced record whose hash no longer matches the row is
    /// returned as it is (for erasure, which rewrites such rows) instead of being reported as damage.
    func decodeRow(_ txn: borrowing some ReadableTransaction & ~Copyable, _ key: EntityKey, _ bytes: UnsafeRawBufferPointer,
                   checkingReference: Bool = true) throws -> StateRow {
        guard let parsed = StateRow.parse(bytes) else {
            throw LedgerStoreError.damagedEntry(path: path, database: "state", what: "unreadable row for \(key)")
        }
        var row = StateRow(hash: parsed.hash, lastSeq: parsed.lastSeq, deleted: parsed.deleted, rawHash: parsed.rawHash,
                           canonicalBytes: [])
        switch parsed.record {
        case .plain(let b):
            row.canonicalBytes = Array(b)
        case .encoded(let b):
            row.canonicalBytes = try decodeValue(txn, b, database: "state", what: "the record of \(key)")
        case .reference(let seq):
            row.canonicalBytes = try referencedRecord(txn, key, at: seq, hash: checkingReference ? parsed.hash : nil)
            row.recordSeq = seq
        }
        return row
    }

    /// The record held by the created or restored event at `seq` (its data is `{"record": ...}` in
    /// canonical form, so the record's canonical bytes are a slice of it), checked against `hash`.
    private func referencedRecord(_ txn: borrowing some ReadableTransaction & ~Copyable, _ key: EntityKey, at seq: LogPosition,
                                  hash: ContentHash?) throws -> [UInt8] {
        let data = try txn.withValue(log, seq.value) { value -> [UInt8] in
            guard let offset = LedgerStore.dataOffset(value) else {
                throw LedgerStoreError.damagedEntry(path: path, database: "log", what: "unreadable event header at \(seq)")
            }
            let rest = UnsafeRawBufferPointer(rebasing: value[offset...])
            return value[0] == 1 ? Array(rest) : try decodeValue(txn, rest, database: "log", what: "the data of event \(seq)")
        }
        guard let record = data.flatMap(LedgerStore.recordInData) else {
            throw LedgerStoreError.damagedEntry(path: path, database: "state",
                                                what: "the row of \(key) refers to event \(seq), which holds no record")
        }
        if let hash, ContentHash(bytes: record) != hash {
            throw LedgerStoreError.damagedEntry(path: path, database: "state",
                                                what: "the row of \(key) refers to event \(seq), whose record has another hash")
        }
        return record
    }

    /// Decodes a `ValueCodec` value, learning the store's dictionaries once if it needs an unknown one.
    func decodeValue(_ txn: borrowing some ReadableTransaction & ~Copyable, _ encoded: UnsafeRawBufferPointer,
                     database: String, what: String) throws -> [UInt8] {
        if let id = ValueCodec.dictionaryId(encoded), !codec.hasDictionary(id: id) { try loadDictionaries(txn) }
        do throws(ValueCodecError) { return try codec.decode(encoded) } catch {
            throw LedgerStoreError.damagedEntry(path: path, database: database, what: "\(what): \(error.description)")
        }
    }

    /// Where an event's data starts in its storage form (`StoredEventHeader.dataOffset`), or nil.
    static func dataOffset(_ b: UnsafeRawBufferPointer) -> Int? {
        StoredEventHeader.peek(b)?.dataOffset
    }
}

extension UInt16 {
    /// Two bytes, big-endian.
    var bigEndianPair: [UInt8] { [UInt8(self >> 8), UInt8(self & 0xff)] }
}
