import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger state KIND ID`: one record as it was at a point on either time axis, with its events.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "One record as it was: at --as-of T (what was true then, as known now) or --known-at T (what HireLedger knew then), with its event history.",
        discussion: """
            The record is rebuilt from its record events (created, updated through their JSON Patch, \
            deleted, restored). --as-of picks the version with the latest occurredAt at or before T; \
            --known-at only reads events observed at or before T. The history lists the events about \
            the record that were known at the chosen point. JSON output: schemas/views/state.schema.json.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "Record kind, e.g. opening, job, application, offer, department.") var kind: String
    @Argument(help: "Record id (the Ashby id).") var id: String
    @OptionGroup var axes: TimeAxisOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table

    func validate() throws {
        guard EntityKind(wireName: kind) != nil else {
            throw ValidationError("KIND must be one of \(EntityKind.allCases.map(\.wireName).joined(separator: ", ")); got '\(kind)'.")
        }
    }

    func run() async throws {
        try format.require([.table, .json], view: "state")
        let key = EntityKey(EntityKind(wireName: kind)!, id)
        guard key.isStorable else { throw CLIError("The id is too long to be a stored record id (\(id.utf8.count) bytes).") }
        let asOf = try Views.parseTime(axes.asOf, flag: "--as-of")
        let knownAt = try Views.parseTime(axes.knownAt, flag: "--known-at")
        let store = try LedgerStore.openExisting(storeOptions.path)
        let history = try RecordHistory(store: store, key: key)
        if history.events.isEmpty {
            throw CLIError("No events about \(key.kind.wireName) \(id) in \(store.path). Check the id with 'hireledger events --entity \(key.kind.wireName)/\(id)'.")
        }
        let version = history.version(asOf: asOf, knownAt: knownAt)
        let known = history.events.filter { e in knownAt.map { e.observedAt <= $0 } ?? true }
        switch format {
        case .json, .ndjson, .csv:
            Terminal.writeOut(json(history, version, known, asOf: asOf, knownAt: knownAt).canonicalString + "\n")
        case .table:
            Terminal.writeOut(table(version, known, asOf: asOf, knownAt: knownAt) + "\n")
        }
    }

    private func eventJSON(_ e: RecordedEvent) -> JSONValue {
        ["seq": JSONValue(e.seq.value), "id": .string(e.id), "type": .string(e.type.wireName),
         "occurredAt": .string(e.occurredAt.iso8601), "observedAt": .string(e.observedAt.iso8601),
         "occurredAtInferred": .bool(e.occurredAtInferred), "backfilled": .bool(e.backfilled)]
    }

    private func json(_ history: RecordHistory, _ version: RecordHistory.Version?, _ known: [RecordedEvent],
                      asOf: Timestamp?, knownAt: Timestamp?) -> JSONValue {
        let status: String = version.map { $0.deleted ? "deleted" : "live" } ?? "not_yet"
        return ["kind": .string(kind), "id": .string(id),
                "asOf": asOf.map { .string($0.iso8601) } ?? .null, "knownAt": knownAt.map { .string($0.iso8601) } ?? .null,
                "status": .string(status), "record": version?.record ?? .null,
                "version": version.map { eventJSON($0.event) } ?? .null,
                "history": .array(known.map(eventJSON))]
    }

    private func table(_ version: RecordHistory.Version?, _ known: [RecordedEvent], asOf: Timestamp?, knownAt: Timestamp?) -> String {
        var out = "\(kind) \(id), \(Views.pointDescription(asOf: asOf, knownAt: knownAt))\n"
        if let version {
            out += version.deleted ? "Deleted" : "Live"
            out += " since event \(version.event.seq.value) (\(version.event.type.wireName), occurred \(version.event.occurredAt.iso8601), observed \(version.event.observedAt.iso8601))\n"
            if let record = version.record { out += record.canonicalString + "\n" }
        } else {
            out += "Did not exist yet at that point.\n"
        }
        var table = TableRenderer([.init(title: "SEQ", numeric: true), .init(title: "TYPE"), .init(title: "OCCURRED"), .init(title: "OBSERVED")])
        for e in known {
            table.append([String(e.seq.value), e.type.wireName, e.occurredAt.iso8601 + (e.occurredAtInferred ? " (inferred)" : ""),
                          e.observedAt.iso8601 + (e.backfilled ? " (backfilled)" : "")])
        }
        return out + "\nHistory (\(known.count) events):\n" + table.render()
    }
}
