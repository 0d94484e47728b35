@preconcurrency import Glibc
import Foundation

/// Live progress of a long job on a terminal: one line per entity type, redrawn in place, with pages,
/// records, events and rate. When standard error is not a terminal it stays quiet until `finish`, which
/// prints a plain summary (one line per entity type) so logs and CI output stay readable.
final class ProgressDisplay: @unchecked Sendable {
    // Invariant: all mutable state is touched only under `lock`.
    private let lock = NSLock()
    private let live: Bool
    private let started = Date()
    private var order: [String] = []
    private var rows: [String: Row] = [:]
    private var drawnLines = 0
    private var lastDraw = Date.distantPast

    struct Row {
        var pages = 0
        var records = 0
        var events = 0
        var started = Date()
        var finished: Date?
        var note = ""
    }

    init(live: Bool = Terminal.stderrIsTTY) { self.live = live }

    /// Adds counts for `label` (e.g. an entity type) and redraws at most ten times a second.
    func add(_ label: String, pages: Int = 0, records: Int = 0, events: Int = 0, note: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        if rows[label] == nil {
            order.append(label)
            rows[label] = Row()
        }
        rows[label]!.pages += pages
        rows[label]!.records += records
        rows[label]!.events += events
        if let note { rows[label]!.note = note }
        if live, Date().timeIntervalSince(lastDraw) > 0.1 { drawLocked() }
    }

    func markDone(_ label: String) {
        lock.lock(); defer { lock.unlock() }
        rows[label]?.finished = Date()
        if live { drawLocked() }
    }

    /// Prints the final state: the live lines once more on a terminal, or a plain summary otherwise.
    func finish(title: String) {
        lock.lock(); defer { lock.unlock() }
        if live {
            drawLocked()
            Terminal.writeError("\(title) in \(Self.seconds(Date().timeIntervalSince(started)))\n")
        } else {
            var out = "\(title) in \(Self.seconds(Date().timeIntervalSince(started)))\n"
            for label in order { out += "  " + lineLocked(label) + "\n" }
            Terminal.writeError(out)
        }
    }

    private func lineLocked(_ label: String) -> String {
        let r = rows[label]!
        let elapsed = max((r.finished ?? Date()).timeIntervalSince(r.started), 0.001)
        let rate = Int(Double(r.records) / elapsed)
        let pad = String(repeating: " ", count: max(0, 20 - label.count))
        var s = "\(label)\(pad) \(r.pages) pages  \(r.records) records  \(r.events) events  \(rate)/s"
        if !r.note.isEmpty { s += "  " + r.note }
        if r.finished != nil { s += "  done" }
        return s
    }

    private func drawLocked() {
        lastDraw = Date()
        var out = ""
        if drawnLines > 0 { out += "\u{1B}[\(drawnLines)A" }
        for label in order { out += "\r\u{1B}[2K" + lineLocked(label) + "\n" }
        drawnLines = order.count
        Terminal.writeError(out)
    }

    static func seconds(_ t: TimeInterval) -> String { String(format: "%.1f s", t) }
}

@preconcurrency import Glibc

/// Writing to the terminal: standard error for progress and diagnostics, standard output for data.
enum Terminal {
    /// Whether standard error is an interactive terminal (progress is drawn only then).
    static let stderrIsTTY: Bool = isatty(2) == 1

    static func writeError(_ s: String) {
        var s = s
        s.withUTF8 { buf in _ = fwrite(buf.baseAddress, 1, buf.count, stderr) }
        fflush(stderr)
    }

    static func writeOut(_ s: String) {
        var s = s
        s.withUTF8 { buf in _ = fwrite(buf.baseAddress, 1, buf.count, stdout) }
    }

    static func flushOut() { fflush(stdout) }
}
