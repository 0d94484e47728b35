import HireLedgerCore

/// Reorganisations, candidate merges and deletions, user and profile changes.
extension WorldEngine {
    // MARK: reorganisations, merges, deletions

    func mergeCandidates(at t: Int64) {
        guard liveCandidates.count > 2 else { return }
        let keep = liveCandidates[rng.below(liveCandidates.count)]
        var gone = liveCandidates[rng.below(liveCandidates.count)]
        if gone == keep { gone = liveCandidates[(Int(livePos[Int(keep)]) + 1) % liveCandidates.count] }
        let keepId = world.candidates[Int(keep)].id
        let moved = world.candidates[Int(gone)].applications
        for a in moved where !world.applications[Int(a)].deleted {
            world.applications[Int(a)].candidate = keep
            world.touchApplication(a, at: t)
            world.note(.updated, .application, world.applications[Int(a)].id, at: t, field: "candidate.id",
                       old: .string(world.candidates[Int(gone)].id.string), new: .string(keepId.string))
        }
        let old = world.candidates[Int(keep)].applications
        world.candidates[Int(keep)].applications += moved
        world.touchCandidate(keep, at: t)
        world.note(.updated, .candidate, keepId, at: t, field: "applicationIds", old: idArray(old, \.applications),
                   new: idArray(world.candidates[Int(keep)].applications, \.applications))
        world.candidates[Int(gone)].deleted = true
        world.candidates[Int(gone)].applications = []
        removeLive(gone)
        world.seq += 1
        world.note(.merged, .candidate, world.candidates[Int(gone)].id, at: t, field: nil, old: nil, new: .string(keepId.string))
    }

    func deleteCandidate(at t: Int64) {
        guard liveCandidates.count > 2 else { return }
        // Hired people's records are kept (they became employees); delete someone else.
        var c: Int32 = -1
        for _ in 0..<10 {
            let pick = liveCandidates[rng.below(liveCandidates.count)]
            if !world.candidates[Int(pick)].applications.contains(where: { world.applications[Int($0)].status == .Hired }) { c = pick; break }
        }
        guard c >= 0 else { return }
        for a in world.candidates[Int(c)].applications where !world.applications[Int(a)].deleted {
            world.applications[Int(a)].deleted = true
            world.seq += 1
            world.note(.deleted, .application, world.applications[Int(a)].id, at: t)
            for o in world.applications[Int(a)].offers where !world.offers[Int(o)].deleted {
                releaseOpening(of: o)
                world.offers[Int(o)].deleted = true
                world.seq += 1
                world.note(.deleted, .offer, world.offers[Int(o)].id, at: t)
            }
        }
        for s in world.schedules.indices.reversed() {
            // Schedules are appended in time order; only recent ones can belong to a live application.
            if world.schedules[s].createdAt < t - 400 * Self.day { break }
            let a = world.schedules[s].application
            if world.applications[Int(a)].deleted && world.applications[Int(a)].candidate == c && !world.schedules[s].deleted {
                world.schedules[s].deleted = true
                world.seq += 1
                world.note(.deleted, .interviewSchedule, world.schedules[s].id, at: t)
            }
        }
        world.candidates[Int(c)].deleted = true
        removeLive(c)
        world.seq += 1
        world.note(.deleted, .candidate, world.candidates[Int(c)].id, at: t)
    }

    func reorganiseDepartment(at t: Int64) {
        let teams = world.departments.indices.filter { world.departments[$0].parent >= 0 }
        guard !teams.isEmpty else { return }
        let d = Int32(rng.pick(teams))
        let id = world.departments[Int(d)].id
        if rng.chance(0.5) {
            let old = world.departments[Int(d)].name
            let new = rng.pick(FakeData.teamWords) + " " + rng.pick(["Platform", "Experience", "Foundations", "Operations"])
            world.departments[Int(d)].name = new
            world.touchDepartment(d, at: t)
            world.note(.updated, .department, id, at: t, field: "name", old: .string(old), new: .string(new))
        } else {
            func isDescendant(_ x: Int32) -> Bool {
                var p = x
                while p >= 0 { if p == d { return true }; p = world.departments[Int(p)].parent }
                return false
            }
            let candidates = world.departments.indices.map(Int32.init).filter { !isDescendant($0) && $0 != world.departments[Int(d)].parent }
            guard !candidates.isEmpty else { return }
            let newParent = rng.pick(candidates)
            let old = world.departments[Int(d)].parent
            world.departments[Int(d)].parent = newParent
            world.touchDepartment(d, at: t)
            world.note(.updated, .department, id, at: t, field: "parentId", old: .string(world.departments[Int(old)].id.string),
                       new: .string(world.departments[Int(newParent)].id.string))
        }
    }

    func changeUsers(at t: Int64) {
        if rng.chance(0.5) {
            addUser(at: t, role: rng.pick(["Limited Access", "Elevated Access"]))
        } else {
            let u = Int32(rng.below(world.users.count))
            guard u >= 3, world.users[Int(u)].isEnabled else { return }
            world.users[Int(u)].isEnabled = false
            world.touchUser(u, at: t)
            world.note(.updated, .user, world.users[Int(u)].id, at: t, field: "isEnabled", old: true, new: false)
        }
    }

    /// Someone leaves and is replaced: an enabled user (not one of the first three, who act for the
    /// organisation) is deactivated and a new one added. Every copy of the leaver in other records
    /// changes; those records do not.
    func deactivateUser(at t: Int64) {
        let enabled = world.users.indices.filter { $0 >= 3 && world.users[$0].isEnabled }
        guard !enabled.isEmpty else { return }
        let u = Int32(rng.pick(enabled))
        world.users[Int(u)].isEnabled = false
        world.touchUser(u, at: t)
        world.note(.updated, .user, world.users[Int(u)].id, at: t, field: "isEnabled", old: true, new: false)
        addUser(at: t, role: world.users[Int(u)].globalRole)
    }

    func changeCandidateProfile(at t: Int64) {
        guard !liveCandidates.isEmpty else { return }
        let c = liveCandidates[rng.below(liveCandidates.count)]
        let id = world.candidates[Int(c)].id
        switch rng.below(3) {
        case 0:
            let old = world.candidates[Int(c)].company
            let new = rng.pick(FakeData.companies)
            guard old != new else { return }
            world.candidates[Int(c)].company = new
            world.touchCandidate(c, at: t)
            world.note(.updated, .candidate, id, at: t, field: "company", old: JSONValue(old), new: .string(new))
        case 1:
            let old = world.candidates[Int(c)].position
            let new = rng.pick(FakeData.positions)
            guard old != new else { return }
            world.candidates[Int(c)].position = new
            world.touchCandidate(c, at: t)
            world.note(.updated, .candidate, id, at: t, field: "position", old: JSONValue(old), new: .string(new))
        default:
            let tag = Int32(rng.below(world.tags.count))
            guard !world.tags[Int(tag)].isArchived, !world.candidates[Int(c)].tags.contains(tag) else { return }
            world.candidates[Int(c)].tags.append(tag)
            world.touchCandidate(c, at: t)
            world.note(.updated, .candidate, id, at: t, field: "tags", old: nil, new: .string(world.tags[Int(tag)].id.string))
        }
    }
}
