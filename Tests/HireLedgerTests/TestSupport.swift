import Foundation
import HireLedger
import HireLedgerCore
import LMDB

/// Runs `body` with the path of a directory that does not exist yet, removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = NSTemporaryDirectory() + "hireledger-engine-tests-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Small map and no fsync: the only slow parts of store tests otherwise.
let testStoreOptions = Environment.Options(mapSize: 8 << 20, noSync: true)

func openTestStore(_ path: String, now: Timestamp = Timestamp(millisecondsSinceEpoch: 1_780_000_000_000)) throws -> LedgerStore {
    try LedgerStore.open(directory: path, options: testStoreOptions, now: now)
}

func posixPermissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

func json(_ text: String) -> JSONValue { try! JSONValue.parse(text) }

func seen(_ kind: EntityKind, _ record: JSONValue) -> Observation {
    .seen(EntityKey(kind, record.string("id")!), RecordNormalizer.standard.normalize(record, kind: kind))
}

let t0 = Timestamp(iso8601: "2026-03-01T09:00:00Z")!
