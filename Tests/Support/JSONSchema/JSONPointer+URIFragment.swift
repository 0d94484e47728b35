import HireLedgerCore

extension JSONPointer {
    /// Parses the fragment of a URI (the text after `#`): percent-decodes it, then reads it as a pointer.
    init?(uriFragment: String) {
        guard let decoded = SchemaURI.percentDecode(uriFragment) else { return nil }
        self.init(decoded)
    }
}
