import HireLedger
import LMDB

/// An error that means the store is damaged (as opposed to a usage or network error), with the
/// message a person needs: what is damaged and the way out. Commands exit 65 on it.
struct StoreDamage {
    let message: String

    init?(_ error: any Error) {
        if let e = error as? LMDBError {
            switch e.code {
            case .corrupted, .invalid, .checksumMismatch:
                message = "the store is damaged: \(e.description). \(LedgerStoreError.wayOut)"
            default:
                return nil
            }
        } else if let e = error as? LedgerStoreError {
            switch e {
            case .damagedEntry, .damagedMeta: message = e.description
            default: return nil
            }
        } else if let e = error as? StoreDamageReport {
            message = e.description
        } else {
            return nil
        }
    }
}
