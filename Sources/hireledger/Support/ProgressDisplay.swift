@preconcurrency import Glibc
import Foundation
import Synchronization

/// Live progress of a long job on a terminal: one line per entity type, redrawn in place, with pages,
/// records, events and rate. When standard error is not a terminal it stays quiet until `finish`, which
/// prints a plain summary (one line per entity type) so logs and CI output stay readable.
final class ProgressDisplay: Sendable {
    private struct State {
        var order: [String] = []
        var rows: [String: Row] = [:]
        var drawnLines = 0
        var lastDraw = Date.distantPast
    }
    private let state = Mutex(State())
    private let live: Bool
    private let started = Date()

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
        state.withLock { s in
            if s.rows[label] == nil {
                s.order.append(label)
                s.rows[label] = Row()
            }
            s.rows[label]!.pages += pages
            s.rows[label]!.records += records
            s.rows[label]!.events += events
            if let note { s.rows[label]!.note = note }
            if live, Date().timeIntervalSince(s.lastDraw) > 0.1 { Self.draw(&s) }
        }
    }

    func markDone(_ label: String) {
        state.withLock { s in
            s.rows[label]?.finished = Date()
            if live { Self.draw(&s) }
        }
    }

    /// Prints the final state: the live lines once more on a terminal, or a plain summary otherwise.
    func finish(title: String) {
        state.withLock { s in
            if live {
                Self.draw(&s)
                Terminal.writeError("\(title) in \(Self.seconds(Date().timeIntervalSince(started)))\n")
            } else {
                var out = "\(title) in \(Self.seconds(Date().timeIntervalSince(started)))\n"
                for label in s.order { out += "  " + Self.line(s.rows[label]!, label) + "\n" }
                Terminal.writeError(out)
            }
        }
    }

    private static func line(_ r: Row, _ label: String) -> String {
        let elapsed = max((r.finished ?? Date()).timeIntervalSince(r.started), 0.001)
        let rate = Int(Double(r.records) / elapsed)
        let pad = String(repeating: " ", count: max(0, 20 - label.count))
        var s = "\(label)\(pad) \(r.pages) pages  \(r.records) records  \(r.events) events  \(rate)/s"
        if !r.note.isEmpty { s += "  " + r.note }
        if r.finished != nil { s += "  done" }
        return s
    }

    private static func draw(_ s: inout State) {
        s.lastDraw = Date()
        var out = ""
        if s.drawnLines > 0 { out += "\u{1B}[\(s.drawnLines)A" }
        for label in s.order { out += "\r\u{1B}[2K" + line(s.rows[label]!, label) + "\n" }
        s.drawnLines = s.order.count
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
