import ArgumentParser
import Foundation
import HireLedger

/// `--store DIR`: where the ledger lives (default `./hireledger-data`, or HIRELEDGER_STORE).
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("store"), help: "The ledger's directory (default ./hireledger-data, or $HIRELEDGER_STORE).")
    var store: String?

    var path: String {
        if let store { return store }
        if let env = ProcessInfo.processInfo.environment["HIRELEDGER_STORE"], !env.isEmpty { return env }
        return "hireledger-data"
    }
}

extension LedgerStore {
    /// Opens the store at `path` for a command that only reads it, refusing to create one: a typo in
    /// `--store` should say so, not leave an empty store behind.
    static func openExisting(_ path: String) throws -> LedgerStore {
        let dataFile = (path as NSString).appendingPathComponent("data.mdb")
        guard FileManager.default.fileExists(atPath: dataFile) else {
            throw CLIError("No HireLedger store at '\(path)' (no data.mdb there). Run 'hireledger sync' first, "
                + "or point --store (or HIRELEDGER_STORE) at an existing store.")
        }
        // A store this user may read but not write (an auditor's access) opens read-only.
        let readOnly = access(path, W_OK) != 0 || access(dataFile, W_OK) != 0
        CrashBoundary.storeOpened(path: path)
        do {
            return readOnly ? try LedgerStore.openReadOnly(directory: path) : try LedgerStore.open(directory: path)
        } catch {
            if StoreDamage(error) != nil { throw error }
            throw CLIError("Cannot open the store at '\(path)'\(readOnly ? " (read-only: this user may not write it)" : ""): \(error)")
        }
    }
}
