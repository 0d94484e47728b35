import HireLedgerCore

/// Offers and hires.
extension WorldEngine {
    // MARK: offers and hires

    func createOffer(_ a: Int32, at t: Int64) {
        let app = world.applications[Int(a)]
        let job = world.jobs[Int(app.job)]
        var opening: Int32 = -1
        for o in job.openings where world.openings[Int(o)].state == .Open && world.openings[Int(o)].heldByOffer < 0 {
            opening = o; break
        }
        let row = Int32(world.offers.count)
        if opening >= 0 { world.openings[Int(opening)].heldByOffer = row }
        let country = world.locations[Int(job.location)].country
        let currency = FakeData.currencies[country] ?? "USD"
        let level = job.title.hasPrefix("Senior") ? 1.3 : job.title.hasPrefix("Staff") || job.title.hasPrefix("Principal") ? 1.6
            : job.title.hasPrefix("Junior") ? 0.7 : 1.0
        var salary = Int(Double(rng.int(70...140)) * 1000 * level)
        if currency == "JPY" { salary *= 150 } else if currency == "INR" { salary *= 40 } else if ["SEK", "NOK", "DKK"].contains(currency) { salary *= 10 }
        var version = OfferVersionRec(id: newID(), startDay: Int32(t / Self.day) + Int32(rng.int(21...60)), currency: currency,
                                      salary: salary / 1000 * 1000, createdAt: t, opening: opening, author: job.hiringTeam[1])
        // (No draw when the behaviour is off: existing worlds stay byte-identical.)
        let needsApproval = behaviours.offersPendingApproval && rng.chance(0.5)
        if needsApproval { version.approvalStatus = "WaitingOnApprovals" }
        world.offers.append(OfferRec(id: newID(), application: a, acceptanceStatus: needsApproval ? "Created" : "WaitingOnResponse",
                                     offerStatus: needsApproval ? "WaitingOnOfferApproval" : "WaitingOnCandidateResponse",
                                     decidedAt: nil, versions: [version], createdAt: t, updatedAt: t))
        world.register(.offer, world.offers[Int(row)].id, row)
        world.offers[Int(row)].changeSeq = world.bump(.offer, row)
        world.note(.created, .offer, world.offers[Int(row)].id, at: t)
        world.applications[Int(a)].offers.append(row)
        if needsApproval {
            queue.push(.offerApproval(row), at: workTime(after: t, delay: days(1...3)))
        } else {
            queue.push(.offerDecision(row), at: workTime(after: t, delay: days(1...7)))
        }
    }

    /// An offer waiting on approval is approved (sent to the candidate, who decides later) or turned down
    /// (the offer cancelled, the application archived).
    func approveOffer(_ o: Int32, at t: Int64) {
        let offer = world.offers[Int(o)]
        guard !offer.deleted, offer.offerStatus == "WaitingOnOfferApproval" else { return }
        let a = offer.application
        guard !world.applications[Int(a)].deleted else { return }
        let id = offer.id
        let last = offer.versions.count - 1
        if rng.chance(0.8) {
            world.offers[Int(o)].versions[last].approvalStatus = "Approved"
            world.offers[Int(o)].acceptanceStatus = "WaitingOnResponse"
            world.offers[Int(o)].offerStatus = "WaitingOnCandidateResponse"
            world.touchOffer(o, at: t)
            world.note(.updated, .offer, id, at: t, field: "latestVersion.approvalStatus", old: "WaitingOnApprovals", new: "Approved")
            world.note(.updated, .offer, id, at: t, field: "acceptanceStatus", old: "Created", new: "WaitingOnResponse")
            world.note(.updated, .offer, id, at: t, field: "offerStatus", old: "WaitingOnOfferApproval", new: "WaitingOnCandidateResponse")
            queue.push(.offerDecision(o), at: workTime(after: t, delay: days(1...7)))
            return
        }
        world.offers[Int(o)].versions[last].approvalStatus = "Declined"
        world.offers[Int(o)].acceptanceStatus = "Cancelled"
        world.offers[Int(o)].offerStatus = "OfferCancelled"
        world.offers[Int(o)].decidedAt = t
        world.touchOffer(o, at: t)
        world.note(.updated, .offer, id, at: t, field: "latestVersion.approvalStatus", old: "WaitingOnApprovals", new: "Declined")
        world.note(.updated, .offer, id, at: t, field: "acceptanceStatus", old: "Created", new: "Cancelled")
        world.note(.updated, .offer, id, at: t, field: "offerStatus", old: "WaitingOnOfferApproval", new: "OfferCancelled")
        releaseOpening(of: o)
        if world.applications[Int(a)].status == .Active { archive(a, reasonText: "Offer Cancelled", at: t) }
    }

    func releaseOpening(of o: Int32) {
        let opening = world.offers[Int(o)].versions.last!.opening
        if opening >= 0, world.openings[Int(opening)].heldByOffer == o { world.openings[Int(opening)].heldByOffer = -1 }
    }

    func decideOffer(_ o: Int32, at t: Int64) {
        let offer = world.offers[Int(o)]
        guard !offer.deleted, offer.acceptanceStatus == "WaitingOnResponse" else { return }
        let a = offer.application
        guard !world.applications[Int(a)].deleted else { return }
        let id = offer.id
        if offer.versions.count == 1 && rng.chance(0.12) {
            var v = offer.versions[0]
            let oldId = v.id
            v.id = newID(); v.createdAt = t; v.salary = Int(Double(v.salary) * 1.05) / 1000 * 1000
            world.offers[Int(o)].versions.append(v)
            world.touchOffer(o, at: t)
            world.note(.updated, .offer, id, at: t, field: "latestVersion.id", old: .string(oldId.string), new: .string(v.id.string))
            queue.push(.offerDecision(o), at: workTime(after: t, delay: days(1...4)))
            return
        }
        if behaviours.cancelledOffers, rng.chance(0.1) {
            // Withdrawn by the company before the candidate answered.
            world.offers[Int(o)].acceptanceStatus = "Cancelled"
            world.offers[Int(o)].offerStatus = "OfferCancelled"
            world.offers[Int(o)].decidedAt = t
            world.touchOffer(o, at: t)
            world.note(.updated, .offer, id, at: t, field: "acceptanceStatus", old: "WaitingOnResponse", new: "Cancelled")
            world.note(.updated, .offer, id, at: t, field: "offerStatus", old: "WaitingOnCandidateResponse", new: "OfferCancelled")
            releaseOpening(of: o)
            archive(a, reasonText: "Offer Cancelled", at: t)
            return
        }
        let accepted = rng.chance(0.78)
        world.offers[Int(o)].acceptanceStatus = accepted ? "Accepted" : "Declined"
        world.offers[Int(o)].offerStatus = accepted ? "CandidateAccepted" : "CandidateRejected"
        world.offers[Int(o)].decidedAt = t
        world.touchOffer(o, at: t)
        world.note(.updated, .offer, id, at: t, field: "acceptanceStatus", old: "WaitingOnResponse", new: .string(accepted ? "Accepted" : "Declined"))
        world.note(.updated, .offer, id, at: t, field: "offerStatus", old: "WaitingOnCandidateResponse",
                   new: .string(accepted ? "CandidateAccepted" : "CandidateRejected"))
        if accepted {
            queue.push(.hire(offer: o), at: workTime(after: t, delay: days(1...3)))
        } else {
            releaseOpening(of: o)
            archive(a, reasonText: "Offer Declined", at: t)
        }
    }

    func hire(_ o: Int32, at t: Int64) {
        let offer = world.offers[Int(o)]
        let a = offer.application
        let app = world.applications[Int(a)]
        guard !offer.deleted, !app.deleted, app.status == .Active else { return }
        let plan = world.plans[Int(world.stages[Int(app.stage)].plan)]
        let hiredStage = plan.stages[plan.stages.count - 2]
        let job = app.job
        _ = moveStage(a, to: hiredStage, at: t, actor: world.jobs[Int(job)].hiringTeam[1])
        let opening = offer.versions.last!.opening
        if opening >= 0, world.openings[Int(opening)].state == .Open {
            world.openings[Int(opening)].heldByOffer = -1
            setOpeningState(opening, .Filled, at: t)
        }
        guard world.jobs[Int(job)].status == .Open else { return }
        if rng.chance(0.1) { createOpening(job: job, at: t, state: .Open, backfill: true) }
        let stillOpen = world.jobs[Int(job)].openings.contains { world.openings[Int($0)].state == .Open }
        if !stillOpen && rng.chance(0.5) { closeJob(job, at: t, reasonText: "Hired") }
    }
}
