import ArgumentParser
import Foundation

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
