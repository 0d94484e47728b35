import Foundation
import HireLedger

/// Runs `hireledger verify --in-process` on a store in a child process of this same executable, so
/// that a crash of liblmdb on a damaged page ends the child, not the command that asked.
enum VerifyChild {
    struct Outcome {
        /// The child exited 0: no finding.
        var clean: Bool
        /// The child's report (stdout), and its stderr (a crash message, an open error).
        var report: String
        var errors: String
        /// How the child ended, said for a person when it did not end normally.
        var ending: String?

        /// The findings as lines (the report's "  - " lines, or the crash).
        var findings: [String] {
            var lines = report.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
            if let ending { lines.append(ending) }
            if lines.isEmpty, !clean {
                lines.append(errors.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return lines
        }
    }

    /// The path of the running executable.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    struct Raw {
        var status: Int32
        var signalled: Bool
        var output: String
        var errors: String
    }

    /// Runs this executable with `arguments` and collects its output.
    static func runArguments(_ arguments: [String]) throws -> Raw {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // stderr on another thread so neither pipe can fill up and block the child.
        let errBox = DataBox()
        let errHandle = err.fileHandleForReading
        let reader = Thread { errBox.set(errHandle.readDataToEndOfFile()) }
        reader.start()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Raw(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal, output: output,
                   errors: String(decoding: errBox.wait(), as: UTF8.self))
    }

    static func run(store path: String, extra: [String] = []) throws -> Outcome {
        let raw = try runArguments(["verify", "--in-process", "--store", path] + extra)
        let report = raw.output, errors = raw.errors, status = raw.status
        var ending: String?
        if raw.signalled {
            ending = "reading the store killed the verifying process with signal \(status): a damaged page liblmdb cannot check"
        } else if status == CrashBoundary.exitCode, errors.contains(CrashBoundary.marker) {
            ending = "reading the store crashed inside liblmdb (a damaged page it cannot check); the walk stopped there"
        }
        return Outcome(clean: status == 0 && ending == nil, report: report, errors: errors, ending: ending)
    }

    /// Verifies `path` and throws `StoreDamageReport` unless it is clean.
    static func requireClean(store path: String, what: String) throws {
        let outcome = try run(store: path)
        guard outcome.clean else {
            throw StoreDamageReport(path: path, findings: outcome.findings.isEmpty ? ["\(what) failed verification"] : outcome.findings)
        }
    }
}

/// One `Data` handed from a reader thread to the waiting one.
final class DataBox: @unchecked Sendable {
    // `condition` guards `value`.
    private let condition = NSCondition()
    private var value: Data?
    func set(_ data: Data) { condition.lock(); value = data; condition.signal(); condition.unlock() }
    func wait() -> Data {
        condition.lock(); defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
