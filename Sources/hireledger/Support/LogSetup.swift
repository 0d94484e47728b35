import Foundation
import Logging

/// swift-log for the commands that run unattended (`serve`, `deliver`, `sync` from cron): lines on
/// standard error (stdout stays the command's output), each `timestamp level label: key=value ... message`,
/// at the level `HIRELEDGER_LOG_LEVEL` names (trace, debug, info, notice, warning, error, critical;
/// default info).
///
/// Rules for everything that logs: metadata are ids, counts, positions, durations, outcomes and masked
/// URLs; never record contents (candidates' personal data), the API key, API tokens or webhook secrets.
enum LogSetup {
    /// Bootstraps the logging system (once per process; later calls only answer the level) and returns
    /// a logger labelled `label`. Throws a `CLIError` for an unknown `HIRELEDGER_LOG_LEVEL`.
    static func logger(_ label: String) throws -> Logger {
        let level = try level()
        _ = bootstrapOnce
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    private static let bootstrapOnce: Void = {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
    }()

    private static func level() throws -> Logger.Level {
        guard let text = ProcessInfo.processInfo.environment["HIRELEDGER_LOG_LEVEL"], !text.isEmpty else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw CLIError("HIRELEDGER_LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'.")
        }
        return level
    }
}
