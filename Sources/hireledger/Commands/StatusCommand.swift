import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger status`: the store, its positions and sizes, and the last sync per entity type.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the store: positions, record counts, sizes and the last sync per entity type."
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table

    func run() async throws {
        try format.require([.table, .json], view: "status")
        let store = try LedgerStore.openExisting(storeOptions.path)
        let status = try store.status()
        let source = try store.boundSource()
        let skipped = try store.skippedTypes()
        let kinds = EntityKind.allCases
        switch format {
        case .json, .ndjson:
            var records = JSONObject()
            for kind in kinds {
                let c = status.records[kind] ?? (0, 0)
                records[kind.wireName] = ["live": .number(JSONNumber(c.live)), "deleted": .number(JSONNumber(c.deleted))]
            }
            var syncs = JSONObject()
            for (type, run) in status.lastSyncs.sorted(by: { $0.key < $1.key }) { syncs[type] = run.json }
            let out: JSONValue = [
                "path": .string(status.path), "storeId": .string(status.storeId),
                "formatVersion": .number(JSONNumber(status.formatVersion)),
                "createdAt": .string(status.createdAt.iso8601),
                "lastSeq": .number(JSONNumber(status.lastPosition.value)),
                "lastObservedAt": status.lastObservedAt.map { .string($0.iso8601) } ?? .null,
                "eventCount": .number(JSONNumber(status.eventCount)),
                "records": .object(records), "lastSyncs": .object(syncs),
                "syncTokens": .array(status.syncTokens.sorted().map { .string($0) }),
                "usedBytes": .number(JSONNumber(status.usedBytes)), "mapSize": .number(JSONNumber(status.mapSize)),
                "logBytes": .number(JSONNumber(status.logBytes)),
                "backfill": ["cursor": status.backfillCursor.map { .string($0.wireForm) } ?? .null,
                             "completed": .bool(status.backfillCompleted)],
                "source": source.map { $0.json } ?? .null,
                "skipped": .array(skipped.values.sorted { $0.entityType < $1.entityType }.map(\.json)),
            ]
            Terminal.writeOut(out.canonicalString + "\n")
        case .table, .csv:
            var text = """
                Store     \(status.path) (id \(status.storeId), format \(status.formatVersion), created \(status.createdAt.iso8601))
                Log       \(status.eventCount) events, last seq \(status.lastPosition.value)\
                \(status.lastObservedAt.map { ", last observed \($0.iso8601)" } ?? ""), \(Self.bytes(status.logBytes))
                Size      \(Self.bytes(status.usedBytes)) used of a \(Self.bytes(status.mapSize)) map
                Backfill  \(status.backfillCompleted ? "completed" : status.backfillCursor.map { "in progress (after \($0.wireForm))" } ?? "not run")
                Source    \(source.map { "\($0)" } ?? "not bound yet (the next sync binds it)")


                """
            var table = TableRenderer([
                .init(title: "ENTITY"), .init(title: "LIVE", numeric: true), .init(title: "DELETED", numeric: true),
                .init(title: "LAST SYNC"), .init(title: "MODE"), .init(title: "RECORDS", numeric: true),
                .init(title: "EVENTS", numeric: true), .init(title: "TOKEN"),
            ])
            let types = Set(status.lastSyncs.keys)
            for kind in kinds {
                let c = status.records[kind] ?? (0, 0)
                let run = status.lastSyncs[Self.entityType(for: kind, among: types) ?? ""]
                if c.live == 0, c.deleted == 0, run == nil { continue }
                table.append([
                    kind.wireName, String(c.live), String(c.deleted), run?.finishedAt.iso8601 ?? "never",
                    run?.mode.rawValue ?? "", run.map { String($0.records) } ?? "", run.map { String($0.events) } ?? "",
                    run.map { _ in status.syncTokens.contains { $0.hasPrefix(Self.endpointPrefix(kind)) } ? "yes" : "no" } ?? "",
                ])
            }
            text += table.render() + "\n"
            for skip in skipped.values.sorted(by: { $0.entityType < $1.entityType }) {
                text += "SKIPPED   \(skip.description) since \(skip.at.iso8601): the API key lacks the permission; "
                    + "`hireledger doctor` checks the key.\n"
            }
            for (type, run) in status.lastSyncs.sorted(by: { $0.key < $1.key }) {
                if let reason = run.fullPassReason, reason.contains("refused") { text += "FULL PASS \(type): \(reason)\n" }
            }
            Terminal.writeOut(text)
        }
    }

    /// The sync-run key (an `AshbyEntityType` raw value such as `applications`) matching an entity kind.
    static func entityType(for kind: EntityKind, among types: Set<String>) -> String? {
        let compact = kind.wireName.replacingOccurrences(of: "_", with: "").lowercased()
        return types.first { t in
            let c = t.replacingOccurrences(of: "_", with: "").lowercased()
            return c == compact || c == compact + "s" || c == compact + "es" || (compact.hasSuffix("y") && c == compact.dropLast() + "ies")
        }
    }

    /// The list endpoint's category for a kind (`job_posting` → `jobPosting.`), to find its stored token.
    static func endpointPrefix(_ kind: EntityKind) -> String {
        let parts = kind.wireName.split(separator: "_")
        return (parts.first.map(String.init) ?? "") + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() + "."
    }

    static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(n), i = 0
        while v >= 1024, i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
    }
}
