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
