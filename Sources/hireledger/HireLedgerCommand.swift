import ArgumentParser

@main
struct HireLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hireledger",
        abstract: "Turns an Ashby ATS account into a trustworthy, replayable history.",
        discussion: """
            HireLedger syncs an Ashby account through its read-only API, records every change as a typed \
            event in an append-only log, and answers headcount and pipeline questions on two time axes: \
            what was true at a moment, and what was known then. Without ASHBY_API_KEY it runs against an \
            embedded Ashby simulator.
            """,
        version: HireLedgerVersion.string,
        subcommands: [
            DemoCommand.self, SyncCommand.self, DoctorCommand.self, StatusCommand.self, EventsCommand.self,
            HeadcountCommand.self, PipelineCommand.self, ChangesCommand.self, StateCommand.self, ReplayCommand.self,
            ServeCommand.self, SubscribeCommand.self, DeliverCommand.self,
            PublishCommand.self, AccountsCommand.self,
            VerifyCommand.self, BackupCommand.self, RestoreCommand.self, EraseCommand.self,
        ]
    )

    /// Runs the command with the crash boundary installed; a damaged store ends every command with
    /// the damage named, the way out, and exit code 65 (`CrashBoundary.exitCode`).
    static func main() async {
        CrashBoundary.install()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let damage = StoreDamage(error) {
                Terminal.writeError("Error: \(damage.message)\n")
                exit(withError: ExitCode(CrashBoundary.exitCode))
            }
            exit(withError: error)
        }
    }
}

enum HireLedgerVersion {
    static let string = "0.1.0"
}
