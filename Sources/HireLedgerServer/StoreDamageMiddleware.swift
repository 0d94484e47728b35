import HireLedger
import HireLedgerCore
import Hummingbird
import LMDB

/// Turns an error that means the store is damaged (a value whose checksum does not match, a page
/// LMDB reports as corrupted or missing, an entry that does not decode, a record history that does
/// not fold) into a 503 `application/problem+json` naming the damage and the way out, instead of
/// Hummingbird's plain 500. The server stays up: other routes and other records still answer.
///
/// The detail is built from the error's structured fields only (database, position or record key,
/// LMDB's code text), never from stored bytes or a decoder's message, so no personal data can leak.
struct StoreDamageMiddleware<Context: RequestContext>: RouterMiddleware {
    let storePath: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            if let problem = StoreDamageProblem.problem(for: error, storePath: storePath) { throw problem }
            throw error
        }
    }
}

/// The problem document for a damaged store.
public enum StoreDamageProblem {
    public static let title = "Store damaged"

    /// The damage `error` names, as a phrase without stored data; nil when `error` is not store damage.
    public static func damage(in error: any Error) -> String? {
        if let e = error as? LMDBError {
            let db = e.database.map { " in database '\($0)'" } ?? ""
            switch e.code {
            case .checksumMismatch:
                let key = e.key.map { " under " + keyDescription(database: e.database, $0) } ?? ""
                return "a stored value\(db)\(key) does not match its checksum"
            case .corrupted:
                return "LMDB reported a damaged page\(db) during \(e.operation) (\(e.message))"
            case .invalid:
                return "the data file is not a readable LMDB file (\(e.message))"
            default:
                return nil
            }
        }
        if let e = error as? LedgerStoreError {
            switch e {
            case .damagedEntry(_, let database, _): return "an entry of database '\(database)' does not decode"
            case .damagedMeta: return "the store's meta database is damaged"
            default: return nil
            }
        }
        if error is RecordHistoryError { return "the record's events in the log do not fold (an event is missing or does not apply)" }
        if let e = error as? StoreDamageReport { return "verify found \(e.findings.count) problems" }
        return nil
    }

    /// 503 with the damage and the way out, or nil when `error` is not store damage.
    public static func problem(for error: any Error, storePath: String) -> APIProblem? {
        guard let damage = damage(in: error) else { return nil }
        return APIProblem(.serviceUnavailable, title,
                          detail: "The store at \(storePath) is damaged: \(damage). Run `hireledger verify --store \(storePath)` to list "
                            + "the damage; restore the store from a backup (`hireledger restore BACKUP --store \(storePath) --force`) "
                            + "or write a new store from what can still be read with `hireledger verify --salvage NEW_DIR --store \(storePath)`.")
    }

    static func keyDescription(database: String?, _ key: [UInt8]) -> String {
        if database == "log", key.count == 8 {
            return "position \(key.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })"
        }
        if database == "state", let entity = EntityKey(storageBytes: key) { return "record \(entity.wireForm)" }
        // Other keys are record keys (kind/id), checkpoint or projection names: identifiers, not personal data.
        if key.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return "key '\(String(decoding: key, as: UTF8.self))'" }
        return "a \(key.count)-byte key"
    }
}
