import HireLedgerCore
import LMDB

/// Access to the `projections` database and a log scan made for projection runners.
extension LedgerStore {
    /// A copy of the value under `key` in the `projections` database, or nil.
    public func projectionValue(_ key: [UInt8]) throws -> [UInt8]? {
        try environment.read { txn in try txn.get(projections, key) }
    }

    /// `body` applied to the value under `key` in the `projections` database, seen zero-copy inside
    /// one read transaction (keep `body` short: it holds a reader slot); nil when there is none.
    public func withProjectionValue<R>(_ key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try environment.read { txn in try txn.withValue(projections, key, body) }
    }

    /// The last entry (in key order) of the `projections` database whose key starts with `prefix` and
    /// whose value `accept` takes, searching downwards from `below` (exclusive; nil searches from the
    /// end). `accept` sees the value zero-copy and returns what to keep, or nil to go on.
    public func lastProjectionEntry<R>(prefix: [UInt8], below: [UInt8]? = nil,
                                       _ accept: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> R?) throws -> R? {
        try environment.read { txn in
            var found: R?
            var upper = below ?? prefixEnd(prefix)
            // Scans in reverse a page at a time, so a rejecting `accept` does not read the whole range.
            while found == nil {
                var lastKey: [UInt8]?
                let visited = try txn.scan(projections, from: prefix, upTo: upper, reverse: true, limit: 64) { key, value in
                    lastKey = Array(key)
                    if found == nil, let r = try accept(key, value) { found = r }
                }
                guard found == nil, visited == 64, let lastKey else { break }
                upper = lastKey
            }
            return found
        }
    }

    /// The keys of the `projections` database that start with `prefix`, in key order.
    public func projectionKeys(prefix: [UInt8]) throws -> [[UInt8]] {
        try environment.read { txn in
            var out: [[UInt8]] = []
            try txn.scan(projections, prefix: prefix) { key, _ in out.append(Array(key)) }
            return out
        }
    }

    /// Applies `writes` to the `projections` database in ONE write transaction, in order, unless
    /// `supersededBy` returns true for the value currently stored under `checkKey` (e.g. a checkpoint
    /// another process already moved further); returns whether the writes were made.
    /// On a read-only store nothing is written (checkpoints are a cache: the queries fold the tail).
    @discardableResult
    public func writeProjections(_ writes: [ProjectionWrite], checkKey: [UInt8]? = nil,
                                 supersededBy: (UnsafeRawBufferPointer) -> Bool = { _ in false }) throws -> Bool {
        guard !writes.isEmpty, !isReadOnly else { return false }
        let db = projections
        return try environment.write { txn in
            if let checkKey, try txn.withValue(db, checkKey, { supersededBy($0) }) == true { return false }
            for w in writes {
                switch w {
                case .put(let key, let value): try txn.put(db, key, value)
                case .delete(let key): _ = try txn.delete(db, key)
                case .deletePrefix(let prefix, let keeping):
                    // Keys only (`scanKeys` reads and checks no value): the entries under a prefix
                    // are snapshots, whole encoded states of several MB each, which a full scan
                    // would page in and checksum only to delete them.
                    var doomed: [[UInt8]] = []
                    try txn.scanKeys(db, prefix: prefix) { key, _ in
                        if let keeping, key.starts(with: keeping),
                           key.count == keeping.count || key[keeping.count] == UInt8(ascii: "/") { return }
                        doomed.append(Array(key))
                    }
                    for key in doomed { _ = try txn.delete(db, key) }
                }
            }
            return true
        }
    }

    /// Visits the events after `position` in log order, at most `limit` of them, decoding only those
    /// whose type `wanted` accepts (the type is read from the stored bytes before the data is parsed).
    /// Returns the position and `observedAt` of the last event visited, decoded or not (nil when there
    /// was none), so a caller can record that it has seen up to there.
    ///
    /// With `through`, stops before the first event observed after it (observedAt never decreases
    /// along the log, so everything known at `through` is the prefix read).
    public func scanEvents(after position: LogPosition, limit: Int, through: Timestamp? = nil, wanted: (EventType) -> Bool,
                           _ body: (RecordedEvent) throws -> Void) throws -> (seq: LogPosition, observedAt: Timestamp)? {
        try scanEvents(after: position, limit: limit, through: through, selecting: { wanted($0) ? .all : nil }, body)
    }

    /// `scanEvents(after:limit:through:wanted:_:)` where `selecting` says, per event type, which parts
    /// of `data` to build (`JSONSelection`), or nil to skip the event undecoded. The events `body`
    /// gets then carry partial `data`: for folds that read only those parts, never for storing.
    public func scanEvents(after position: LogPosition, limit: Int, through: Timestamp? = nil,
                           selecting: (EventType) -> JSONSelection?,
                           _ body: (RecordedEvent) throws -> Void) throws -> (seq: LogPosition, observedAt: Timestamp)? {
        guard limit > 0 else { return nil }
        return try environment.read { txn in
            var last: (LogPosition, Timestamp)?
            var stopped = false
            try txn.scan(log, from: position.next.value.bigEndianBytes, limit: limit) { key, value in
                if stopped { return }
                guard let seq = UInt64(bigEndianBytes: key), let peeked = LedgerStore.peekEvent(value, at: LogPosition(seq)) else {
                    throw LedgerStoreError.damagedEntry(path: path, database: "log", what: "unreadable event header")
                }
                if let through, peeked.observedAt > through { stopped = true; return }
                last = (peeked.seq, peeked.observedAt)
                if let type = peeked.type, let selection = selecting(type) {
                    // Decoded in place from the mapped page (no copy of the value first).
                    try body(try decodeEvent(txn, value, at: peeked.seq, selecting: selection))
                }
            }
            return last
        }
    }

    /// Seq, observedAt and type of a stored event (`StoredEventHeader`); `type` is nil when this build
    /// does not know it (the full decode then reports it).
    static func peekEvent(_ b: UnsafeRawBufferPointer, at seq: LogPosition) -> (seq: LogPosition, observedAt: Timestamp, type: EventType?)? {
        guard let header = StoredEventHeader.peek(b, seq: seq) else { return nil }
        return (seq, header.observedAt, header.type)
    }

    private func prefixEnd(_ prefix: [UInt8]) -> [UInt8]? {
        var p = prefix
        while let last = p.last {
            if last < 255 { p[p.count - 1] = last + 1; return p }
            p.removeLast()
        }
        return nil
    }
}

