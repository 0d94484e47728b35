// JSON shapes of every entity, key order and null/absent patterns following the recorded real
// responses in shared/reference/ashby-recorded (explicit nulls for `creditedToUser`, `source`,
// `timezone`, `fraudStatus`, `externalName`, `extraData`; absent `archivedAt`, `leftStageAt`,
// candidate `location` when unknown).

extension World {
    func renderUser(_ i: Int32, _ w: inout JSONOut) {
        users.withElement(at: Int(i)) { renderUser($0, &w) }
    }

    private func renderUser(_ u: UserRec, _ w: inout JSONOut) {
        w.beginObject()
        renderUserFields(u, &w)
        w.endObject()
    }

    /// A user's members, shared by the user object and an interview event's interviewer (which adds its own).
    private func renderUserFields(_ u: UserRec, _ w: inout JSONOut) {
        w.key("id"); w.id(u.id)
        w.key("firstName"); w.string(u.firstName)
        w.key("lastName"); w.string(u.lastName)
        w.key("email"); w.string(u.email)
        w.key("globalRole"); w.string(u.globalRole)
        w.key("isEnabled"); w.bool(u.isEnabled)
        w.key("updatedAt"); w.time(u.updatedAt)
    }

    func renderUserOrNull(_ i: Int32, _ w: inout JSONOut) { if i >= 0 { renderUser(i, &w) } else { w.null() } }

    func renderDepartment(_ i: Int32, _ w: inout JSONOut) {
        let d = departments[Int(i)]
        w.beginObject()
        w.key("id"); w.id(d.id)
        w.key("name"); w.string(d.name)
        w.key("externalName"); w.null()
        w.key("isArchived"); w.bool(d.isArchived)
        w.key("parentId"); if d.parent >= 0 { w.id(departments[Int(d.parent)].id) } else { w.null() }
        w.key("createdAt"); w.time(d.createdAt)
        w.key("updatedAt"); w.time(d.updatedAt)
        w.key("extraData"); w.null()
        w.endObject()
    }

    func renderLocation(_ i: Int32, _ w: inout JSONOut) {
        let l = locations[Int(i)]
        w.beginObject()
        w.key("id"); w.id(l.id)
        w.key("name"); w.string(l.name)
        w.key("externalName"); w.null()
        w.key("isArchived"); w.bool(l.isArchived)
        if !l.isHierarchy {
            w.key("address"); w.beginObject(); w.key("postalAddress"); w.beginObject()
            w.key("addressCountry"); w.string(l.country)
            w.key("addressRegion"); w.string(l.region)
            w.key("addressLocality"); w.string(l.city)
            if let p = l.postalCode { w.key("postalCode"); w.string(p) }
            if let s = l.street { w.key("streetAddress"); w.string(s) }
            w.endObject(); w.endObject()
        }
        w.key("isRemote"); w.bool(l.workplaceType == "Remote")
        w.key("workplaceType"); w.string(l.workplaceType)
        w.key("parentLocationId"); if l.parent >= 0 { w.id(locations[Int(l.parent)].id) } else { w.null() }
        w.key("type"); w.string(l.isHierarchy ? "LocationHierarchy" : "Location")
        w.key("extraData"); w.null()
        w.endObject()
    }

    func renderSource(_ i: Int32, _ w: inout JSONOut) {
        guard i >= 0 else { w.null(); return }
        let s = sources[Int(i)]
        w.beginObject()
        w.key("id"); w.id(s.id)
        w.key("title"); w.string(s.title)
        w.key("isArchived"); w.bool(s.isArchived)
        w.key("sourceType"); w.beginObject()
        w.key("id"); w.id(s.typeId); w.key("title"); w.string(s.typeTitle); w.key("isArchived"); w.bool(false)
        w.endObject()
        w.endObject()
    }

    func renderArchiveReason(_ i: Int32, _ w: inout JSONOut, embedded: Bool) {
        let r = archiveReasons[Int(i)]
        w.beginObject()
        w.key("id"); w.id(r.id)
        w.key("text"); w.string(r.text)
        w.key("reasonType"); w.string(r.reasonType)
        w.key("isArchived"); w.bool(r.isArchived)
        if embedded { w.key("customFields"); w.emptyArray() }
        w.endObject()
    }

    func renderCloseReason(_ i: Int32, _ w: inout JSONOut) {
        let r = closeReasons[Int(i)]
        w.beginObject()
        w.key("id"); w.id(r.id); w.key("reasonText"); w.string(r.reasonText); w.key("isArchived"); w.bool(r.isArchived)
        w.endObject()
    }

    func renderTag(_ i: Int32, _ w: inout JSONOut) {
        let t = tags[Int(i)]
        w.beginObject()
        w.key("id"); w.id(t.id); w.key("title"); w.string(t.title); w.key("isArchived"); w.bool(t.isArchived)
        w.endObject()
    }

    /// A record's custom field values as Ashby sends them (`id` of the field, its `isPrivate` and `title`,
    /// the `value`, and `valueLabel` for select fields); `[]` without values.
    func renderCustomValues(_ values: [CustomValueRec], _ w: inout JSONOut) {
        w.beginArray()
        for v in values {
            let f = customFields[Int(v.field)]
            w.beginObject()
            w.key("id"); w.id(f.id)
            w.key("isPrivate"); w.bool(f.isPrivate)
            w.key("title"); w.string(f.title)
            w.key("value"); w.value(v.value)
            if f.fieldType == "ValueSelect", let label = v.value.stringValue { w.key("valueLabel"); w.string(label) }
            w.endObject()
        }
        w.endArray()
    }

    func renderCustomField(_ i: Int32, _ w: inout JSONOut) {
        let f = customFields[Int(i)]
        w.beginObject()
        w.key("id"); w.id(f.id)
        w.key("isPrivate"); w.bool(f.isPrivate)
        w.key("title"); w.string(f.title)
        w.key("objectType"); w.string(f.objectType)
        w.key("isArchived"); w.bool(f.isArchived)
        w.key("fieldType"); w.string(f.fieldType)
        w.key("isRequired"); w.bool(f.isRequired)
        if !f.selectableValues.isEmpty {
            w.key("selectableValues"); w.beginArray()
            for v in f.selectableValues {
                w.beginObject(); w.key("label"); w.string(v); w.key("value"); w.string(v); w.key("isArchived"); w.bool(false); w.endObject()
            }
            w.endArray()
        }
        w.key("isEditableOnlyViaPublicApi"); w.bool(false)
        w.endObject()
    }

    func renderPlan(_ i: Int32, _ w: inout JSONOut) {
        let p = plans[Int(i)]
        w.beginObject()
        w.key("id"); w.id(p.id); w.key("title"); w.string(p.title); w.key("isArchived"); w.bool(p.isArchived)
        w.key("createdAt"); w.time(p.createdAt); w.key("updatedAt"); w.time(p.updatedAt)
        w.endObject()
    }

    func renderStage(_ i: Int32, _ w: inout JSONOut) {
        let s = stages[Int(i)]
        w.beginObject()
        w.key("id"); w.id(s.id)
        w.key("title"); w.string(s.title)
        w.key("type"); w.string(s.type.rawValue)
        w.key("interviewPlanId"); w.id(plans[Int(s.plan)].id)
        w.key("orderInInterviewPlan"); w.int(s.order)
        w.key("interviewStageGroupId"); w.id(s.groupId)
        w.endObject()
    }

    func renderInterview(_ i: Int32, _ w: inout JSONOut) {
        let v = interviews[Int(i)]
        w.beginObject()
        w.key("id"); w.id(v.id)
        w.key("title"); w.string(v.title)
        w.key("externalTitle"); w.string(v.title)
        w.key("isArchived"); w.bool(v.isArchived)
        w.key("isDebrief"); w.bool(v.isDebrief)
        w.key("isFeedbackRequired"); w.bool(!v.isDebrief)
        w.key("isFeedbackRequested"); w.bool(!v.isDebrief)
        w.key("instructionsHtml"); w.null()
        w.key("instructionsPlain"); w.null()
        if v.job >= 0 { w.key("jobId"); w.id(jobs[Int(v.job)].id) }
        w.key("feedbackFormDefinitionId"); w.id(v.feedbackFormId)
        w.endObject()
    }

    func renderHiringTeam(_ team: [Int32], _ w: inout JSONOut) {
        w.beginArray()
        for (n, u) in team.enumerated() {
            let user = users[Int(u)]
            w.beginObject()
            w.key("userId"); w.id(user.id)
            w.key("firstName"); w.string(user.firstName)
            w.key("lastName"); w.string(user.lastName)
            w.key("email"); w.string(user.email)
            w.key("role"); w.rawString(n == 0 ? "Hiring Manager" : "Recruiter")
            w.endObject()
        }
        w.endArray()
    }

    func renderJob(_ i: Int32, _ w: inout JSONOut, expandLocation: Bool = false, expandOpenings: Bool = false) {
        let j = jobs[Int(i)]
        w.beginObject()
        w.key("id"); w.id(j.id)
        w.key("title"); w.string(j.title)
        w.key("confidential"); w.bool(j.confidential)
        w.key("status"); w.string(j.status.rawValue)
        w.key("employmentType"); w.string(j.employmentType)
        w.key("locationId"); w.id(locations[Int(j.location)].id)
        w.key("departmentId"); w.id(departments[Int(j.department)].id)
        w.key("defaultInterviewPlanId"); w.id(plans[Int(j.plan)].id)
        w.key("interviewPlanIds"); w.beginArray(); w.id(plans[Int(j.plan)].id); w.endArray()
        w.key("jobPostingIds"); w.beginArray()
        if j.posting >= 0 && postings[Int(j.posting)].published { w.id(postings[Int(j.posting)].id) }
        w.endArray()
        w.key("customFields"); renderCustomValues(j.customValues, &w)
        w.key("hiringTeam"); renderHiringTeam(j.hiringTeam, &w)
        // The spec types this as a uuid; the recording shows null. Requisition numbers live on openings.
        w.key("customRequisitionId"); w.null()
        w.key("brandId"); w.id(brandId)
        w.key("author"); renderUser(j.author, &w)
        w.key("createdAt"); w.time(j.createdAt)
        w.key("updatedAt"); w.time(j.updatedAt)
        w.key("openedAt"); w.time(j.openedAt)
        w.key("closedAt"); w.time(j.closedAt)
        if expandLocation { w.key("location"); renderLocation(j.location, &w) }
        if expandOpenings {
            w.key("openings"); w.beginArray()
            if openingsEnabled { for o in j.openings { renderOpening(o, &w) } }
            w.endArray()
        }
        w.endObject()
    }

    func renderPosting(_ i: Int32, _ w: inout JSONOut, full: Bool) {
        let p = postings[Int(i)]
        let j = jobs[Int(p.job)]
        let loc = locations[Int(j.location)]
        var top = j.department
        while departments[Int(top)].parent >= 0 { top = departments[Int(top)].parent }
        let link = "https://jobs.ashbyhq.com/simcorp/\(p.id.string)"
        w.beginObject()
        w.key("id"); w.id(p.id)
        w.key("title"); w.string(j.title)
        if full {
            let text = "Join SimCorp as \(j.title). You will work with the \(departments[Int(j.department)].name) team."
            w.key("descriptionPlain"); w.string(text)
            w.key("descriptionHtml"); w.string("<p>\(text)</p>")
            w.key("descriptionSocial"); w.string("Join SimCorp as \(j.title).")
            w.key("descriptionParts"); w.beginObject()
            w.key("descriptionOpening"); w.null()
            w.key("descriptionBody"); w.beginObject(); w.key("html"); w.string("<p>\(text)</p>"); w.key("plain"); w.string(text); w.endObject()
            w.key("descriptionClosing"); w.null()
            w.endObject()
        }
        w.key("jobId"); w.id(j.id)
        w.key("departmentName"); w.string(departments[Int(top)].name)
        w.key("teamName"); w.string(departments[Int(j.department)].name)
        if full {
            var chain: [String] = []
            var d = j.department
            while d >= 0 { chain.insert(departments[Int(d)].name, at: 0); d = departments[Int(d)].parent }
            w.key("teamNameHierarchy"); w.beginArray(); for n in chain { w.string(n) }; w.endArray()
        }
        w.key("locationName"); w.string(loc.name)
        if !full { w.key("locationExternalName"); w.string(loc.name) }
        w.key("locationIds"); w.beginObject(); w.key("primaryLocationId"); w.id(loc.id); w.key("secondaryLocationIds"); w.emptyArray(); w.endObject()
        w.key("workplaceType"); w.string(p.workplaceType)
        if full {
            w.key("address"); w.beginObject(); w.key("postalAddress"); w.beginObject()
            w.key("addressCountry"); w.string(loc.country); w.key("addressLocality"); w.string(loc.city)
            w.endObject(); w.endObject()
            w.key("isRemote"); w.bool(p.workplaceType == "Remote")
        }
        w.key("employmentType"); w.string(j.employmentType)
        w.key("isListed"); w.bool(p.isListed)
        if !full { w.key("publishedDate"); w.date(day: p.publishedDay) }
        w.key("applicationDeadline"); w.null()
        w.key("externalLink"); w.string(link)
        w.key("applyLink"); w.string(link + "/application")
        if full {
            renderPostingExtras(p, j, loc, &w)
            w.key("surveyFormDefinitions"); w.emptyArray()
            w.key("suppressDescriptionOpening"); w.bool(false)
            w.key("suppressDescriptionClosing"); w.bool(false)
        } else {
            w.key("compensationTierSummary"); w.string(compensationSummary(p, loc))
            w.key("shouldDisplayCompensationOnJobBoard"); w.bool(false)
        }
        w.key("updatedAt"); w.time(p.updatedAt)
        w.endObject()
    }

    func compensationRange(_ p: PostingRec) -> (Int, Int) {
        let low = 80_000 + Int(p.id.lo % 8) * 10_000
        return (low, low + 40_000)
    }

    func compensationSummary(_ p: PostingRec, _ loc: LocationRec) -> String {
        let (low, high) = compensationRange(p)
        return "\(FakeData.currencies[loc.country] ?? "USD") \(low / 1000)K – \(high / 1000)K"
    }

    /// `jobPosting.info`'s schema.org data, application form and compensation blocks.
    private func renderPostingExtras(_ p: PostingRec, _ j: JobRec, _ loc: LocationRec, _ w: inout JSONOut) {
        let schemaType: StaticString
        switch j.employmentType {
        case "PartTime": schemaType = "PART_TIME"
        case "Contract": schemaType = "CONTRACTOR"
        case "Intern": schemaType = "INTERN"
        case "Temporary": schemaType = "TEMPORARY"
        default: schemaType = "FULL_TIME"
        }
        let currency = FakeData.currencies[loc.country] ?? "USD"
        let (low, high) = compensationRange(p)
        let summary = compensationSummary(p, loc)
        w.key("linkedData"); w.beginObject()
        w.key("@context"); w.rawString("https://schema.org/")
        w.key("@type"); w.rawString("JobPosting")
        w.key("title"); w.string(j.title)
        w.key("description"); w.string("<p>Join SimCorp as \(j.title).</p>")
        w.key("directApply"); w.bool(false)
        w.key("identifier"); w.beginObject()
        w.key("@type"); w.rawString("PropertyValue"); w.key("name"); w.string(j.title); w.key("value"); w.id(p.id)
        w.endObject()
        w.key("datePosted"); w.date(day: p.publishedDay)
        w.key("hiringOrganization"); w.beginObject()
        w.key("@type"); w.rawString("Organization"); w.key("name"); w.rawString("SimCorp"); w.key("sameAs"); w.rawString("https://simcorp.example/")
        w.endObject()
        w.key("jobLocation"); w.beginObject()
        w.key("@type"); w.rawString("Place")
        w.key("address"); w.beginObject()
        w.key("@type"); w.rawString("PostalAddress"); w.key("addressLocality"); w.string(loc.city); w.key("addressCountry"); w.string(loc.country)
        w.endObject()
        w.endObject()
        w.key("employmentType"); w.rawString(schemaType)
        w.key("baseSalary"); w.beginObject()
        w.key("@type"); w.rawString("MonetaryAmount"); w.key("currency"); w.string(currency)
        w.key("value"); w.beginObject()
        w.key("@type"); w.rawString("QuantitativeValue"); w.key("minValue"); w.int(low); w.key("maxValue"); w.int(high); w.key("unitText"); w.rawString("YEAR")
        w.endObject()
        w.endObject()
        w.endObject()
        w.key("publishedDate"); w.date(day: p.publishedDay)
        w.key("applicationFormDefinition"); w.beginObject()
        w.key("sections"); w.beginArray(); w.beginObject(); w.key("fields"); w.beginArray()
        let fields: [(StaticString, StaticString, StaticString, Bool)] = [
            ("String", "_systemfield_name", "Name", true), ("Email", "_systemfield_email", "Email", true),
            ("Phone", "_systemfield_phone", "Phone", false), ("File", "_systemfield_resume", "Resume", true),
            ("LongText", "_systemfield_cover_letter", "Cover Letter", false),
        ]
        for (n, (type, path, title, required)) in fields.enumerated() {
            w.beginObject()
            w.key("isRequired"); w.bool(required)
            w.key("field"); w.beginObject()
            w.key("id"); w.id(SimID(hi: p.id.hi ^ UInt64(n + 1), lo: p.id.lo))
            w.key("type"); w.rawString(type); w.key("path"); w.rawString(path); w.key("humanReadablePath"); w.rawString(title)
            w.key("title"); w.rawString(title); w.key("isNullable"); w.bool(!required)
            w.endObject()
            if n == 4 {
                w.key("descriptionHtml"); w.rawString("<p>Tell us why this role interests you.</p>")
                w.key("descriptionPlain"); w.rawString("Tell us why this role interests you.")
            }
            w.endObject()
        }
        let experienceId = SimID(hi: p.id.hi ^ 0xE0, lo: p.id.lo)
        w.beginObject()
        w.key("isRequired"); w.bool(true)
        w.key("field"); w.beginObject()
        w.key("id"); w.id(experienceId); w.key("type"); w.rawString("ValueSelect"); w.key("path"); w.id(experienceId)
        w.key("humanReadablePath"); w.rawString(""); w.key("title"); w.rawString("How many years of relevant experience do you have?")
        w.key("isNullable"); w.bool(false)
        w.key("selectableValues"); w.beginArray()
        for v: StaticString in ["0-2 years", "2-5 years", "5-10 years", "10+ years"] {
            w.beginObject(); w.key("label"); w.rawString(v); w.key("value"); w.rawString(v); w.endObject()
        }
        w.endArray()
        w.endObject()
        w.endObject()
        w.endArray(); w.endObject(); w.endArray()
        w.endObject()
        w.key("compensation"); w.beginObject()
        w.key("compensationTierSummary"); w.string(summary)
        w.key("summaryComponents"); w.beginArray()
        w.beginObject()
        w.key("compensationType"); w.rawString("Salary"); w.key("interval"); w.rawString("1 YEAR"); w.key("currencyCode"); w.string(currency)
        w.key("minValue"); w.int(low); w.key("maxValue"); w.int(high); w.key("summary"); w.string(summary)
        w.endObject()
        w.endArray()
        w.key("compensationTiers"); w.beginArray(); w.beginObject()
        w.key("id"); w.id(SimID(hi: p.id.hi ^ 0xC0, lo: p.id.lo))
        w.key("tierSummary"); w.string(summary); w.key("title"); w.null(); w.key("additionalInformation"); w.null()
        w.key("components"); w.beginArray(); w.beginObject()
        w.key("id"); w.id(SimID(hi: p.id.hi ^ 0xC1, lo: p.id.lo))
        w.key("summary"); w.string(summary); w.key("compensationType"); w.rawString("Salary"); w.key("interval"); w.rawString("1 YEAR")
        w.key("currencyCode"); w.string(currency); w.key("minValue"); w.int(low); w.key("maxValue"); w.int(high)
        w.endObject(); w.endArray()
        w.endObject(); w.endArray()
        // The recording names this `shouldDisplayCompensation`, the spec `shouldDisplayCompensationOnJobBoard`
        // (required); send both.
        w.key("shouldDisplayCompensation"); w.bool(true)
        w.key("shouldDisplayCompensationOnJobBoard"); w.bool(true)
        w.endObject()
    }

    func renderOpening(_ i: Int32, _ w: inout JSONOut) {
        let o = openings[Int(i)]
        w.beginObject()
        w.key("id"); w.id(o.id)
        w.key("openedAt"); w.time(o.openedAt)
        w.key("closedAt"); w.time(o.closedAt)
        w.key("isArchived"); w.bool(o.isArchived)
        if let a = o.archivedAt { w.key("archivedAt"); w.time(a) }
        w.key("closeReasonId"); if o.closeReason >= 0 { w.id(closeReasons[Int(o.closeReason)].id) } else { w.null() }
        w.key("openingState"); w.string(o.state.rawValue)
        w.key("latestVersion"); w.beginObject()
        w.key("id"); w.id(o.versionId)
        w.key("identifier"); w.string(o.identifier)
        w.key("description"); w.string("")
        w.key("authorId"); w.id(users[Int(o.author)].id)
        w.key("createdAt"); w.time(o.versionCreatedAt)
        w.key("teamId"); w.id(departments[Int(o.team)].id)
        w.key("jobIds"); w.beginArray(); for j in o.jobs { w.id(jobs[Int(j)].id) }; w.endArray()
        w.key("targetHireDate"); if let d = o.targetHireDay { w.date(day: d) } else { w.null() }
        w.key("targetStartDate"); if let d = o.targetStartDay { w.date(day: d) } else { w.null() }
        w.key("isBackfill"); w.bool(o.isBackfill)
        w.key("employmentType"); w.string(o.employmentType)
        w.key("locationIds"); w.beginArray(); for l in o.locations { w.id(locations[Int(l)].id) }; w.endArray()
        w.key("hiringTeam"); w.emptyArray()
        w.key("customFields"); w.emptyArray()
        w.endObject()
        w.endObject()
    }

    private func contact(_ value: String, _ w: inout JSONOut) {
        w.beginObject(); w.key("value"); w.string(value); w.key("type"); w.rawString("Personal"); w.key("isPrimary"); w.bool(true); w.endObject()
    }

    // The renderers read records in place (`Array.withElement`) rather than copying one out of its
    // array: a copy retains and releases every string and array the record holds, which was a tenth of
    // the simulator's time serving a full listing.

    func renderCandidate(_ i: Int32, _ w: inout JSONOut) {
        candidates.withElement(at: Int(i)) { renderCandidate($0, &w) }
    }

    private func renderCandidate(_ c: CandidateRec, _ w: inout JSONOut) {
        w.beginObject()
        w.key("id"); w.id(c.id)
        w.key("createdAt"); w.time(c.createdAt)
        w.key("updatedAt"); w.time(c.updatedAt)
        w.key("name"); w.string(c.name)
        w.key("primaryEmailAddress"); contact(c.email, &w)
        w.key("emailAddresses"); w.beginArray(); contact(c.email, &w)
        if let alt = c.altEmail {
            w.beginObject(); w.key("value"); w.string(alt); w.key("type"); w.rawString("Work"); w.key("isPrimary"); w.bool(false); w.endObject()
        }
        w.endArray()
        if let p = c.phone { w.key("primaryPhoneNumber"); contact(p, &w) }
        w.key("phoneNumbers"); w.beginArray(); if let p = c.phone { contact(p, &w) }; w.endArray()
        w.key("socialLinks"); w.beginArray()
        if let l = c.linkedIn { w.beginObject(); w.key("type"); w.rawString("LinkedIn"); w.key("url"); w.string(l); w.endObject() }
        w.endArray()
        w.key("tags"); w.beginArray(); for t in c.tags { renderTag(t, &w) }; w.endArray()
        // Unknown profile fields are absent, not null, in the recordings.
        if let v = c.position { w.key("position"); w.string(v) }
        if let v = c.company { w.key("company"); w.string(v) }
        if let v = c.school { w.key("school"); w.string(v) }
        w.key("applicationIds"); w.beginArray()
        for a in c.applications where !applications[Int(a)].deleted { w.id(applications[Int(a)].id) }
        w.endArray()
        if let r = c.resumeId {
            w.key("resumeFileHandle"); fileHandle(r, c.name, &w)
        }
        w.key("fileHandles"); w.beginArray(); if let r = c.resumeId { fileHandle(r, c.name, &w) }; w.endArray()
        w.key("customFields"); renderCustomValues(c.customValues, &w)
        w.key("profileUrl"); w.idString("https://app.ashbyhq.com/candidate-searches/new/right-side/candidates/", c.id)
        w.key("source"); renderSource(c.source, &w)
        w.key("creditedToUser"); renderUserOrNull(c.creditedTo, &w)
        w.key("timezone"); w.string(c.timezone)
        w.key("fraudStatus"); w.null()
        if c.location >= 0 {
            let l = locations[Int(c.location)]
            w.key("location"); w.beginObject()
            w.key("id"); w.id(l.id)
            w.key("locationSummary"); w.string([l.city, l.region, l.country].compactMap { $0 }.joined(separator: ", "))
            w.key("locationComponents"); w.beginArray()
            w.beginObject(); w.key("type"); w.rawString("Country"); w.key("name"); w.string(l.country); w.endObject()
            if let r = l.region { w.beginObject(); w.key("type"); w.rawString("Region"); w.key("name"); w.string(r); w.endObject() }
            if let c = l.city { w.beginObject(); w.key("type"); w.rawString("City"); w.key("name"); w.string(c); w.endObject() }
            w.endArray()
            w.endObject()
        }
        w.endObject()
    }

    private func fileHandle(_ id: SimID, _ name: String, _ w: inout JSONOut) {
        w.beginObject()
        w.key("id"); w.id(id)
        w.key("name"); w.string("\(name) Resume.pdf")
        if fileHandleSignature != 0 {
            // Like Ashby's: a signed URL-like handle that differs on every read.
            w.key("handle"); w.string("sim-file-\(id.string)?Expires=\(fileHandleSignature >> 40)&Signature=\(String(fileHandleSignature, radix: 16))")
        } else {
            w.key("handle"); w.idString("sim-file-", id)
        }
        w.endObject()
    }

    func renderHistory(_ h: HistoryRec, number: Int, _ w: inout JSONOut) {
        w.beginObject()
        w.key("id"); w.id(h.id)
        w.key("stageId"); w.id(stages[Int(h.stage)].id)
        w.key("title"); w.string(stages[Int(h.stage)].title)
        w.key("stageNumber"); w.int(number)
        w.key("enteredStageAt"); w.time(h.enteredAt)
        if let l = h.leftAt { w.key("leftStageAt"); w.time(l) }
        w.key("allowedActions"); w.beginArray(); w.rawString("set_entered_at"); w.rawString("delete"); w.endArray()
        w.key("actorId"); if h.actor >= 0 { w.id(users[Int(h.actor)].id) } else { w.null() }
        w.endObject()
    }

    func renderApplication(_ i: Int32, _ w: inout JSONOut, info: Bool, expandOpenings: Bool) {
        applications.withElement(at: Int(i)) { a in
            candidates.withElement(at: Int(a.candidate)) { c in
                jobs.withElement(at: Int(a.job)) { j in
                    renderApplication(a, c, j, &w, info: info, expandOpenings: expandOpenings)
                }
            }
        }
    }

    private func renderApplication(_ a: ApplicationRec, _ c: CandidateRec, _ j: JobRec, _ w: inout JSONOut, info: Bool,
                                   expandOpenings: Bool) {
        w.beginObject()
        w.key("id"); w.id(a.id)
        w.key("createdAt"); w.time(a.createdAt)
        w.key("updatedAt"); w.time(a.updatedAt)
        if let at = a.archivedAt { w.key("archivedAt"); w.time(at) }
        w.key("candidate"); w.beginObject()
        w.key("id"); w.id(c.id)
        w.key("name"); w.string(c.name)
        w.key("primaryEmailAddress"); contact(c.email, &w)
        if let p = c.phone { w.key("primaryPhoneNumber"); contact(p, &w) }
        w.endObject()
        w.key("status"); w.string(a.status.rawValue)
        if info, let r = c.resumeId { w.key("resumeFileHandle"); fileHandle(r, c.name, &w) }
        w.key("customFields"); renderCustomValues(a.customValues, &w)
        w.key("currentInterviewStage"); renderStage(a.stage, &w)
        w.key("source"); renderSource(a.source, &w)
        w.key("creditedToUser"); renderUserOrNull(a.creditedTo, &w)
        w.key("archiveReason"); if a.archiveReason >= 0 { renderArchiveReason(a.archiveReason, &w, embedded: true) } else { w.null() }
        w.key("job"); w.beginObject()
        w.key("id"); w.id(j.id)
        w.key("title"); w.string(j.title)
        w.key("locationId"); w.id(locations[Int(j.location)].id)
        w.key("departmentId"); w.id(departments[Int(j.department)].id)
        if !info { w.key("brandId"); w.id(brandId) }
        w.endObject()
        w.key("hiringTeam"); renderHiringTeam(j.hiringTeam, &w)
        // Sourced applications came through no posting; the key is then absent.
        if a.posting >= 0 { w.key("appliedViaJobPostingId"); w.id(postings[Int(a.posting)].id) }
        if info {
            w.key("applicationHistory"); w.beginArray()
            for (n, h) in a.history.enumerated() { renderHistory(h, number: n, &w) }
            w.endArray()
        }
        w.key("submitterClientIp"); w.null()
        w.key("submitterUserAgent"); w.null()
        if expandOpenings {
            w.key("openings"); w.beginArray()
            if openingsEnabled {
                for o in a.offers where !offers[Int(o)].deleted {
                    let op = offers[Int(o)].versions.last!.opening
                    if op >= 0 { renderOpening(op, &w) }
                }
            }
            w.endArray()
        }
        w.endObject()
    }

    func renderOfferVersion(_ v: OfferVersionRec, _ w: inout JSONOut) {
        w.beginObject()
        w.key("id"); w.id(v.id)
        // The spec types startDate as date-time (mocks elsewhere use YYYY-MM-DD); follow the spec.
        w.key("startDate"); w.time(Int64(v.startDay) * 86_400_000)
        w.key("salary"); w.beginObject(); w.key("currencyCode"); w.string(v.currency); w.key("value"); w.int(v.salary); w.endObject()
        w.key("createdAt"); w.time(v.createdAt)
        w.key("openingId"); if openingsEnabled && v.opening >= 0 { w.id(openings[Int(v.opening)].id) } else { w.null() }
        w.key("customFields"); w.emptyArray()
        w.key("fileHandles"); w.emptyArray()
        w.key("author"); renderUser(v.author, &w)
        w.key("approvalStatus"); w.string(v.approvalStatus)
        w.endObject()
    }

    func renderOffer(_ i: Int32, _ w: inout JSONOut, info: Bool) {
        let o = offers[Int(i)]
        w.beginObject()
        w.key("id"); w.id(o.id)
        w.key("decidedAt"); w.time(o.decidedAt)
        w.key("applicationId"); w.id(applications[Int(o.application)].id)
        w.key("acceptanceStatus"); w.string(o.acceptanceStatus)
        w.key("offerStatus"); w.string(o.offerStatus)
        w.key("latestVersion"); renderOfferVersion(o.versions.last!, &w)
        if info {
            w.key("versions"); w.beginArray()
            for v in o.versions.reversed() { renderOfferVersion(v, &w) }
            w.endArray()
            w.key("formDefinition"); w.beginObject(); w.key("sections"); w.emptyArray(); w.endObject()
        }
        w.endObject()
    }

    func renderSchedule(_ i: Int32, _ w: inout JSONOut) {
        schedules.withElement(at: Int(i)) { renderSchedule($0, &w) }
    }

    private func renderSchedule(_ s: ScheduleRec, _ w: inout JSONOut) {
        w.beginObject()
        w.key("id"); w.id(s.id)
        w.key("status"); w.string(s.status)
        w.key("applicationId"); w.id(applications[Int(s.application)].id)
        w.key("interviewStageId"); w.id(stages[Int(s.stage)].id)
        w.key("scheduledBy"); renderUser(s.scheduledBy, &w)
        w.key("createdAt"); w.time(s.createdAt)
        w.key("updatedAt"); w.time(s.updatedAt)
        w.key("interviewEvents"); w.beginArray()
        for e in s.events {
            w.beginObject()
            w.key("id"); w.id(e.id)
            w.key("interviewId"); w.id(interviews[Int(e.interview)].id)
            w.key("interviewScheduleId"); w.id(s.id)
            w.key("interviewerUserIds"); w.beginArray(); for u in e.interviewers { w.id(users[Int(u)].id) }; w.endArray()
            w.key("interviewers"); w.beginArray()
            for u in e.interviewers {
                w.beginObject()
                users.withElement(at: Int(u)) { renderUserFields($0, &w) }
                w.key("trainingRole"); w.null(); w.key("interviewerPool"); w.null(); w.key("isFeedbackRequired"); w.bool(true)
                w.endObject()
            }
            w.endArray()
            w.key("createdAt"); w.time(e.createdAt)
            w.key("updatedAt"); w.time(e.updatedAt)
            w.key("startTime"); w.time(e.start)
            w.key("endTime"); w.time(e.end)
            w.key("feedbackLink"); w.idString("https://app.ashbyhq.com/interview-briefings/", e.id, "/feedback")
            w.key("location"); w.null()
            w.key("meetingLink"); w.string(e.meetingLink)
            w.key("hasSubmittedFeedback"); w.bool(e.hasSubmittedFeedback)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}
