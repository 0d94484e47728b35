import AshbyAPI
import Foundation
import HireLedger
import HireLedgerCore

/// `doctor`'s checks beyond the key's permissions: which source the key reads and whether the store is
/// bound to it, what the last sync skipped, and whether confidential jobs are likely hidden from the key.
struct DoctorChecks {
    struct Finding {
        enum Level: String { case ok, note, warning, problem }
        var check: String
        var level: Level
        var message: String

        var json: JSONValue { ["check": .string(check), "level": .string(level.rawValue), "message": .string(message)] }
        var line: String {
            let tag = ["ok": "ok      ", "note": "note    ", "warning": "WARNING ", "problem": "PROBLEM "][level.rawValue]!
            return tag + message
        }
    }

    /// Runs every check. `storePath`: the store to compare with, when one exists there.
    static func run(_ conn: AshbyConnection, storePath: String, report: PermissionReport) async -> [Finding] {
        var out: [Finding] = []
        // Which source the key reads.
        var source: SyncSource?
        if let sim = conn.simulator {
            source = .simulator(seed: sim.configuration.seed, size: sim.configuration.size.rawValue)
        } else {
            do { source = .ashby(try await conn.client.organization()) } catch {
                out.append(Finding(check: "source", level: .warning, message: "could not tell which organization the key reads: \(error)"))
            }
        }
        if let source { out.append(Finding(check: "source", level: .ok, message: "the key reads \(source)")) }

        // The store, when there is one.
        var store: LedgerStore?
        if FileManager.default.fileExists(atPath: (storePath as NSString).appendingPathComponent("data.mdb")) {
            store = try? LedgerStore.open(directory: storePath)
        }
        var storeConfidential = 0, hiddenCount = 0
        if let store {
            if let bound = try? store.boundSource() {
                switch source.map({ $0.match(bound: bound) }) {
                case .different?:
                    out.append(Finding(check: "binding", level: .problem, message: "the store at \(store.path) belongs to \(bound), not to "
                        + "what this key reads: `hireledger sync` will refuse it. Use that account's key, or another --store."))
                case .unverifiable?:
                    out.append(Finding(check: "binding", level: .warning, message: "the store belongs to \(bound); this key cannot confirm "
                        + "it reads the same account (it may read neither feedback forms nor brands)"))
                default:
                    out.append(Finding(check: "binding", level: .ok, message: "the store at \(store.path) belongs to this source"))
                }
            } else {
                out.append(Finding(check: "binding", level: .note, message: "the store at \(store.path) is not bound to a source yet; "
                    + "its next sync binds it"))
            }
            for skip in ((try? store.skippedTypes()) ?? [:]).values.sorted(by: { $0.entityType < $1.entityType }) {
                out.append(Finding(check: "skipped", level: .warning, message: "the last sync skipped \(skip.description): "
                    + "views that need it say so"))
            }
            let hidden = (try? store.hiddenRecords()) ?? [:]
            hiddenCount = hidden.values.reduce(0) { $0 + $1.count }
            for key in (try? store.liveKeys(of: .job)) ?? [] where (try? store.currentRecord(key))?["confidential"]?.boolValue == true {
                storeConfidential += 1
            }
        }

        // Confidential jobs: the key lists every job it may see; a store that knows confidential jobs the
        // key cannot list (or records already marked hidden) means the key's toggle is off.
        if report.entries.contains(where: { $0.permission == .jobsRead && $0.status == .granted }) {
            do {
                let jobs = try await conn.client.listAll(.jobList).records
                let visible = jobs.count { $0["confidential"]?.boolValue == true }
                if visible > 0 {
                    out.append(Finding(check: "confidential", level: .ok, message: "the key sees \(visible) confidential job(s): "
                        + "its 'Allow access to confidential jobs and projects' is on"))
                } else if storeConfidential > 0 || hiddenCount > 0 {
                    out.append(Finding(check: "confidential", level: .warning, message: "confidential jobs are likely hidden from this key: "
                        + "it lists no confidential job, but the store holds \(storeConfidential) and \(hiddenCount) record(s) already marked "
                        + "hidden. Turn on 'Allow access to confidential jobs and projects' for the key (Ashby: Admin → Integrations "
                        + "→ API Keys); until then those jobs and their applications keep their last known state."))
                } else {
                    out.append(Finding(check: "confidential", level: .note, message: "the key lists no confidential job (of \(jobs.count)): "
                        + "if the account has confidential jobs, the key's 'Allow access to confidential jobs and projects' is off "
                        + "and HireLedger cannot see them or their applications"))
                }
            } catch {
                out.append(Finding(check: "confidential", level: .warning, message: "could not list jobs to check confidential access: \(error)"))
            }
        }
        return out
    }
}
