import HireLedgerCore

/// How big a generated world is. Counts are targets at the simulated start; see `WorldSize.targets`.
public enum WorldSize: String, Sendable, CaseIterable {
    /// A few dozen records per type, for unit tests.
    case tiny
    /// About a hundredth of `large`.
    case small
    /// About a tenth of `large`.
    case medium
    /// At least 100k applications, 50k candidates, 2k jobs, 3k openings, 8k offers.
    case large

    /// Target counts at the simulated start and the length of generated history.
    struct Targets {
        var applications: Int, candidateShare: Double, jobs: Int, openingsPerJob: Double
        var departments: Int, locations: Int, users: Int, historyDays: Int, interviewPlans: Int
    }

    var targets: Targets {
        switch self {
        case .tiny: Targets(applications: 150, candidateShare: 0.55, jobs: 8, openingsPerJob: 1.5,
                            departments: 5, locations: 4, users: 10, historyDays: 90, interviewPlans: 2)
        case .small: Targets(applications: 1_100, candidateShare: 0.5, jobs: 21, openingsPerJob: 1.5,
                             departments: 10, locations: 6, users: 20, historyDays: 365, interviewPlans: 3)
        case .medium: Targets(applications: 10_600, candidateShare: 0.5, jobs: 205, openingsPerJob: 1.5,
                              departments: 30, locations: 12, users: 100, historyDays: 365, interviewPlans: 8)
        case .large: Targets(applications: 105_000, candidateShare: 0.5, jobs: 2_050, openingsPerJob: 1.5,
                             departments: 300, locations: 40, users: 1_000, historyDays: 365, interviewPlans: 40)
        }
    }
}

/// Everything that determines a simulated Ashby account. Same configuration + same sequence of
/// `advance(days:)` calls and requests → byte-identical responses.
public struct SimulatorConfiguration: Sendable {
    public var seed: UInt64
    public var size: WorldSize
    /// Simulated "now" when the simulator is created; history is generated before it.
    public var start: Timestamp
    /// When false the account has no openings feature: `opening.list` answers an empty list and
    /// `opening.info` `opening_not_found`, and offers/applications carry no opening references.
    public var openingsEnabled: Bool
    /// A sync token older than this many simulated days (since it was issued) is `sync_token_expired`.
    public var syncTokenMaxAgeDays: Int
    /// An incremental pass needing more pages (at the request's `limit`) is `incremental_sync_too_large`.
    public var incrementalPageCap: Int
    /// HTTP status for `missing_endpoint_permission`: 403 (Ashby's auth docs) or 200.
    public var missingPermissionStatus: Int
    public var faults: FaultConfiguration
    /// Behaviours of real accounts that the default world leaves out, each switched on separately.
    public var behaviours: SimulatorBehaviours = SimulatorBehaviours()
    /// Added to every API reply (not to `/_sim/` control requests), as a real Ashby's response time:
    /// `latency.millis` plus a uniform draw from 0 to `latency.jitterMillis` (seeded, so runs repeat).
    /// `SimulatorServer` sleeps it without blocking other connections; changeable at runtime.
    public var latency = SimulatorLatency()

    public static let defaultStart = Timestamp(millisecondsSinceEpoch: 1_767_571_200_000)  // 2026-01-05T00:00:00Z

    public init(seed: UInt64 = 1, size: WorldSize = .small, start: Timestamp = SimulatorConfiguration.defaultStart,
                openingsEnabled: Bool = true, syncTokenMaxAgeDays: Int = 30, incrementalPageCap: Int = 50,
                missingPermissionStatus: Int = 403, faults: FaultConfiguration = FaultConfiguration()) {
        self.seed = seed
        self.size = size
        self.start = start
        self.openingsEnabled = openingsEnabled
        self.syncTokenMaxAgeDays = syncTokenMaxAgeDays
        self.incrementalPageCap = incrementalPageCap
        self.missingPermissionStatus = missingPermissionStatus
        self.faults = faults
    }
}

/// A response time the simulator adds to each API reply (`SimulatorConfiguration.latency`).
public struct SimulatorLatency: Sendable, Hashable {
    public var millis: Int
    public var jitterMillis: Int

    public init(millis: Int = 0, jitterMillis: Int = 0) {
        precondition(millis >= 0 && jitterMillis >= 0, "a latency is not negative")
        self.millis = millis
        self.jitterMillis = jitterMillis
    }
}

/// A fault the simulator can inject into an API request (never into `/_sim/` control requests).
public enum FaultKind: String, Sendable, CaseIterable, Codable {
    /// HTTP 429 with `Retry-After` and the `rate_limit_exceeded` envelope.
    case rateLimited
    /// HTTP 503 (or 500/502, chosen by the fault generator) with an error envelope.
    case serverError
    /// The correct status and headers, but the connection closes after part of the body.
    case truncated
    /// HTTP 200 whose body is not valid JSON.
    case malformed
    /// The connection is closed without any response.
    case reset
    /// The response is delayed by `slowMillis`.
    case slow
}

/// Fault injection, switchable at runtime. Per-request faults are drawn from a PRNG seeded by the
/// simulator seed, so the same request sequence meets the same faults.
public struct FaultConfiguration: Sendable, Equatable {
    public var rate429: Double
    public var retryAfterSeconds: Int
    public var rate5xx: Double
    public var rateTruncated: Double
    public var rateMalformed: Double
    public var rateReset: Double
    public var rateSlow: Double
    public var slowMillis: Int
    /// Faults applied, in order, to the next API requests before any random draw ("fail the next N").
    public var failNext: [FaultKind]
    /// Error codes with which the next requests carrying a `syncToken` or a `cursor` are refused, one
    /// per request, in order (HTTP 200 with the error envelope, as Ashby sends logical errors): e.g.
    /// `sync_token_expired`, `incremental_sync_too_large`, `invalid_input`, `cursor_invalid`,
    /// `sync_token_invalid`, `next_cursor_expired` (see `refusalCodes`).
    public var refuseNextToken: [String]
    /// The API methods `failNext` and `refuseNextToken` apply to (e.g. `department.list`); empty: any.
    /// A sync lists several types at once, so "the next request" alone does not say which one.
    public var targetEndpoints: Set<String>

    /// Every code Ashby (or a client written against it) is known to refuse a token or cursor with.
    public static let refusalCodes = ["sync_token_expired", "incremental_sync_too_large", "invalid_input", "cursor_invalid",
                                      "sync_token_invalid", "next_cursor_expired"]

    public init(rate429: Double = 0, retryAfterSeconds: Int = 1, rate5xx: Double = 0, rateTruncated: Double = 0,
                rateMalformed: Double = 0, rateReset: Double = 0, rateSlow: Double = 0, slowMillis: Int = 0,
                failNext: [FaultKind] = [], refuseNextToken: [String] = [], targetEndpoints: Set<String> = []) {
        self.rate429 = rate429
        self.retryAfterSeconds = retryAfterSeconds
        self.rate5xx = rate5xx
        self.rateTruncated = rateTruncated
        self.rateMalformed = rateMalformed
        self.rateReset = rateReset
        self.rateSlow = rateSlow
        self.slowMillis = slowMillis
        self.failNext = failNext
        self.refuseNextToken = refuseNextToken
        self.targetEndpoints = targetEndpoints
    }

    /// Convenience: fail the next `count` requests with `kind`.
    public static func failing(next count: Int, with kind: FaultKind, of endpoints: Set<String> = []) -> FaultConfiguration {
        FaultConfiguration(failNext: Array(repeating: kind, count: count), targetEndpoints: endpoints)
    }
}

/// Real-account behaviours the simulator models on demand. Each is off by default, and a world with
/// one off draws no random number for it, so existing worlds stay byte-identical.
public struct SimulatorBehaviours: Sendable, Equatable {
    /// An application in an interview stage sometimes moves to the next stage and back a few hours
    /// later (A→B→A): between two polls its current stage is unchanged, only its history tells.
    public var backwardStageMoves: Bool
    /// An open opening is sometimes archived instead of having its date slip (`isArchived: true` while
    /// `openingState` stays `Open`).
    public var archiveOpenOpenings: Bool
    /// A slipping target start date sometimes slips again an hour later, so two versions fall between
    /// two polls (Ashby exposes only the latest version).
    public var repeatedTargetDateChanges: Bool
    /// File handles are signed anew on every read, as Ashby's are: the same record's bytes differ from one
    /// response to the next although nothing changed.
    public var resignFileHandles: Bool
    /// Some offers waiting on the candidate are cancelled (`offerStatus: OfferCancelled`, `acceptanceStatus:
    /// Cancelled`) and their applications archived.
    public var cancelledOffers: Bool
    /// Some offers are created waiting on approval (`offerStatus: WaitingOnOfferApproval`, `acceptanceStatus:
    /// Created`, the version's `approvalStatus: WaitingOnApprovals`) and a few days later approved (sent to
    /// the candidate: `WaitingOnCandidateResponse` / `WaitingOnResponse`, `Approved`) or turned down
    /// (`Declined` version, the offer `OfferCancelled` / `Cancelled`, the application archived).
    public var offersPendingApproval: Bool
    /// Candidates, applications and jobs carry custom field values (`customFields[]`: `id`, `isPrivate`,
    /// `title`, `value`, `valueLabel` for select fields) that are set and changed over time (the record's
    /// `updatedAt` moves); now and then a field is renamed, which changes the `title` inside every value
    /// without touching the records that hold them (as Ashby's embedded copies change).
    public var customFieldValues: Bool
    /// Users are deactivated about once a week besides the default world's rare changes. A user appears as
    /// a copy in many records (hiring teams, `creditedToUser`, interviewers, `scheduledBy`, offer and job
    /// authors); Ashby changes every copy (`isEnabled`, `updatedAt`) without touching those records, so
    /// the incremental feed never returns them.
    public var deactivatedUsers: Bool

    public init(backwardStageMoves: Bool = false, archiveOpenOpenings: Bool = false, repeatedTargetDateChanges: Bool = false,
                resignFileHandles: Bool = false, cancelledOffers: Bool = false, offersPendingApproval: Bool = false,
                customFieldValues: Bool = false, deactivatedUsers: Bool = false) {
        self.deactivatedUsers = deactivatedUsers
        self.cancelledOffers = cancelledOffers
        self.offersPendingApproval = offersPendingApproval
        self.customFieldValues = customFieldValues
        self.backwardStageMoves = backwardStageMoves
        self.archiveOpenOpenings = archiveOpenOpenings
        self.repeatedTargetDateChanges = repeatedTargetDateChanges
        self.resignFileHandles = resignFileHandles
    }

    /// Every behaviour on.
    public static let all = SimulatorBehaviours(backwardStageMoves: true, archiveOpenOpenings: true,
                                                repeatedTargetDateChanges: true, resignFileHandles: true, cancelledOffers: true,
                                                offersPendingApproval: true, customFieldValues: true, deactivatedUsers: true)
}
