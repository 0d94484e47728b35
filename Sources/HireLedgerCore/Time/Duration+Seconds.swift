extension Duration {
    /// The duration in seconds, with its fraction (for timings printed or compared as `Double`).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
