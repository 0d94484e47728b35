import ArgumentParser
import Foundation
import HireLedger
import HireLedgerCore

/// `hireledger events`: reads the log, filtered, as a table, JSON or newline-delimited CloudEvents.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List recorded events, oldest first.",
        discussion: """
            Filters combine: --after SEQ (events after that position), --type GLOB (repeatable; e.g. \
            'application.*', 'record.offer.*', '*.closed'), --entity KIND/ID (e.g. application/3f2a...). \
            json and ndjson print CloudEvents 1.0 objects (schemas/events/envelope.schema.json).
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Only events after this position (seq).") var after: UInt64 = 0
    @Option(name: .customLong("type"), help: "Only event types matching this glob (repeatable).") var types: [String] = []
    @Option(help: "Only events about this record: KIND/ID.") var entity: String?
    @Option(help: "At most this many events.") var limit: Int = 1000
    @Option(help: "Output format: table, json or ndjson.") var format: OutputFormat = .table

    func validate() throws {
        if let entity, EntityKey(wireForm: entity) == nil {
            throw ValidationError("--entity must be KIND/ID with KIND one of \(EntityKind.allCases.map(\.wireName).joined(separator: ", ")); got '\(entity)'.")
        }
        if after > LogPosition.maximum.value {
            throw ValidationError("--after must be an event position from 0 to \(LogPosition.maximum.value); got \(after).")
        }
        if !(1...10_000_000).contains(limit) { throw ValidationError("--limit must be 1 to 10000000; got \(limit).") }
        for t in types where t.isEmpty { throw ValidationError("--type must not be empty.") }
    }

    func run() async throws {
        try format.require([.table, .json, .ndjson], view: "events")
        let store = try LedgerStore.openExisting(storeOptions.path)
        let events = try store.events(after: LogPosition(after), limit: limit, types: EventTypeFilter(types),
                                      entity: entity.flatMap(EntityKey.init(wireForm:)))
        let source = "urn:hireledger:store:\(store.storeId)"
        switch format {
        case .ndjson:
            for e in events { Terminal.writeOut(e.cloudEvent(source: source).canonicalString + "\n") }
        case .json:
            Terminal.writeOut(JSONValue.array(events.map { $0.cloudEvent(source: source) }).canonicalString + "\n")
        case .table, .csv:
            var table = TableRenderer([.init(title: "SEQ", numeric: true), .init(title: "OBSERVED"), .init(title: "OCCURRED"),
                                       .init(title: "TYPE"), .init(title: "SUBJECT"), .init(title: "SUMMARY")])
            for e in events {
                var occurred = e.occurredAt.iso8601
                if e.occurredAtInferred { occurred += "~" }
                if e.backfilled { occurred += " (backfilled)" }
                table.append([String(e.seq.value), e.observedAt.iso8601, occurred, e.type.wireName, e.subject.wireForm,
                              Self.summary(e)])
            }
            Terminal.writeOut(table.render() + "\n")
            if events.count == limit { Terminal.writeError("(first \(limit) events; continue with --after \(events.last!.seq.value))\n") }
        }
    }

    /// A short, PII-free summary of an event's data for the table.
    static func summary(_ e: RecordedEvent) -> String {
        let d = e.data
        if let changes = d["changes"]?.objectValue { return "changed: " + changes.keys.prefix(6).joined(separator: ", ") }
        var parts: [String] = []
        if let from = d["fromStage"]?["title"]?.stringValue ?? d["from"]?["title"]?.stringValue { parts.append("from \(from)") }
        if let to = d["toStage"]?["title"]?.stringValue ?? d["to"]?["title"]?.stringValue { parts.append("to \(to)") }
        for key in ["reason", "jobTitle", "startDate", "targetStartDate", "previousTargetStartDate", "openingState", "status"] {
            if let v = d[key]?.stringValue { parts.append("\(key)=\(v)") }
        }
        return parts.joined(separator: " ")
    }
}
