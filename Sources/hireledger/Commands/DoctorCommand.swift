import ArgumentParser
import AshbyAPI
import Foundation
import HireLedgerCore

/// `hireledger doctor`: checks the key's permissions against the six HireLedger needs.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the API key's permissions against the six read permissions HireLedger needs.",
        discussion: """
            Calls one cheap endpoint per required permission and prints, for each: required or not, \
            granted or not, and what HireLedger cannot record without it. Says so when the key holds \
            write permissions HireLedger never needs (when Ashby lets the key list its scopes). \
            Then: which Ashby organization the key reads and whether the store (--store) belongs to it, \
            the types the last sync skipped, and whether confidential jobs are likely hidden from the key \
            (it lists none while the store knows some). \
            Exit status: 0 when every required permission is granted and the store belongs to the key's \
            account, 1 otherwise.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "Output format: table or json.") var format: OutputFormat = .table

    func run() async throws {
        try format.require([.table, .json], view: "doctor")
        let conn = try await AshbyConnection.open(connection)
        defer { Task { await conn.close() } }
        let report: PermissionReport
        do {
            report = try await PermissionProbe(client: conn.client).run()
        } catch {
            await conn.close()
            throw CLIError("doctor could not check the key against \(conn.label): \(error)")
        }
        let findings = await DoctorChecks.run(conn, storePath: storeOptions.path, report: report)
        await conn.close()
        switch format {
        case .json, .ndjson:
            var entries: [JSONValue] = []
            for e in report.entries {
                let status: String
                var note: JSONValue = .null
                switch e.status {
                case .granted: status = "granted"
                case .missing: status = "missing"
                case .undetermined(let why): status = "undetermined"; note = .string(why)
                }
                entries.append([
                    "permission": .string(e.permission.adminName), "scope": .string(e.permission.scope),
                    "required": .bool(e.required), "status": .string(status), "probedWith": .string(e.probedWith),
                    "withoutIt": .string(e.consequence), "note": note,
                ])
            }
            let out: JSONValue = [
                "source": .string(conn.label),
                "permissions": .array(entries + [[
                    "permission": .string(AshbyPermission.apiKeysRead.adminName), "scope": .string(AshbyPermission.apiKeysRead.scope),
                    "required": .bool(false), "status": .string(report.keyInfo != nil ? "granted" : "missing"),
                    "probedWith": "apiKey.info", "withoutIt": "nothing: it only lets doctor list the key's other scopes",
                    "note": .null,
                ]]),
                "allRequiredGranted": .bool(report.allRequiredGranted),
                "scopes": report.keyInfo.map { .array($0.scopes.map { .string($0) }) } ?? .null,
                "unneededWritePermissions": .array(report.unneededWritePermissions.map { .string($0.adminName) }),
                "keyInfoNote": report.keyInfoNote.map { .string($0) } ?? .null,
                "checks": .array(findings.map(\.json)),
            ]
            Terminal.writeOut(out.canonicalString + "\n")
        case .table, .csv:
            var table = TableRenderer([.init(title: "PERMISSION"), .init(title: "REQUIRED"), .init(title: "STATUS"),
                                       .init(title: "WITHOUT IT, HIRELEDGER CANNOT RECORD")])
            for e in report.entries {
                let status: String
                switch e.status {
                case .granted: status = "granted"
                case .missing: status = "MISSING"
                case .undetermined: status = "unknown"
                }
                table.append([e.permission.adminName, e.required ? "yes" : "no", status, e.consequence])
            }
            // API Keys: Read is optional: it only lets `apiKey.info` list the key's scopes.
            let keysRead = AshbyPermission.apiKeysRead
            table.append([keysRead.adminName, "no", report.keyInfo != nil ? "granted" : "not granted",
                          "(nothing: it only lets doctor list the key's other scopes)"])
            var text = "Source: \(conn.label)\n" + table.render() + "\n"
            for e in report.entries {
                if case .missing = e.status { text += "\n\(e.permission.grantInstruction)." }
                if case .undetermined(let why) = e.status { text += "\n\(e.permission.adminName) could not be checked: \(why)" }
            }
            if let info = report.keyInfo {
                text += "\nKey scopes: \(info.scopes.joined(separator: ", "))"
            } else if let note = report.keyInfoNote {
                text += "\n\(note)"
            }
            if !report.unneededWritePermissions.isEmpty {
                text += "\nWARNING: the key can write (\(report.unneededWritePermissions.map(\.adminName).joined(separator: ", "))). "
                    + "HireLedger only reads: remove write permissions in Ashby (Admin → Integrations → API Keys)."
            }
            if !findings.isEmpty { text += "\n\nSource and store:\n" + findings.map { "  " + $0.line }.joined(separator: "\n") }
            Terminal.writeOut(text + "\n")
        }
        if !report.allRequiredGranted || findings.contains(where: { $0.level == .problem }) { throw ExitCode(1) }
    }
}
