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
        do {
            return try LedgerStore.open(directory: path)
        } catch {
            throw CLIError("Cannot open the store at '\(path)': \(error)")
        }
    }
}
