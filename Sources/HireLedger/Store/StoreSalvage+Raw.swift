import HireLedgerCore
import LMDB

/// Salvage of a store LMDB cannot open at all (both meta pages gone, the file cut short): the data
/// file is scanned page by page with `pread` (`PageCheck.scanLeafEntries`), never mapped, so nothing
/// in it can crash the scan. An event is taken when its entry has an 8-byte key, a value whose
/// checksum matches (the checksum is seeded with the key, so a value under the wrong key fails), and
/// the value decodes as the event of that position. The store id and creation time come from the
/// `meta` entries the scan finds; erasures (the redaction list) from `checkpoints` entries whose
/// checksums match.
///
/// A data file that was not compacted also holds old copies of pages, which LMDB keeps free. The log
/// only grows, so an old copy of an event is the same event, with one exception: an erasure rewrites
/// events in place. When a position is found in two versions, the one with more erasure placeholders
/// is kept (an erasure only ever replaces values by the placeholder), so erased data does not come back.
extension StoreSalvage {
    /// What the scan found about the store itself.
    public struct RawSource: Sendable {
        public var storeId: String
        public var createdAt: Timestamp
        public var last: LogPosition
        public var pageSize: Int
        public var leafPages: Int
        /// Positions found in more than one version (old page copies).
        public var duplicates: Int
        /// The redaction list entries found (`checkpoints` key and value).
        public var erasures: [([UInt8], [UInt8])]
    }

    public struct RawScanError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Scans `directory/data.mdb` and writes every event found into `staging` (as `collect` does).
    /// `storeId`: the store's id when the user gives it (`verify --salvage DIR --store-id ID`), for a
    /// file whose page holding it is gone; a different id found in the file is refused.
    public static func collectRaw(directory: String, staging: String, storeId given: String? = nil) throws -> RawSource {
        var storeIds: [String: Int] = [:]
        var created: [UInt64: Int] = [:]
        var erasures: [[UInt8]: [UInt8]] = [:]
        let storeIdKey = Array(StoreKeys.storeId.utf8), createdKey = Array(StoreKeys.createdAt.utf8)
        let erasurePrefix = Array(CandidateErasure.keyPrefix.utf8)
        // The compression dictionaries (format 4): compressed events found below need them.
        let codec = dictionariesOnPages(directory: directory)
        guard let first = PageCheck.scanLeafEntries(directory: directory, { _, key, value in
            if key == storeIdKey, let id = String(validating: value, as: UTF8.self), id.count == 32 { storeIds[id, default: 0] += 1 }
            if key == createdKey, value.count == 8, let ms = UInt64(bigEndianBytes: value) { created[ms, default: 0] += 1 }
            if key.starts(with: erasurePrefix), let plain = key.withUnsafeBytes({ k in value.withUnsafeBytes { ValueChecksum.verified(key: k, stored: $0).map(Array.init) } }),
               let json = try? JSONValue.parse(plain) {
                // An erasure in progress and its completed version: keep the completed one.
                if erasures[key] == nil || json["completed"] == .bool(true) { erasures[key] = plain }
            }
        }) else {
            throw RawScanError(description: "the data file cannot be read at all")
        }
        let found = storeIds.max(by: { $0.value < $1.value })?.key
        if let given, let found, given != found {
            throw RawScanError(description: "the file holds store id \(found), not the \(given) given with --store-id; leave --store-id out")
        }
        guard let storeId = found ?? given else {
            throw RawScanError(description: "no page of the file holds the store id (\(first.leafPages) leaf pages found); give it with "
                + "--store-id ID: it is the part before the ':' of any event id a consumer of this store holds, and "
                + "`hireledger status --format json` of a backup of this store shows it")
        }
        let env = try Environment.open(directory: staging, options: Environment.Options(noSync: true))
        let events = try env.openDatabase(name: eventsName, checksummed: true)
        let lost = try env.openDatabase(name: lostName)
        var pending: [(UInt64, [UInt8])] = []
        var last: UInt64 = 0
        var duplicates = 0
        var failure: (any Error)?
        func flush() {
            guard failure == nil, !pending.isEmpty else { return }
            do {
                let dups = try env.write { txn -> Int in
                    var dups = 0
                    for (seq, bytes) in pending {
                        if let existing = try txn.get(events, seq) {
                            if existing != bytes { dups += 1 }
                            if erasurePlaceholders(existing) >= erasurePlaceholders(bytes) { continue }
                        }
                        try txn.put(events, seq, bytes)
                    }
                    return dups
                }
                duplicates += dups
            } catch { failure = error }
            pending.removeAll(keepingCapacity: true)
        }
        let scan = PageCheck.scanLeafEntries(directory: directory) { _, key, value in
            guard let (seq, plain) = wholeLogEntry(key: key, value: value, storeId: storeId, codec: codec) else { return }
            pending.append((seq, plain))
            last = max(last, seq)
            if pending.count >= 2_000 { flush() }
        }
        flush()
        if let failure { throw failure }
        try env.write { txn in
            var seq: UInt64 = 1
            while seq <= last {
                if try !txn.contains(events, seq) { try txn.put(lost, seq, [UInt8]()) }
                seq += 1
            }
        }
        try env.sync(force: true)
        let createdMs = created.max(by: { $0.value < $1.value })?.key
        return RawSource(storeId: storeId,
                         createdAt: createdMs.map { Timestamp(millisecondsSinceEpoch: Int64(bitPattern: $0)) } ?? SystemLedgerClock().now(),
                         last: LogPosition(last), pageSize: scan?.pageSize ?? first.pageSize, leafPages: first.leafPages,
                         duplicates: duplicates, erasures: erasures.map { ($0.key, $0.value) }.sorted { $0.0.lexicographicallyPrecedes($1.0) })
    }

    /// After `collect`: the positions it could not read through LMDB (under a damaged branch page, every
    /// event below it, although its own leaf page is whole) are looked for by a page scan of the data
    /// file, as `collectRaw` does, and taken when found whole (checksum and position match). Returns how
    /// many were recovered this way. Several versions of one position (old page copies): the one with
    /// the most erasure placeholders wins, so erased data does not come back.
    public static func topUpFromPages(directory: String, staging: String, storeId: String) throws -> Int {
        let env = try Environment.open(directory: staging, options: Environment.Options(noSync: true))
        let events = try env.openDatabase(name: eventsName, checksummed: true)
        let lost = try env.openDatabase(name: lostName)
        var missing = Set<UInt64>()
        try env.read { txn in
            _ = try txn.scan(lost) { k, _ in if let seq = UInt64(bigEndianBytes: k) { missing.insert(seq) } }
        }
        guard !missing.isEmpty else { return 0 }
        let codec = dictionariesOnPages(directory: directory)
        var found: [UInt64: [UInt8]] = [:]
        _ = PageCheck.scanLeafEntries(directory: directory) { _, key, value in
            guard let (seq, plain) = wholeLogEntry(key: key, value: value, storeId: storeId, codec: codec), missing.contains(seq) else { return }
            if let other = found[seq], erasurePlaceholders(other) >= erasurePlaceholders(plain) { return }
            found[seq] = plain
        }
        guard !found.isEmpty else { return 0 }
        try env.write { txn in
            for (seq, bytes) in found {
                try txn.put(events, seq, bytes)
                _ = try txn.delete(lost, seq)
            }
        }
        try env.sync(force: true)
        return found.count
    }

    /// The event stored as a log entry found by a page scan: an 8-byte key, a value whose checksum
    /// (seeded with the key) matches, decoding as the event of that position. Nil for anything else.
    static func wholeLogEntry(key: [UInt8], value: [UInt8], storeId: String, codec: ValueCodec) -> (seq: UInt64, bytes: [UInt8])? {
        guard key.count == 8, let seq = UInt64(bigEndianBytes: key), seq > 0,
              let stored = key.withUnsafeBytes({ k in value.withUnsafeBytes { ValueChecksum.verified(key: k, stored: $0).map(Array.init) } }),
              let event = try? RecordedEvent(storageBytes: stored, seq: LogPosition(seq), storeId: storeId, dataDecoder: { try codec.decode($0) })
        else { return nil }
        // Staged plain (decompressed), so that `build` needs no dictionary.
        return (seq, event.storageBytes())
    }

    /// The last position a salvage of `store` must try: the log's last as LMDB reads it, or as `verify`
    /// reaches it, and at least the highest position whose entry lies whole on a page of the data file
    /// (with the log's root or a branch page damaged, LMDB reads no last position at all, while every
    /// leaf page may still be whole).
    public static func lastPosition(of store: LedgerStore) -> LogPosition {
        let read = (try? store.lastPosition) ?? StoreVerifier.verify(store).lastPosition
        let codec = dictionariesOnPages(directory: store.path)
        var highest: UInt64 = 0
        _ = PageCheck.scanLeafEntries(directory: store.path) { _, key, value in
            guard key.count == 8, let seq = UInt64(bigEndianBytes: key), seq > highest,
                  wholeLogEntry(key: key, value: value, storeId: store.storeId, codec: codec) != nil else { return }
            highest = seq
        }
        return max(read, LogPosition(highest))
    }

    /// The compression dictionaries found on the pages of `directory/data.mdb` (either copy: the
    /// `dictionaries` database's, or the one in `checkpoints`), each checked by its value checksum.
    public static func dictionariesOnPages(directory: String) -> ValueCodec {
        let codec = ValueCodec()
        let copyPrefix = Array(StoreKeys.dictionaryCopyPrefix.utf8)
        _ = PageCheck.scanLeafEntries(directory: directory) { _, key, value in
            guard key.count == 2 || (key.count == copyPrefix.count + 2 && key.starts(with: copyPrefix)),
                  let plain = key.withUnsafeBytes({ k in value.withUnsafeBytes { ValueChecksum.verified(key: k, stored: $0).map(Array.init) } }),
                  let entry = LedgerStore.dictionaryEntry(key: key.suffix(2), value: plain) else { return }
            try? codec.add(id: entry.id, family: entry.family, dictionary: entry.bytes)
        }
        return codec
    }

    static func erasurePlaceholders(_ bytes: [UInt8]) -> Int {
        let placeholder = Array(CandidateErasure.placeholder.utf8)
        var n = 0, from = bytes.startIndex
        while let r = bytes[from...].firstRange(of: placeholder) { n += 1; from = r.upperBound }
        return n
    }
}
