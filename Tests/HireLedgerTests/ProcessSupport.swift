import Foundation
import Testing

/// Running the package's executables (`hireledger`, `ashby-sim`) as real processes in tests.
enum Executables {
    /// The directory holding this build's executables: beside the test bundle, else `.build/debug`.
    static func directory() throws -> String {
        var candidates: [String] = []
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        candidates.append(arg0)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().path)
        candidates.append(Bundle.main.bundleURL.path)
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().path) }
        // Tests/HireLedgerTests/<file> → package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug").path)
        for dir in candidates where FileManager.default.isExecutableFile(atPath: dir + "/ashby-sim")
            && FileManager.default.isExecutableFile(atPath: dir + "/hireledger") {
            return dir
        }
        throw ProcessTestSetupError("""
            the ashby-sim and hireledger executables were not found in any of \(candidates); \
            build them first with `swift build --build-tests`
            """)
    }
}

struct ProcessTestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A child process with captured output.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let out = Pipe(), err = Pipe()

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func start(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        let child = ChildProcess()
        child.process.executableURL = URL(fileURLWithPath: path)
        child.process.arguments = arguments
        child.process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        child.process.standardOutput = child.out
        child.process.standardError = child.err
        child.process.standardInput = FileHandle.nullDevice
        try child.process.run()
        return child
    }

    /// Runs to completion. Output is read before waiting so a full pipe cannot block the child.
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let child = try start(path, arguments, environment: environment)
        // stderr is drained on another thread so that neither pipe can fill up and block the child.
        let errData = LockedData()
        let errHandle = child.err.fileHandleForReading
        let reader = Thread { errData.set(errHandle.readDataToEndOfFile()) }
        reader.start()
        let stdout = child.out.fileHandleForReading.readDataToEndOfFile()
        child.process.waitUntilExit()
        let stderr = errData.waitForValue()
        return Result(status: child.process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Sends `signal`; true when the process was still running.
    @discardableResult
    func kill(_ signal: Int32) -> Bool {
        guard process.isRunning else { return false }
        return Foundation.kill(process.processIdentifier, signal) == 0
    }

    func waitUntilExit() {
        process.waitUntilExit()
        // Drain so the pipes' file descriptors close.
        _ = try? out.fileHandleForReading.readToEnd()
        _ = try? err.fileHandleForReading.readToEnd()
    }

    var stdoutHandle: FileHandle { out.fileHandleForReading }
}

/// One `Data` handed from a reader thread to the waiting one.
final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Data?
    func set(_ data: Data) { condition.lock(); value = data; condition.signal(); condition.unlock() }
    func waitForValue() -> Data {
        condition.lock(); defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}

/// An `ashby-sim` process; its URL and key are read from the first lines it prints.
final class SimulatorProcess: @unchecked Sendable {
    let child: ChildProcess
    let url: String
    let apiKey: String

    init(executable: String, size: String, seed: UInt64) throws {
        child = try ChildProcess.start(executable, ["--port", "0", "--seed", String(seed), "--size", size])
        var text = ""
        var url: String?, key: String?
        let handle = child.stdoutHandle
        while url == nil || key == nil {
            let chunk = handle.availableData
            if chunk.isEmpty {
                child.kill(SIGKILL)
                throw ProcessTestSetupError("ashby-sim exited before printing its URL and key; it printed: \(text)")
            }
            text += String(decoding: chunk, as: UTF8.self)
            for line in text.split(separator: "\n") {
                if line.hasPrefix("ashby-sim listening on ") { url = String(line.dropFirst("ashby-sim listening on ".count)) }
                if line.hasPrefix("api key"), let colon = line.firstIndex(of: ":") {
                    key = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        self.url = url!
        self.apiKey = key!
    }

    func stop() {
        child.kill(SIGKILL)
        child.process.waitUntilExit()
    }
}

