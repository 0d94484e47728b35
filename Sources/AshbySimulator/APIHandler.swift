import HireLedgerCore

/// The read side of Ashby's API over a `World`: parameter parsing, default filters, pagination and
/// incremental sync. Returns the success body bytes or throws `APIError`.
///
/// Callers hold the simulator lock for the whole call.
struct APIHandler {
    let world: World
    let codec: TokenCodec
    let now: Int64
    let syncTokenMaxAgeDays: Int
    let incrementalPageCap: Int
    let scopes: [String]
    let keyTitle: String
    let keyCreatedAt: Int64
    /// The account's organization id (`SimulatedAshby.organizationId`).
    let organizationId: SimID
    /// The key lacks "Allow access to confidential jobs and projects": confidential jobs, and the
    /// openings, postings, applications, offers and schedules of those jobs, are silently left out.
    var hidesConfidential = false

    /// Whether job row `j` is hidden from this key.
    private func hidden(job j: Int32) -> Bool { hidesConfidential && world.jobs[Int(j)].confidential }
    private func hidden(application a: Int32) -> Bool { hidesConfidential && world.jobs[Int(world.applications[Int(a)].job)].confidential }

    /// Endpoint name → (ordinal used in cursors, required permission). Ordinals never change meaning.
    static let endpoints: [String: (UInt8, AshbyPermission)] = {
        let list: [(String, AshbyPermission)] = [
            ("application.list", .candidatesRead), ("application.info", .candidatesRead),
            ("application.listHistory", .candidatesRead), ("candidate.list", .candidatesRead),
            ("candidate.info", .candidatesRead), ("job.list", .jobsRead), ("job.info", .jobsRead),
            ("jobPosting.list", .jobsRead), ("jobPosting.info", .jobsRead), ("opening.list", .jobsRead),
            ("opening.info", .jobsRead), ("offer.list", .offersRead), ("offer.info", .offersRead),
            ("interview.list", .interviewsRead), ("interview.info", .interviewsRead),
            ("interviewSchedule.list", .interviewsRead), ("interviewPlan.list", .interviewsRead),
            ("interviewStage.list", .interviewsRead), ("interviewStage.info", .interviewsRead),
            ("archiveReason.list", .hiringProcessMetadataRead), ("closeReason.list", .hiringProcessMetadataRead),
            ("source.list", .hiringProcessMetadataRead), ("candidateTag.list", .hiringProcessMetadataRead),
            ("customField.list", .hiringProcessMetadataRead), ("department.list", .organizationRead),
            ("department.info", .organizationRead), ("location.list", .organizationRead),
            ("location.info", .organizationRead), ("user.list", .organizationRead), ("user.info", .organizationRead),
            ("apiKey.info", .apiKeysRead),
            ("feedbackFormDefinition.list", .hiringProcessMetadataRead), ("brand.list", .organizationRead),
        ]
        var d: [String: (UInt8, AshbyPermission)] = [:]
        for (i, (name, p)) in list.enumerated() { d[name] = (UInt8(i + 1), p) }
        return d
    }()

    // MARK: dispatch

    func handle(endpoint: String, params: JSONObject) throws(APIError) -> [UInt8] {
        let ordinal = Self.endpoints[endpoint]!.0
        let ctx = Ctx(endpoint: endpoint, ordinal: ordinal, params: params)
        let w = world
        switch endpoint {
        case "application.list":
            let status = try ctx.stringSet("status")
            let jobId = try ctx.id("jobId")
            let expand = try ctx.stringSet("expand")?.contains("openings") ?? false
            let after = try ctx.int("createdAfter")
            return try paginate(ctx, type: .application, count: w.applications.count, sync: true, include: { i in
                w.applications.withElement(at: Int(i)) { a -> Bool in
                    if a.deleted || hidden(application: i) { return false }
                    if let status, !status.contains(a.status.rawValue) { return false }
                    if let jobId, w.jobs[Int(a.job)].id != jobId { return false }
                    if let after, a.createdAt <= after { return false }
                    return true
                }
            }, render: { w.renderApplication($0, &$1, info: false, expandOpenings: expand) })
        case "candidate.list":
            let after = try ctx.int("createdAfter")
            return try paginate(ctx, type: .candidate, count: w.candidates.count, sync: true, include: { i in
                w.candidates.withElement(at: Int(i)) { c -> Bool in
                    return !c.deleted && (after.map { c.createdAt > $0 } ?? true)
                }
            }, render: { w.renderCandidate($0, &$1) })
        case "job.list":
            let status = try ctx.stringSet("status")
            let after = try ctx.int("createdAfter")
            let openedAfter = try ctx.int("openedAfter"), openedBefore = try ctx.int("openedBefore")
            let closedAfter = try ctx.int("closedAfter"), closedBefore = try ctx.int("closedBefore")
            let expand = try ctx.stringSet("expand") ?? []
            return try paginate(ctx, type: .job, count: w.jobs.count, sync: true, include: { i in
                w.jobs.withElement(at: Int(i)) { j -> Bool in
                    if hidden(job: i) { return false }
                    if let status { if !status.contains(j.status.rawValue) { return false } } else if j.status == .Draft { return false }
                    if let after, j.createdAt <= after { return false }
                    if let openedAfter, (j.openedAt ?? Int64.min) <= openedAfter { return false }
                    if let openedBefore, (j.openedAt ?? Int64.max) >= openedBefore { return false }
                    if let closedAfter, (j.closedAt ?? Int64.min) <= closedAfter { return false }
                    if let closedBefore, (j.closedAt ?? Int64.max) >= closedBefore { return false }
                    return true
                }
            }, render: { w.renderJob($0, &$1, expandLocation: expand.contains("location"), expandOpenings: expand.contains("openings")) })
        case "opening.list":
            let after = try ctx.int("createdAfter")
            let enabled = w.openingsEnabled
            return try paginate(ctx, type: .opening, count: w.openings.count, sync: true, include: { i in
                w.openings.withElement(at: Int(i)) { o -> Bool in
                    if hidesConfidential, !o.jobs.isEmpty, o.jobs.allSatisfy({ hidden(job: $0) }) { return false }
                    return enabled && (after.map { o.createdAt > $0 } ?? true)
                }
            }, render: { w.renderOpening($0, &$1) })
        case "offer.list":
            let offerStatus = try ctx.stringSet("offerStatus"), acceptance = try ctx.stringSet("acceptanceStatus")
            let approval = try ctx.stringSet("approvalStatus"), appId = try ctx.id("applicationId")
            let after = try ctx.int("createdAfter")
            return try paginate(ctx, type: .offer, count: w.offers.count, sync: true, include: { i in
                w.offers.withElement(at: Int(i)) { o -> Bool in
                    if o.deleted || hidden(application: o.application) { return false }
                    if let offerStatus, !offerStatus.contains(o.offerStatus) { return false }
                    if let acceptance, !acceptance.contains(o.acceptanceStatus) { return false }
                    if let approval, !approval.contains("Approved") { return false }
                    if let appId, w.applications[Int(o.application)].id != appId { return false }
                    if let after, o.createdAt <= after { return false }
                    return true
                }
            }, render: { w.renderOffer($0, &$1, info: false) })
        case "interviewSchedule.list":
            let appId = try ctx.id("applicationId"), stageId = try ctx.id("interviewStageId")
            let after = try ctx.int("createdAfter")
            return try paginate(ctx, type: .interviewSchedule, count: w.schedules.count, sync: true, include: { i in
                w.schedules.withElement(at: Int(i)) { s -> Bool in
                    if s.deleted || w.applications[Int(s.application)].deleted || hidden(application: s.application) { return false }
                    if let appId, w.applications[Int(s.application)].id != appId { return false }
                    if let stageId, w.stages[Int(s.stage)].id != stageId { return false }
                    if let after, s.createdAt <= after { return false }
                    return true
                }
            }, render: { w.renderSchedule($0, &$1) })
        case "user.list":
            let all = try ctx.bool("includeDeactivated") ?? false
            return try paginate(ctx, type: .user, count: w.users.count, sync: true, include: { all || w.users[Int($0)].isEnabled },
                                render: { w.renderUser($0, &$1) })
        case "location.list":
            let archived = try ctx.bool("includeArchived") ?? false
            let hierarchy = try ctx.bool("includeLocationHierarchy") ?? false
            return try paginate(ctx, type: .location, count: w.locations.count, sync: true, include: { i in
                w.locations.withElement(at: Int(i)) { l -> Bool in
                    return (archived || !l.isArchived) && (hierarchy || !l.isHierarchy)
                }
            }, render: { w.renderLocation($0, &$1) })
        case "customField.list":
            let archived = try ctx.bool("includeArchived") ?? false
            return try paginate(ctx, type: .customField, count: w.customFields.count, sync: true,
                                include: { archived || !w.customFields[Int($0)].isArchived }, render: { w.renderCustomField($0, &$1) })
        case "candidateTag.list":
            let archived = try ctx.bool("includeArchived") ?? false
            return try paginate(ctx, type: .candidateTag, count: w.tags.count, sync: true,
                                include: { archived || !w.tags[Int($0)].isArchived }, render: { w.renderTag($0, &$1) })
        case "interview.list":
            let archived = try ctx.bool("includeArchived") ?? false
            let nonShared = try ctx.bool("includeNonSharedInterviews") ?? false
            return try paginate(ctx, type: .interview, count: w.interviews.count, sync: true, include: { i in
                w.interviews.withElement(at: Int(i)) { v -> Bool in
                    return (archived || !v.isArchived) && (nonShared || v.job < 0)
                }
            }, render: { w.renderInterview($0, &$1) })
        case "department.list":
            let archived = try ctx.bool("includeArchived") ?? false
            return try paginate(ctx, type: .department, count: w.departments.count, sync: true,
                                include: { archived || !w.departments[Int($0)].isArchived }, render: { w.renderDepartment($0, &$1) })
        case "interviewPlan.list":
            let archived = try ctx.bool("includeArchived") ?? false
            return try paginate(ctx, type: .interviewPlan, count: w.plans.count, sync: true,
                                include: { archived || !w.plans[Int($0)].isArchived }, render: { w.renderPlan($0, &$1) })
        case "application.listHistory":
            let id = try ctx.requiredID("applicationId")
            guard let a = w.row(.application, id), !w.applications[Int(a)].deleted else {
                throw .notFound("application_not_found", "Application not found - are you lacking permissions to edit candidates?")
            }
            let history = w.applications[Int(a)].history
            return try paginate(ctx, type: nil, count: history.count, sync: false, include: { _ in true },
                                render: { w.renderHistory(history[Int($0)], number: Int($0), &$1) })
        case "archiveReason.list":
            let archived = try ctx.bool("includeArchived") ?? false
            return unpaginated(w.archiveReasons.indices.filter { archived || !w.archiveReasons[$0].isArchived }, more: false) {
                w.renderArchiveReason($0, &$1, embedded: false)
            }
        case "closeReason.list":
            let archived = try ctx.bool("includeArchived") ?? false
            return unpaginated(w.closeReasons.indices.filter { archived || !w.closeReasons[$0].isArchived }, more: true) {
                w.renderCloseReason($0, &$1)
            }
        case "source.list":
            let archived = try ctx.bool("includeArchived") ?? false
            return unpaginated(w.sources.indices.filter { archived || !w.sources[$0].isArchived }, more: true) {
                w.renderSource($0, &$1)
            }
        case "interviewStage.list":
            let id = try ctx.requiredID("interviewPlanId")
            guard let p = w.row(.interviewPlan, id) else { throw .notFound("interview_plan_not_found", "Interview plan not found") }
            return unpaginated(w.plans[Int(p)].stages.map(Int.init), more: true) { w.renderStage($0, &$1) }
        case "jobPosting.list":
            let listedOnly = try ctx.bool("listedOnly") ?? false
            let location = try ctx.string("location"), department = try ctx.string("department")
            return unpaginated(w.postings.indices.filter { i in
                let p = w.postings[i]
                guard p.published, !listedOnly || p.isListed, !hidden(job: p.job) else { return false }
                let j = w.jobs[Int(p.job)]
                if let location, w.locations[Int(j.location)].name != location { return false }
                if let department, w.departments[Int(j.department)].name != department { return false }
                return true
            }, more: nil) { w.renderPosting($0, &$1, full: false) }
        case "application.info":
            let id = try ctx.requiredID("applicationId")
            let expand = try ctx.stringSet("expand")?.contains("openings") ?? false
            guard let a = w.row(.application, id), !w.applications[Int(a)].deleted else {
                throw .notFound("application_not_found", "Application not found - are you lacking permissions to edit candidates?")
            }
            return single { w.renderApplication(a, &$0, info: true, expandOpenings: expand) }
        case "candidate.info":
            let id = try ctx.requiredID("id")
            guard let c = w.row(.candidate, id), !w.candidates[Int(c)].deleted else { throw .notFound("candidate_not_found", "Candidate not found") }
            return single { w.renderCandidate(c, &$0) }
        case "job.info":
            let id = try ctx.requiredID("id")
            let expand = try ctx.stringSet("expand") ?? []
            guard let j = w.row(.job, id), !hidden(job: j) else { throw .notFound("job_not_found", "Job not found") }
            return single { w.renderJob(j, &$0, expandLocation: expand.contains("location"), expandOpenings: expand.contains("openings")) }
        case "jobPosting.info":
            let id = try ctx.requiredID("jobPostingId")
            guard let p = w.row(.jobPosting, id) else { throw .notFound("job_posting_not_found", "Job posting not found") }
            return single { w.renderPosting(p, &$0, full: true) }
        case "opening.info":
            let id = try ctx.requiredID("openingId")
            guard w.openingsEnabled, let o = w.row(.opening, id) else { throw .notFound("opening_not_found", "Opening not found") }
            return single { w.renderOpening(o, &$0) }
        case "offer.info":
            let id = try ctx.requiredID("offerId")
            guard let o = w.row(.offer, id), !w.offers[Int(o)].deleted else { throw .notFound("offer_not_found", "Offer not found") }
            return single { w.renderOffer(o, &$0, info: true) }
        case "interview.info":
            let id = try ctx.requiredID("id")
            guard let v = w.row(.interview, id) else { throw .notFound("interview_not_found", "Interview not found") }
            return single { w.renderInterview(v, &$0) }
        case "interviewStage.info":
            let id = try ctx.requiredID("interviewStageId")
            guard let s = w.row(.interviewStage, id) else { throw .notFound("interview_stage_not_found", "Interview stage not found") }
            return single { w.renderStage(s, &$0) }
        case "department.info":
            let id = try ctx.requiredID("departmentId")
            guard let d = w.row(.department, id) else { throw .notFound("department_not_found", "Department not found") }
            return single { w.renderDepartment(d, &$0) }
        case "location.info":
            let id = try ctx.requiredID("locationId")
            guard let l = w.row(.location, id) else { throw .notFound("location_not_found", "Location not found") }
            return single { w.renderLocation(l, &$0) }
        case "user.info":
            let id = try ctx.requiredID("userId")
            guard let u = w.row(.user, id) else { throw .notFound("user_not_found", "User not found") }
            return single { w.renderUser(u, &$0) }
        case "feedbackFormDefinition.list":
            // The account's one default form: what a client learns the organization id from.
            return unpaginated([0], more: true) { _, out in
                out.beginObject()
                out.key("id"); out.id(SimID(hi: organizationId.hi ^ 0xF0F0, lo: organizationId.lo))
                out.key("organizationId"); out.id(organizationId)
                out.key("title"); out.string("Default feedback form")
                out.key("isArchived"); out.bool(false)
                out.key("isDefaultForm"); out.bool(true)
                out.key("formDefinition"); out.beginObject(); out.key("sections"); out.beginArray(); out.endArray(); out.endObject()
                out.endObject()
            }
        case "brand.list":
            return unpaginated([0], more: true) { _, out in
                out.beginObject()
                out.key("id"); out.id(w.brandId)
                out.key("name"); out.string("Simulated Ashby")
                out.key("hostedJobsPageSlug"); out.string("simulated-ashby")
                out.endObject()
            }
        case "apiKey.info":
            return single { out in
                out.beginObject()
                out.key("title"); out.string(keyTitle)
                out.key("createdAt"); out.time(keyCreatedAt)
                out.key("scopes"); out.beginArray(); for s in scopes { out.string(s) }; out.endArray()
                out.endObject()
            }
        default:
            preconditionFailure("endpoint table and dispatch disagree on \(endpoint)")
        }
    }

    // MARK: response shapes

    private func single(_ render: (inout JSONOut) -> Void) -> [UInt8] {
        var w = JSONOut()
        w.beginObject(); w.key("success"); w.bool(true); w.key("results"); render(&w); w.endObject()
        return w.bytes
    }

    /// A list without pagination; `more` adds `moreDataAvailable` (always false) where Ashby sends it.
    private func unpaginated(_ rows: [Int], more: Bool?, _ render: (Int32, inout JSONOut) -> Void) -> [UInt8] {
        var w = JSONOut(capacity: 4096)
        w.beginObject(); w.key("success"); w.bool(true)
        w.key("results"); w.beginArray(); for r in rows { render(Int32(r), &w) }; w.endArray()
        if more == true { w.key("moreDataAvailable"); w.bool(false) }
        w.endObject()
        return w.bytes
    }

    /// One page of a cursor-paginated list, full or incremental (see `PageCursor`).
    ///
    /// Full passes walk rows in creation order; incremental passes walk the type's change log after the
    /// token, taking each row only at its latest change, so a pass returns exactly the rows changed since
    /// the token (rows deleted or merged away are not returned, as in Ashby). The final page's sync token
    /// is the change sequence when the pass started, so changes made during a pass are seen next time.
    private func paginate(_ ctx: Ctx, type: EntityType?, count: Int, sync: Bool, include: (Int32) -> Bool,
                          render: (Int32, inout JSONOut) -> Void) throws(APIError) -> [UInt8] {
        var limit = try ctx.int("limit").map(Int.init) ?? 100
        if limit < 1 { throw .invalidInput("limit: Invalid input: expected number to be >=1") }
        limit = min(limit, 100)
        let queryHash = ctx.queryHash()
        let tokenText = sync ? try ctx.string("syncToken") : nil
        var cursor: PageCursor
        if let cursorText = try ctx.string("cursor") {
            guard let c = codec.decodeCursor(cursorText), c.endpoint == ctx.ordinal, c.queryHash == queryHash else {
                throw APIError(code: "cursor_invalid", message: "Invalid cursor '\(cursorText)'")
            }
            if let tokenText {
                guard let t = codec.decodeToken(tokenText), c.incremental, t.seq == c.tokenSeq else {
                    throw APIError(code: "cursor_invalid", message: "Invalid cursor '\(cursorText)' for the given syncToken")
                }
            }
            cursor = c
        } else if let tokenText, let type {
            guard let t = codec.decodeToken(tokenText), t.endpoint == ctx.ordinal else {
                throw .invalidInput("syncToken: not a sync token issued by \(ctx.endpoint); drop it and run a full sync")
            }
            if now - t.issuedAt > Int64(syncTokenMaxAgeDays) * 86_400_000 {
                throw APIError(code: "sync_token_expired", message: "The sync token has expired; run a full sync without it")
            }
            let log = world.changeLog[type.ordinal]
            let start = firstLogIndex(after: t.seq, in: log)
            cursor = PageCursor(endpoint: ctx.ordinal, queryHash: queryHash, incremental: true, snapshotSeq: world.seq,
                                tokenSeq: t.seq, position: Int64(start) - 1)
            var changed = 0
            for k in start..<log.count {
                let e = log[k]
                if changeSeq(type, e.row) == e.seq && include(e.row) { changed += 1 }
            }
            let pages = (changed + limit - 1) / limit
            if pages > incrementalPageCap {
                throw APIError(code: "incremental_sync_too_large",
                               message: "Too many changes since the sync token (\(pages) pages > \(incrementalPageCap)); run a full sync")
            }
        } else {
            cursor = PageCursor(endpoint: ctx.ordinal, queryHash: queryHash, incremental: false, snapshotSeq: world.seq,
                                tokenSeq: 0, position: -1)
        }

        var out = JSONOut(capacity: 64 * 1024)
        out.beginObject()
        out.key("success"); out.bool(true)
        out.key("results"); out.beginArray()
        var taken = 0
        var more = false
        var pos = Int(cursor.position) + 1
        if cursor.incremental, let type {
            let log = world.changeLog[type.ordinal]
            while pos < log.count {
                let e = log[pos]
                if e.seq > cursor.tokenSeq && changeSeq(type, e.row) == e.seq && include(e.row) {
                    if taken == limit { more = true; break }
                    render(e.row, &out); taken += 1
                    cursor.position = Int64(pos)
                }
                pos += 1
            }
        } else {
            while pos < count {
                if include(Int32(pos)) {
                    if taken == limit { more = true; break }
                    render(Int32(pos), &out); taken += 1
                    cursor.position = Int64(pos)
                }
                pos += 1
            }
        }
        out.endArray()
        out.key("moreDataAvailable"); out.bool(more)
        if more {
            out.key("nextCursor"); out.string(codec.encode(cursor))
        } else if sync && type != nil {
            out.key("syncToken"); out.string(codec.encode(SyncToken(endpoint: ctx.ordinal, seq: cursor.snapshotSeq, issuedAt: now)))
        }
        out.endObject()
        return out.bytes
    }

    private func firstLogIndex(after seq: UInt64, in log: [ChangeLogEntry]) -> Int {
        var lo = 0, hi = log.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if log[mid].seq <= seq { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private func changeSeq(_ type: EntityType, _ row: Int32) -> UInt64 {
        let i = Int(row)
        switch type {
        case .application: return world.applications[i].changeSeq
        case .candidate: return world.candidates[i].changeSeq
        case .job: return world.jobs[i].changeSeq
        case .jobPosting: return world.postings[i].changeSeq
        case .opening: return world.openings[i].changeSeq
        case .offer: return world.offers[i].changeSeq
        case .interviewSchedule: return world.schedules[i].changeSeq
        case .interviewPlan: return world.plans[i].changeSeq
        case .interviewStage: return world.stages[i].changeSeq
        case .interview: return world.interviews[i].changeSeq
        case .department: return world.departments[i].changeSeq
        case .location: return world.locations[i].changeSeq
        case .user: return world.users[i].changeSeq
        case .archiveReason: return world.archiveReasons[i].changeSeq
        case .closeReason: return world.closeReasons[i].changeSeq
        case .source: return world.sources[i].changeSeq
        case .candidateTag: return world.tags[i].changeSeq
        case .customField: return world.customFields[i].changeSeq
        }
    }

    // MARK: parameters

    /// Request parameters with zod-style validation messages like Ashby's.
    struct Ctx {
        let endpoint: String
        let ordinal: UInt8
        let params: JSONObject

        func string(_ k: String) throws(APIError) -> String? {
            guard let v = params[k], !v.isNull else { return nil }
            guard let s = v.stringValue else { throw .invalidInput("\(k): Invalid input: expected string, received \(v.kindName)") }
            return s
        }

        func id(_ k: String) throws(APIError) -> SimID? {
            guard let s = try string(k) else { return nil }
            // An id that cannot exist matches nothing rather than failing, as filtering by it would.
            return SimID(s) ?? SimID(hi: 0, lo: 1)
        }

        func requiredID(_ k: String) throws(APIError) -> SimID {
            guard let s = try string(k) else { throw .invalidInput("\(k): Invalid input: expected string, received undefined") }
            guard let id = SimID(s) else { throw .invalidInput("\(k): Invalid uuid") }
            return id
        }

        func int(_ k: String) throws(APIError) -> Int64? {
            guard let v = params[k], !v.isNull else { return nil }
            guard let n = v.numberValue, let i = n.int64Value ?? n.doubleValue.map({ Int64($0) }) else {
                throw .invalidInput("\(k): Invalid input: expected number, received \(v.kindName)")
            }
            return i
        }

        func bool(_ k: String) throws(APIError) -> Bool? {
            guard let v = params[k], !v.isNull else { return nil }
            guard let b = v.boolValue else { throw .invalidInput("\(k): Invalid input: expected boolean, received \(v.kindName)") }
            return b
        }

        /// A string or an array of strings.
        func stringSet(_ k: String) throws(APIError) -> Set<String>? {
            guard let v = params[k], !v.isNull else { return nil }
            if let s = v.stringValue { return [s] }
            guard let a = v.arrayValue else { throw .invalidInput("\(k): Invalid input: expected array, received \(v.kindName)") }
            var out = Set<String>()
            for e in a {
                guard let s = e.stringValue else { throw .invalidInput("\(k): Invalid input: expected string, received \(e.kindName)") }
                out.insert(s)
            }
            return out
        }

        /// Hash of every parameter except `cursor`, `syncToken` and `limit`: what a cursor is bound to.
        func queryHash() -> UInt64 {
            let filtered = JSONObject(params.members.filter { !["cursor", "syncToken", "limit"].contains($0.key) }.map { ($0.key, $0.value) })
            let bytes = JSONValue.object(filtered).canonicalBytes() + Array(endpoint.utf8)
            return bytes.withUnsafeBytes { XXH64.hash($0, seed: 0x5EED) }
        }
    }
}
