extension StringProtocol {
    /// The text without leading and trailing whitespace: Unicode White_Space (spaces, tabs, line ends,
    /// no-break spaces) and the byte-order mark U+FEFF that editors leave at the start of files.
    ///
    /// What "trimmed" means everywhere in HireLedger: HTTP header values (a superset of RFC 9110's
    /// optional whitespace), API key and token files, lists given on the command line.
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        let isSpace: (Unicode.Scalar) -> Bool = { $0.properties.isWhitespace || $0.value == 0xFEFF }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
