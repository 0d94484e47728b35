import AshbyAPI

/// Why a sync stopped. Everything committed before the failure stays in the store; the next sync
/// continues from there (an interrupted full pass starts again from its first page, which records
/// nothing twice because unchanged records append nothing).
public struct SyncError: Error, Sendable, CustomStringConvertible {
    /// What the sync was doing.
    public enum Step: Sendable {
        case fetchingPage
        case fetchingHistory(applicationId: String)
        case fetchingStages(interviewPlanId: String)
        case recording
    }

    public var entityType: AshbyEntityType
    public var mode: SyncRun.Mode
    /// The 1-based page of the pass being fetched or recorded.
    public var page: Int
    public var step: Step
    /// Pages of this pass already recorded.
    public var pagesRecorded: Int
    public var underlying: any Error

    public init(entityType: AshbyEntityType, mode: SyncRun.Mode, page: Int, step: Step, pagesRecorded: Int,
                underlying: any Error) {
        self.entityType = entityType
        self.mode = mode
        self.page = page
        self.step = step
        self.pagesRecorded = pagesRecorded
        self.underlying = underlying
    }

    public var description: String {
        let doing: String
        switch step {
        case .fetchingPage: doing = "fetching page \(page)"
        case .fetchingHistory(let id): doing = "fetching the stage history of application \(id) (page \(page))"
        case .fetchingStages(let id): doing = "fetching the stages of interview plan \(id)"
        case .recording: doing = "recording page \(page)"
        }
        let kept = pagesRecorded == 0 ? "nothing of this pass was recorded yet"
                                       : "\(pagesRecorded) page\(pagesRecorded == 1 ? "" : "s") of this pass are recorded and kept"
        let what: String
        if let ashby = underlying as? AshbyError, ashby.isAuthenticationFailure {
            what = "Fix the API key, then run `hireledger sync` again."
        } else if let ashby = underlying as? AshbyError, case .missingPermission = ashby {
            what = "Grant the permission, then run `hireledger sync` again."
        } else {
            what = "Run `hireledger sync` again to continue; "
                + (mode == .full ? "the full pass of \(entityType.rawValue) starts again from its first page."
                                 : "the incremental pass resumes from the last stored sync token.")
        }
        return "sync of \(entityType.rawValue) (\(mode.rawValue) pass) stopped while \(doing): \(underlying). "
            + "Everything recorded before is kept (\(kept)). \(what)"
    }
}
