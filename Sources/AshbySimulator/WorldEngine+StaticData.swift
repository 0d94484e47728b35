import HireLedgerCore

/// The accounts, users, locations, departments, plans, tags and interviews a world starts with.
extension WorldEngine {
    // MARK: static data

    func newID() -> SimID { SimID.random(&rng) }

    func buildStaticData(at t0: Int64) {
        world.brandId = newID()
        for type in [StageType.Lead, .PreInterviewScreen, .Active, .Offer, .Hired, .Archived] {
            world.stageGroupIds[type] = newID()
        }
        // Users.
        let roles = ["Organization Admin", "Elevated Access", "Limited Access", "External Recruiter"]
        for i in 0..<targets.users {
            addUser(at: t0 + Int64(i) * 60_000, role: i < 3 ? roles[0] : roles[rng.weighted([0.05, 0.35, 0.55, 0.05])])
        }
        for i in 0..<world.users.count where i >= 3 && rng.chance(0.05) { world.users[i].isEnabled = false }
        // Departments: divisions, then teams under random existing departments (a tree up to 4 deep).
        let divisionCount = min(FakeData.divisions.count, max(2, targets.departments / 8))
        var depth: [Int] = []
        for i in 0..<targets.departments {
            let parent: Int32
            let name: String
            if i < divisionCount {
                parent = -1; name = FakeData.divisions[i]
            } else {
                var p = rng.below(world.departments.count)
                while depth[p] >= 3 { p = rng.below(world.departments.count) }
                parent = Int32(p)
                name = rng.pick(FakeData.teamWords) + rng.pick(FakeData.teamSuffixes)
            }
            depth.append(parent < 0 ? 0 : depth[Int(parent)] + 1)
            let t = t0 + Int64(i) * 1_000
            let row = Int32(world.departments.count)
            world.departments.append(DepartmentRec(id: newID(), name: name, parent: parent, isArchived: false,
                                                   createdAt: t, updatedAt: t))
            world.register(.department, world.departments[Int(row)].id, row)
            world.departments[Int(row)].changeSeq = world.bump(.department, row)
        }
        // Locations: hierarchies (regions, hidden by default) then cities.
        let regions = ["North America", "Europe", "Asia Pacific"]
        for r in regions {
            addLocation(LocationRec(id: newID(), name: r, country: "", region: nil, city: nil, street: nil, postalCode: nil,
                                    workplaceType: nil, parent: -1, isHierarchy: true, isArchived: false, createdAt: t0))
        }
        for i in 0..<targets.locations {
            let (city, region, country) = FakeData.cities[i % FakeData.cities.count]
            let remote = i == 0 && targets.locations > 3
            let parent: Int32 = ["United States", "Canada", "Mexico", "Brazil", "Argentina"].contains(country) ? 0
                : ["India", "Singapore", "Japan", "South Korea", "Australia", "New Zealand"].contains(country) ? 2 : 1
            addLocation(LocationRec(
                id: newID(), name: remote ? "Remote" : (i >= FakeData.cities.count ? "\(city) \(i / FakeData.cities.count + 1)" : city),
                country: country, region: region, city: city,
                street: rng.chance(0.6) ? "\(rng.int(1...400)) \(rng.pick(["Market", "Main", "King", "Harbour", "Station"])) Street" : nil,
                postalCode: rng.chance(0.6) ? String(rng.int(10000...99999)) : nil,
                workplaceType: remote ? "Remote" : rng.pick(["OnSite", "Hybrid", "Hybrid", "OnSite"]),
                parent: parent, isHierarchy: false, isArchived: false, createdAt: t0 + Int64(i) * 1000))
        }
        // Hiring process metadata.
        let reasons: [(String, String)] = [
            ("Lacks Skills/Qualifications", "RejectedByOrg"), ("Not Enough Experience", "RejectedByOrg"),
            ("Better Qualified Candidate", "RejectedByOrg"), ("Location Mismatch", "RejectedByOrg"),
            ("Position Closed", "Other"), ("Unresponsive", "Other"), ("Duplicate", "Other"),
            ("Withdrew", "RejectedByCandidate"), ("Offer Declined", "RejectedByCandidate"),
            ("Compensation Mismatch", "RejectedByCandidate"), ("Accepted Another Offer", "RejectedByCandidate"),
            ("Legacy Reason", "Other"),
        ]
        for (text, type) in reasons {
            let row = Int32(world.archiveReasons.count)
            world.archiveReasons.append(ArchiveReasonRec(id: newID(), text: text, reasonType: type, isArchived: text == "Legacy Reason"))
            world.archiveReasons[Int(row)].changeSeq = world.bump(.archiveReason, row)
        }
        for text in ["Hired", "Budget Cut", "Role Redefined", "Filled Internally", "Hiring Freeze", "Old Reason"] {
            let row = Int32(world.closeReasons.count)
            world.closeReasons.append(CloseReasonRec(id: newID(), reasonText: text, isArchived: text == "Old Reason"))
            world.closeReasons[Int(row)].changeSeq = world.bump(.closeReason, row)
        }
        var typeIds: [String: SimID] = [:]
        for t in ["Inbound", "Referral", "Sourced", "Agency", "Event", "Other"] { typeIds[t] = newID() }
        let sources: [(String, String)] = [
            ("Applied", "Inbound"), ("LinkedIn", "Inbound"), ("Company Website", "Inbound"), ("Indeed", "Inbound"),
            ("Referral", "Referral"), ("Employee Referral", "Referral"), ("Sourced", "Sourced"),
            ("LinkedIn Recruiter", "Sourced"), ("GitHub", "Sourced"), ("Agency", "Agency"), ("Career Fair", "Event"),
            ("Meetup", "Event"), ("Other", "Other"), ("Old Job Board", "Inbound"),
        ]
        for (title, type) in sources {
            let row = Int32(world.sources.count)
            world.sources.append(SourceRec(id: newID(), title: title, typeId: typeIds[type]!, typeTitle: type,
                                           isArchived: title == "Old Job Board", isSourced: type == "Sourced"))
            world.sources[Int(row)].changeSeq = world.bump(.source, row)
        }
        for title in ["Strong Referral", "Silver Medalist", "Relocation Needed", "Visa Sponsorship", "Diversity Sourcing", "Old Tag"] {
            addTag(title: title, at: t0, archived: title == "Old Tag")
        }
        let fields: [(String, String, String, [String])] = [
            ("Cost Center", "Job", "ValueSelect", ["R&D", "G&A", "S&M"]), ("Priority", "Opening", "ValueSelect", ["P0", "P1", "P2"]),
            ("Visa Required", "Candidate", "Boolean", []), ("Notice Period (weeks)", "Candidate", "Number", []),
            ("Signing Bonus", "Offer", "Currency", []), ("Referral Notes", "Application", "LongText", []),
            ("Legacy Field", "Job", "String", []),
        ]
        for (title, object, type, values) in fields {
            let row = Int32(world.customFields.count)
            world.customFields.append(CustomFieldRec(id: newID(), title: title, objectType: object, fieldType: type,
                                                     isArchived: title == "Legacy Field", isRequired: false,
                                                     isPrivate: title == "Signing Bonus", selectableValues: values))
            world.customFields[Int(row)].changeSeq = world.bump(.customField, row)
        }
        // Interview plans and their stages.
        for p in 0..<targets.interviewPlans {
            let planRow = Int32(world.plans.count)
            let t = t0 + Int64(p) * 10_000
            var stageRows: [Int32] = []
            var layout: [(String, StageType)] = [("New Lead", .Lead), ("Application Review", .PreInterviewScreen),
                                                 ("Recruiter Screen", .Active), ("Technical Interview", .Active)]
            if p % 3 != 2 { layout.append(("Onsite", .Active)) }
            layout += [("Offer", .Offer), ("Hired", .Hired), ("Archived", .Archived)]
            for (order, (title, type)) in layout.enumerated() {
                let row = Int32(world.stages.count)
                world.stages.append(StageRec(id: newID(), title: title, type: type, order: order,
                                             groupId: world.stageGroupIds[type]!, plan: planRow))
                world.register(.interviewStage, world.stages[Int(row)].id, row)
                world.stages[Int(row)].changeSeq = world.bump(.interviewStage, row)
                stageRows.append(row)
            }
            let title = p == 0 ? "Default Interview Plan" : "\(FakeData.divisions[p % FakeData.divisions.count]) Interview Plan \(p / FakeData.divisions.count + 1)"
            world.plans.append(PlanRec(id: newID(), title: title, isArchived: false, createdAt: t, updatedAt: t, stages: stageRows))
            world.register(.interviewPlan, world.plans[Int(planRow)].id, planRow)
            world.plans[Int(planRow)].changeSeq = world.bump(.interviewPlan, planRow)
        }
        for title in ["Recruiter Screen", "Technical Interview", "System Design", "Onsite Loop", "Hiring Manager Chat",
                      "Values Interview", "Debrief", "Portfolio Review", "Legacy Phone Screen"] {
            addInterview(title: title, job: -1, archived: title.hasPrefix("Legacy"))
        }
    }

    func addUser(at t: Int64, role: String) {
        let first = rng.pick(FakeData.firstNames), last = rng.pick(FakeData.lastNames)
        let row = Int32(world.users.count)
        world.users.append(UserRec(id: newID(), firstName: first, lastName: last,
                                   email: "\(FakeData.slug(first)).\(FakeData.slug(last))\(row)@simcorp.example",
                                   globalRole: role, isEnabled: true, createdAt: t, updatedAt: t))
        world.register(.user, world.users[Int(row)].id, row)
        world.users[Int(row)].changeSeq = world.bump(.user, row)
        world.note(.created, .user, world.users[Int(row)].id, at: t)
    }

    func addLocation(_ rec: LocationRec) {
        let row = Int32(world.locations.count)
        world.locations.append(rec)
        world.register(.location, rec.id, row)
        world.locations[Int(row)].changeSeq = world.bump(.location, row)
    }

    func addTag(title: String, at t: Int64, archived: Bool) {
        let row = Int32(world.tags.count)
        world.tags.append(TagRec(id: newID(), title: title, isArchived: archived, createdAt: t))
        world.tags[Int(row)].changeSeq = world.bump(.candidateTag, row)
        world.note(.created, .candidateTag, world.tags[Int(row)].id, at: t)
    }

    func addInterview(title: String, job: Int32, archived: Bool) {
        let row = Int32(world.interviews.count)
        world.interviews.append(InterviewRec(id: newID(), title: title, isArchived: archived, isDebrief: title == "Debrief",
                                             job: job, feedbackFormId: newID()))
        world.register(.interview, world.interviews[Int(row)].id, row)
        world.interviews[Int(row)].changeSeq = world.bump(.interview, row)
        world.note(.created, .interview, world.interviews[Int(row)].id, at: now)
    }
}
