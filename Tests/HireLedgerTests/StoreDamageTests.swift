import Foundation
import HireLedger
import HireLedgerCore
import LMDB
import Testing

/// A real store, damaged on purpose in many ways, under every command as a real process of the built
/// `hireledger`: no death by a signal, no hang, and on damage a clear message and a non-zero exit;
/// `verify` finds every damage.
///
/// The store is a demo store from the simulator, compacted by `hireledger backup` (so every page is in
/// use: damage to a free page would damage nothing). Default size: `tiny`, 12 days; set
/// `HIRELEDGER_DAMAGE_SIZE=small` and `HIRELEDGER_DAMAGE_DAYS=180` for the demo size.
@Suite(.serialized)
struct StoreDamageTests {
    static let size = ProcessInfo.processInfo.environment["HIRELEDGER_DAMAGE_SIZE"] ?? "tiny"
    static let days = ProcessInfo.processInfo.environment["HIRELEDGER_DAMAGE_DAYS"] ?? "12"

    struct Run {
        var status: Int32
        var signalled: Bool
        var hung: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs `hireledger` with a watchdog (a hang is killed and reported).
    static func hireledger(_ arguments: [String], timeout: Double = 120, asUser: String? = nil) throws -> Run {
        let bin = try Executables.directory() + "/hireledger"
        let (exe, args) = asUser.map { ("/usr/bin/setpriv", ["--reuid=\($0)", "--regid=\($0)", "--clear-groups", "--", bin] + arguments) }
            // (a numeric uid: setpriv takes no names for groups)
            ?? (bin, arguments)
        let child = try ChildProcess.start(exe, args, environment: ["ASHBY_API_KEY": "", "HIRELEDGER_STORE": ""])
        let deadline = Date().addingTimeInterval(timeout)
        let hung = LockedFlag()
        let watchdog = Thread {
            while child.process.isRunning {
                if Date() > deadline { hung.set(); child.kill(SIGKILL); return }
                usleep(50_000)
            }
        }
        watchdog.start()
        let errData = LockedData()
        let errHandle = child.process.standardError as! Pipe
        let reader = Thread { errData.set(errHandle.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let out = child.stdoutHandle.readDataToEndOfFile()
        child.process.waitUntilExit()
        let err = errData.waitForValue()
        return Run(status: child.process.terminationStatus, signalled: child.process.terminationReason == .uncaughtSignal,
                   hung: hung.value, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// The compacted demo store, made once per test run.
    static func baseStore(in dir: String) throws -> (path: String, applicationId: String, since: String) {
        let raw = dir + "/raw", base = dir + "/base"
        let demo = try hireledger(["demo", "--store", raw, "--size", size, "--days", days, "--seed", "3"], timeout: 900)
        guard demo.status == 0 else { throw ProcessTestSetupError("demo failed: \(demo.stderr)") }
        let backup = try hireledger(["backup", "--store", raw, base])
        guard backup.status == 0 else { throw ProcessTestSetupError("backup failed: \(backup.stderr)") }
        let events = try hireledger(["events", "--store", base, "--type", "record.application.created", "--format", "ndjson"])
        let first = try JSONValue.parse(String(events.stdout.split(separator: "\n").first ?? ""))
        let id = first["subject"]?.stringValue?.split(separator: "/").last.map(String.init) ?? "none"
        return (base, id, "2020-01-01T00:00:00Z")
    }

    /// One way of damaging `data.mdb`.
    struct Damage: CustomStringConvertible {
        var description: String
        var apply: (inout [UInt8], Int) -> Void // bytes, page size
    }

    static func damages(fileSize: Int, pageSize: Int, needle: [UInt8]) -> [Damage] {
        var list: [Damage] = []
        let pages = fileSize / pageSize
        list.append(Damage(description: "meta page 0 zeroed") { b, p in for i in 0..<p { b[i] = 0 } })
        list.append(Damage(description: "meta page 1 zeroed") { b, p in for i in p..<(2 * p) { b[i] = 0 } })
        list.append(Damage(description: "both meta pages zeroed") { b, p in for i in 0..<(2 * p) { b[i] = 0 } })
        list.append(Damage(description: "file truncated to half") { b, _ in b.removeLast(b.count / 2) })
        list.append(Damage(description: "file truncated by one page") { b, p in b.removeLast(p) })
        list.append(Damage(description: "file truncated to 3 pages") { b, p in b.removeLast(b.count - 3 * p) })
        list.append(Damage(description: "file truncated inside meta page 1") { b, p in b.removeLast(b.count - p - 100) })
        list.append(Damage(description: "file emptied") { b, _ in b.removeAll() })
        // Random pages overwritten with random bytes, zeros or 0xFF (the issue's "16 pages in the middle" too).
        var rng = SplitMix(seed: 42)
        for n in 0..<20 {
            let page = 2 + Int(rng.next() % UInt64(max(1, pages - 2)))
            list.append(Damage(description: "page \(page) overwritten with random bytes (\(n))") { b, p in
                var r = SplitMix(seed: UInt64(page))
                for i in (page * p)..<min(b.count, (page + 1) * p) { b[i] = UInt8(truncatingIfNeeded: r.next()) }
            })
        }
        for n in 0..<4 {
            let page = 2 + Int(rng.next() % UInt64(max(1, pages - 2)))
            list.append(Damage(description: "page \(page) zeroed (\(n))") { b, p in
                for i in (page * p)..<min(b.count, (page + 1) * p) { b[i] = 0 }
            })
            list.append(Damage(description: "page \(page) header flags set to 0xFF (\(n))") { b, p in
                b[page * p + 10] = 0xFF; b[page * p + 11] = 0xFF
            })
        }
        list.append(Damage(description: "16 pages in the middle overwritten") { b, p in
            var r = SplitMix(seed: 16)
            let start = max(2, pages / 2 - 8)
            for i in (start * p)..<min(b.count, (start + 16) * p) { b[i] = UInt8(truncatingIfNeeded: r.next()) }
        })
        list.append(Damage(description: "the last page overwritten") { b, p in
            for i in (b.count - p)..<b.count { b[i] = 0x5A }
        })
        // A flipped byte in an event's value (`needle`: a header's type code and subject start, the byte
        // flipped is in the subject's id).
        list.append(Damage(description: "one byte flipped in an event value") { b, _ in
            if let at = StoreIntegrityTests.find(needle, in: b) { b[at + needle.count + 3] ^= 0x01 }
        })
        list.append(Damage(description: "one byte flipped in the middle of the file") { b, _ in b[b.count / 2 + 17] ^= 0x80 })
        return list
    }

    @Test func everyCommandOnADamagedStoreEndsWithAClearMessageAndNeverASignalOrHang() async throws {
        try await withTemporaryDirectory { dir in
            let base = try Self.baseStore(in: dir)
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: base.path + "/data.mdb")))
            let pageSize = 4096
            // A stored `record.application.created` event's type code, then its subject's kind and UUID marker.
            let needle: [UInt8] = [EventType.record(.application, .created).storageCode, EntityKind.application.storageCode, 0x80]
            let damages = Self.damages(fileSize: original.count, pageSize: pageSize, needle: needle)
            #expect(damages.count >= 30)
            // Which page each byte belongs to and which bytes inside pages nothing reads (the original is compacted).
            let layout = PageCheck.run(directory: base.path)
            try #require(layout.isClean, "the undamaged store fails the page walk: \(layout.findings)")
            // Per damage, from `verify --without-page-walk` (what LMDB and the checksums see on their own) and `verify`.
            var lmdbDetected = 0, checksumDetected = 0, crashContained = 0, openRefused = 0, pageWalkDetected = 0, pageWalkOnly = 0
            var harmless: [String] = []
            var salvageLines: [String] = []
            // The original's events, one NDJSON line per position, to compare salvaged events with.
            let originalRun = try Self.hireledger(["events", "--store", base.path, "--format", "ndjson", "--limit", "10000000"])
            let originalEvents = originalRun.stdout.split(separator: "\n").map(String.init)
            let statusRun = try Self.hireledger(["status", "--store", base.path, "--format", "json"])
            let baseStoreId = try #require((try? JSONValue.parse(Array(statusRun.stdout.utf8)))?["storeId"]?.stringValue, "\(statusRun.stderr)")
            try #require(originalRun.status == 0 && originalEvents.count > 100, "the original's events: \(originalRun.stderr)")
            for (n, damage) in damages.enumerated() {
                let store = dir + "/d\(n)"
                try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
                var bytes = original
                damage.apply(&bytes, pageSize)
                #expect(bytes != original, "\(damage) changed nothing")
                try Data(bytes).write(to: URL(fileURLWithPath: store + "/data.mdb"))
                // A random page may be one LMDB keeps free (stale bytes no reader follows): damage
                // there harms nothing and nothing can see it. It is told apart by a clean `verify` and
                // every event read back unchanged, and is counted apart, not as a damage given.
                let firstVerify = try Self.hireledger(["verify", "--store", store])
                if firstVerify.status == 0 {
                    // Verify saw nothing: allowed only when every changed byte is one nothing reads (a
                    // free page, or the unused middle of a page) and every event reads back unchanged.
                    let events = try Self.hireledger(["events", "--store", store, "--format", "ndjson", "--limit", "10000000"])
                    let same = events.status == 0 && events.stdout.split(separator: "\n").map(String.init) == originalEvents
                    let unread = Self.unreadReason(original: original, damaged: bytes, layout: layout)
                    let missed = "\(damage): verify found nothing, but the damage is on a page in use "
                        + "(\(unread ?? "reachable bytes changed")); events \(same ? "read back the same" : "read back differently")"
                    #expect(same && unread != nil, Comment(rawValue: missed))
                    harmless.append("\(damage) (\(unread ?? "MISSED"))")
                    try? FileManager.default.removeItem(atPath: store)
                    continue
                }
                let alone = try Self.hireledger(["verify", "--without-page-walk", "--store", store])
                let aloneText = alone.stdout + alone.stderr, fullText = firstVerify.stdout + firstVerify.stderr
                if alone.status == 0 { if fullText.contains("page walk:") { pageWalkOnly += 1 } }
                else if aloneText.contains("crashed") || aloneText.contains("signal") { crashContained += 1 }
                else if aloneText.contains("checksum") { checksumDetected += 1 }
                else if !aloneText.contains("Verified ") { openRefused += 1 }
                else { lmdbDetected += 1 }
                if fullText.contains("page walk:") { pageWalkDetected += 1 }
                let commands: [[String]] = [
                    ["status"], ["events", "--format", "ndjson"], ["headcount"], ["pipeline"], ["changes", "--since", base.since],
                    ["state", "application", base.applicationId], ["backup", dir + "/b\(n)"],
                    ["replay", "--until", "2100-01-01T00:00:00Z", "--into", dir + "/r\(n)"], ["verify"],
                ]
                for command in commands {
                    let run = try Self.hireledger(command + ["--store", store])
                    let what = "\(damage): `hireledger \(command.joined(separator: " "))`"
                    #expect(!run.signalled, "\(what) died of signal \(run.status): \(run.stderr.suffix(400))")
                    #expect(!run.hung, "\(what) hung")
                    if run.status != 0 {
                        // A clear message: it names the store as damaged (or the way out), with no backtrace.
                        #expect(run.stderr.contains("damaged") || run.stderr.contains("restore"), "\(what): \(run.stderr.suffix(600))")
                        #expect(!run.stderr.contains("Current stack trace") && !run.stderr.contains("Fatal error"), "\(what): \(run.stderr.suffix(600))")
                    }
                    // Backup, replay and verify refuse a store whose damage verify sees (a damage verify does
                    // not see is listed apart below, as a verify gap, rather than failing by chance of page).
                    if ["backup", "replay", "verify"].contains(command[0]) && firstVerify.status != 0 {
                        #expect(run.status == 65, "\(what) exited \(run.status): \(run.stdout.suffix(300)) \(run.stderr.suffix(300))")
                    }
                }
                // The server on the damaged store: the main routes; never a signal death.
                try Self.checkServer(store: store, applicationId: base.applicationId, damage: "\(damage)")
                // Salvage: never a signal or hang; what it recovers is exactly the original's events.
                var target = dir + "/s\(n)"
                var salvage = try Self.hireledger(["verify", "--salvage", target, "--store", store], timeout: 600)
                if salvage.status != 0, salvage.stderr.contains("--store-id") {
                    // The page holding the store id is gone: the user gives it, as the message says.
                    target = dir + "/sid\(n)"
                    salvage = try Self.hireledger(["verify", "--salvage", target, "--store-id", baseStoreId, "--store", store], timeout: 600)
                }
                #expect(!salvage.signalled && !salvage.hung, "\(damage): salvage: \(salvage.stderr.suffix(400))")
                if salvage.status == 0 {
                    let recovered = try Self.hireledger(["events", "--store", target, "--format", "ndjson", "--limit", "10000000"])
                    let lines = recovered.stdout.split(separator: "\n").map(String.init)
                    let original = Set(originalEvents)
                    #expect(lines.allSatisfy { original.contains($0) }, "\(damage): a salvaged event differs from the original")
                    // Every undamaged event is recovered: each log entry still whole in the damaged file
                    // (found on a leaf page with its checksum, seeded by its position, intact) is in the salvage.
                    let whole = Self.wholeLogPositions(in: store, upTo: UInt64(originalEvents.count))
                    let salvagedPositions = Set(lines.compactMap { line -> UInt64? in
                        (try? JSONValue.parse(Array(line.utf8)))?["seq"]?.intValue.map(UInt64.init)
                    })
                    let dropped = whole.subtracting(salvagedPositions)
                    #expect(dropped.isEmpty, "\(damage): salvage left out \(dropped.count) events that are whole in the file, e.g. \(dropped.sorted().prefix(5))")
                    let verifySalvaged = try Self.hireledger(["verify", "--store", target])
                    // A salvaged store verifies clean, or reports only the positions the salvage recorded as lost.
                    #expect(verifySalvaged.status == 0 || verifySalvaged.stdout.contains("known lost by a salvage"),
                            "\(damage): the salvaged store does not verify: \(verifySalvaged.stdout.suffix(500))")
                    salvageLines.append("\(damage): recovered \(lines.count) of \(originalEvents.count)")
                } else {
                    #expect(salvage.stderr.contains("damaged") || salvage.stderr.contains("salvage") || salvage.stderr.contains("restore"),
                            "\(damage): salvage failed without a clear message: \(salvage.stderr.suffix(400))")
                    salvageLines.append("\(damage): salvage refused (\(salvage.stderr.prefix(160)))")
                }
                try? FileManager.default.removeItem(atPath: target)
                try? FileManager.default.removeItem(atPath: store)
            }
            #expect(damages.count - harmless.count >= 30, "only \(damages.count - harmless.count) damages took effect; free pages: \(harmless)")
            print("damage: \(damages.count) kinds, \(damages.count - harmless.count) took effect; \(harmless.count) touched only bytes nothing reads: "
                + "\(harmless.isEmpty ? "none" : harmless.joined(separator: "; "))")
            print("damage seen without the page walk: refused at open (data-file check, LMDB's meta check) \(openRefused), "
                + "LMDB errors while reading \(lmdbDetected), checksum mismatches \(checksumDetected), crashes inside liblmdb (contained in the child) "
                + "\(crashContained), not seen at all \(pageWalkOnly); the page walk reports \(pageWalkDetected) (and is the only one to see \(pageWalkOnly))")
            for line in salvageLines { print("salvage: " + line) }
        }
    }
}

extension StoreDamageTests {
    /// Starts `serve` on `store` and requests the main routes. The server either refuses the store
    /// (exit 65 with the damage named) or answers every route (200, or a 503 problem where it meets the damage)
    /// and is still up afterwards, or ends with exit 65 and the message when a read crashed inside
    /// liblmdb; it never dies of a signal and never hangs.
    /// The log positions (1...`last`) whose entry is whole in `store`'s data file: an 8-byte key on a
    /// leaf page whose value's checksum (seeded with the key) matches and that decodes as the event of
    /// that position. A page scan, so it sees entries LMDB cannot reach through a damaged branch page.
    static func wholeLogPositions(in store: String, upTo last: UInt64) -> Set<UInt64> {
        var found = Set<UInt64>()
        // Compressed data needs its dictionary: one of the two copies must be whole too.
        let codec = StoreSalvage.dictionariesOnPages(directory: store)
        _ = PageCheck.scanLeafEntries(directory: store) { _, key, value in
            guard key.count == 8, let seq = UInt64(bigEndianBytes: key), (1...last).contains(seq),
                  let plain = key.withUnsafeBytes({ k in value.withUnsafeBytes { ValueChecksum.verified(key: k, stored: $0).map(Array.init) } }),
                  (try? RecordedEvent(storageBytes: plain, seq: LogPosition(seq), storeId: "damage-test", dataDecoder: { try codec.decode($0) })) != nil
            else { return }
            found.insert(seq)
        }
        return found
    }

    static func checkServer(store: String, applicationId: String, damage: String) throws {
        let bin = try Executables.directory() + "/hireledger"
        let serve = try ChildProcess.start(bin, ["serve", "--store", store, "--port", "0", "--no-webhooks"],
                                           environment: ["ASHBY_API_KEY": "", "HIRELEDGER_STORE": ""])
        defer { serve.kill(SIGKILL); serve.process.waitUntilExit() }
        let errPipe = serve.process.standardError as! Pipe
        var text = ""
        var port: String?
        let deadline = Date().addingTimeInterval(60)
        while port == nil, Date() < deadline {
            let chunk = errPipe.fileHandleForReading.availableData
            if chunk.isEmpty { break } // exited
            text += String(decoding: chunk, as: UTF8.self)
            if let r = text.range(of: "http://127.0.0.1:") {
                port = String(text[r.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let port else {
            serve.process.waitUntilExit()
            #expect(serve.process.terminationReason == .exit, "\(damage): serve died of signal \(serve.process.terminationStatus)")
            #expect(serve.process.terminationStatus != 0 && (text.contains("damaged") || text.contains("restore")),
                    "\(damage): serve ended without naming the damage: \(text.suffix(400))")
            return
        }
        let token = (try? String(contentsOfFile: store + "/api-token", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let routes = ["/healthz", "/metrics", "/v1/events?after=0&limit=1000", "/v1/headcount", "/v1/pipeline",
                      "/v1/changes?since=2020-01-01T00:00:00Z", "/v1/state/application/\(applicationId)", "/metrics", "/healthz"]
        for route in routes {
            let r = try ChildProcess.run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "60",
                                                          "-H", "Authorization: Bearer \(token)", "http://127.0.0.1:\(port)\(route)"])
            if !serve.process.isRunning {
                serve.process.waitUntilExit()
                let rest = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                #expect(serve.process.terminationReason == .exit && serve.process.terminationStatus == 65,
                        "\(damage): serve ended on \(route) with \(serve.process.terminationReason == .exit ? "exit" : "signal") \(serve.process.terminationStatus)")
                #expect((text + rest).contains("damaged"), "\(damage): serve ended without naming the damage")
                return
            }
            #expect(["200", "503", "404"].contains(r.stdout), "\(damage): \(route) answered '\(r.stdout)'")
        }
    }
}

extension StoreDamageTests {
    /// Why nothing reads any byte `damaged` changed (a free page, the unused middle of a page, a page
    /// beyond the last in use), or nil when some changed byte is read (or the file's length changed).
    static func unreadReason(original: [UInt8], damaged: [UInt8], layout: PageCheck.Report) -> String? {
        guard original.count == damaged.count else { return nil }
        var reasons = Set<String>()
        for i in original.indices where original[i] != damaged[i] {
            let page = UInt64(i / layout.pageSize), inPage = i % layout.pageSize
            switch layout.use[page] {
            case nil, .free?, .unaccounted?: reasons.insert("page \(page) is not in use")
            case .branch?, .leaf?:
                guard layout.gaps[page]?.contains(inPage) == true else { return nil }
                reasons.insert("the unused middle of page \(page)")
            default: return nil
            }
        }
        return reasons.sorted().joined(separator: ", ")
    }
}

/// A flag set by one thread and read by another.
final class LockedFlag: @unchecked Sendable {
    // `lock` guards `flag`.
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var value: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
