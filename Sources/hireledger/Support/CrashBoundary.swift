import LMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The last line of defence against a damaged store: liblmdb follows page numbers and in-page offsets
/// it does not check (README, "Damage"), so reading a damaged page can fault (`SIGSEGV`, or `SIGBUS`
/// past the end of a mapped file) inside liblmdb or in code reading a value it lent.
///
/// `install()` puts a handler for both signals on an alternate stack (so it also runs when the fault
/// is a stack overflow). It is async-signal-safe: it writes a message prepared in advance by
/// `storeOpened(path:)` with `write(2)` and ends the process with `_exit(exitCode)`, without
/// touching locks, the allocator or Swift runtime state. The message names the store, says it is
/// most likely damaged and gives the way out. Without an open store it writes a generic line.
///
/// Exit code `CrashBoundary.exitCode` (65, `EX_DATAERR`) is also what every command exits with when
/// it detected damage itself (`StoreDamage`), so scripts see one code for "the store is damaged".
enum CrashBoundary {
    static let exitCode: Int32 = 65

    /// The message the handler writes, as a raw allocation that lives for the process (never freed:
    /// a handler may be reading the previous one).
    nonisolated(unsafe) private static var message: UnsafeMutableRawBufferPointer?
    /// The message for a failed liblmdb assertion, in two parts around liblmdb's own text.
    nonisolated(unsafe) private static var assertionPrefix: UnsafeMutableRawBufferPointer?
    nonisolated(unsafe) private static var assertionSuffix: UnsafeMutableRawBufferPointer?
    /// The phrase every crash-boundary message holds, by which a parent process tells a contained
    /// crash from an ordinary error.
    static let marker = "inside liblmdb"
    nonisolated(unsafe) private static var installed = false

    static func install() {
        guard !installed else { return }
        installed = true
        setMessage("hireledger: crashed (invalid memory access) before opening a store; this is a bug, please report it.\n")
        let size = 64 * 1024
        let stack = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        var alt = stack_t()
        alt.ss_sp = stack
        alt.ss_size = size
        alt.ss_flags = 0
        sigaltstack(&alt, nil)
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_sigaction = { _, _, _ in CrashBoundary.fault() }
        #else
        action.__sigaction_u.__sa_sigaction = { _, _, _ in CrashBoundary.fault() }
        #endif
        action.sa_flags = SA_SIGINFO | SA_ONSTACK
        sigemptyset(&action.sa_mask)
        sigaction(SIGSEGV, &action, nil)
        sigaction(SIGBUS, &action, nil)
        LMDBAssertion.handler = { text in CrashBoundary.assertionFailed(text) }
    }

    /// Prepares the message for a fault while the store at `path` is open.
    static func storeOpened(path: String) {
        assertionPrefix = buffer("hireledger: reading the store at \(path) stopped \(marker) on a damaged page (")
        assertionSuffix = buffer("): the store is damaged. Restore it from a backup (`hireledger restore BACKUP --store \(path) --force`), "
            + "or run `hireledger verify --salvage NEW_DIR --store \(path)` to write a new store from what can still be read.\n")
        setMessage("""
            hireledger: reading the store at \(path) crashed \(marker) (invalid memory access in the store's pages): \
            the store is damaged in a way LMDB cannot detect. \
            Restore it from a backup (`hireledger restore BACKUP --store \(path) --force`), or run \
            `hireledger verify --salvage NEW_DIR --store \(path)` to write a new store from what can still be read; \
            `hireledger verify --store \(path)` lists the damage.

            """)
    }

    /// Prepares the message for a fault while `serve --deployment` serves the stores of the deployment
    /// file at `path` (each checked before it was opened, so the damage is newer than the start).
    static func deploymentOpened(path: String) {
        assertionPrefix = buffer("hireledger: serving the deployment \(path) stopped \(marker) on a damaged page (")
        assertionSuffix = buffer("): one account's store became damaged after the stores were checked at start. "
            + "Run `hireledger verify --store STORE` on each account's store to find it; restarting `hireledger serve --deployment` "
            + "checks every store again and keeps a damaged one out of service.\n")
        setMessage("hireledger: serving the deployment \(path) crashed \(marker) (invalid memory access in a store's pages): "
            + "one account's store became damaged after the stores were checked at start. Run `hireledger verify --store STORE` "
            + "on each account's store to find it; restarting `hireledger serve --deployment` checks every store again and keeps "
            + "a damaged one out of service (restore it, or `hireledger verify --salvage NEW_DIR --store STORE`).\n")
    }

    private static func setMessage(_ text: String) {
        message = buffer(text)
    }

    private static func buffer(_ text: String) -> UnsafeMutableRawBufferPointer {
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        return buffer
    }

    private static func writeAll(_ b: UnsafeMutableRawBufferPointer?) {
        guard let b, let base = b.baseAddress else { return }
        var written = 0
        while written < b.count {
            let n = write(2, base + written, b.count - written)
            if n <= 0 { break }
            written += n
        }
    }

    /// liblmdb's own check failed on a damaged page: the message and exit 65 instead of abort().
    private static func assertionFailed(_ text: UnsafePointer<CChar>?) {
        if assertionPrefix == nil {
            assertionPrefix = buffer("hireledger: liblmdb stopped \(marker) on a damaged page (")
            assertionSuffix = buffer("): the store is damaged. Restore it from a backup, or run `hireledger verify --salvage DIR`.\n")
        }
        writeAll(assertionPrefix)
        if let text { _ = write(2, text, strlen(text)) }
        writeAll(assertionSuffix)
        _exit(exitCode)
    }

    /// The signal handler's body: async-signal-safe calls only.
    private static func fault() -> Void {
        writeAll(message)
        _exit(exitCode)
    }
}
