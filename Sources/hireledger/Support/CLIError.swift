import ArgumentParser

/// An error meant for the person at the terminal: one clear message (what went wrong, what to do).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
