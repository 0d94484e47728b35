extension PipelineState {
    /// Canonical JSON form (see `Projection.encode`).
    public var json: JSONValue {
        func instant(_ i: Instant?) -> JSONValue { i.map { [StateCoding.ts($0.valid), StateCoding.ts($0.known)] } ?? .null }
        func fills(_ d: [String: Fill]) -> JSONValue {
            .object(StateCoding.object(uniqueKeys: d.map { id, f in
                (id, ["departmentId": StateCoding.str(f.departmentId), "jobId": StateCoding.str(f.jobId),
                      "opened": instant(f.opened), "accepted": instant(f.accepted), "startDay": StateCoding.int(f.startDay)])
            }))
        }
        return [
            "applications": .object(StateCoding.object(uniqueKeys: applications.map { id, a in
                (id, ["jobId": StateCoding.str(a.jobId), "departmentId": StateCoding.str(a.departmentId),
                      "entries": .array(a.entries.map { [.string($0.stageId), StateCoding.ts($0.valid), StateCoding.ts($0.known)] })])
            })),
            "stages": .object(StateCoding.object(uniqueKeys: stages.map { id, s in
                (id, ["title": StateCoding.str(s.title), "type": StateCoding.str(s.type), "order": StateCoding.int(s.order)])
            })),
            "jobs": .object(StateCoding.object(uniqueKeys: jobs.map { id, j in
                (id, ["title": StateCoding.str(j.title), "departmentId": StateCoding.str(j.departmentId)])
            })),
            "openingFills": fills(openingFills),
            "jobFills": fills(jobFills),
            "departments": departments.json,
            "head": StateCoding.ts(head),
        ]
    }

    /// Exactly `json.canonicalBytes()`, written directly (see `StateWriter`); every object's members
    /// in UTF-8 byte order.
    public func canonicalBytes() -> [UInt8] {
        func instant(_ w: inout JSONWriter, _ i: Instant?) {
            guard let i else { w.append("null"); return }
            w.append(UInt8(ascii: "["))
            w.writeTimestamp(i.valid)
            w.append(UInt8(ascii: ","))
            w.writeTimestamp(i.known)
            w.append(UInt8(ascii: "]"))
        }
        func fills(_ w: inout JSONWriter, _ d: [String: Fill]) {
            StateWriter.object(&w, d) { w, f in
                w.append("{\"accepted\":")
                instant(&w, f.accepted)
                w.append(",\"departmentId\":")
                w.writeOptional(f.departmentId)
                w.append(",\"jobId\":")
                w.writeOptional(f.jobId)
                w.append(",\"opened\":")
                instant(&w, f.opened)
                w.append(",\"startDay\":")
                if let d = f.startDay { w.writeInt(Int64(d)) } else { w.append("null") }
                w.append(UInt8(ascii: "}"))
            }
        }
        return StateWriter.bytes(capacity: 1 << 20) { w in
            w.append("{\"applications\":")
            StateWriter.object(&w, applications) { w, a in
                w.append("{\"departmentId\":")
                w.writeOptional(a.departmentId)
                w.append(",\"entries\":[")
                // Indexing the buffer borrows each entry; `for e in a.entries` retained its string.
                a.entries.withUnsafeBufferPointer { entries in
                    for i in entries.indices {
                        w.append(i == 0 ? "[" : ",[")
                        w.writeString(entries[i].stageId)
                        w.append(UInt8(ascii: ","))
                        w.writeTimestamp(entries[i].valid)
                        w.append(UInt8(ascii: ","))
                        w.writeTimestamp(entries[i].known)
                        w.append(UInt8(ascii: "]"))
                    }
                }
                w.append("],\"jobId\":")
                w.writeOptional(a.jobId)
                w.append(UInt8(ascii: "}"))
            }
            w.append(",\"departments\":")
            departments.writeCanonical(&w)
            w.append(",\"head\":")
            w.writeTimestamp(head)
            w.append(",\"jobFills\":")
            fills(&w, jobFills)
            w.append(",\"jobs\":")
            StateWriter.object(&w, jobs) { w, j in
                w.append("{\"departmentId\":")
                w.writeOptional(j.departmentId)
                w.append(",\"title\":")
                w.writeOptional(j.title)
                w.append(UInt8(ascii: "}"))
            }
            w.append(",\"openingFills\":")
            fills(&w, openingFills)
            w.append(",\"stages\":")
            StateWriter.object(&w, stages) { w, s in
                w.append("{\"order\":")
                if let o = s.order { w.writeInt(Int64(o)) } else { w.append("null") }
                w.append(",\"title\":")
                w.writeOptional(s.title)
                w.append(",\"type\":")
                w.writeOptional(s.type)
                w.append(UInt8(ascii: "}"))
            }
            w.append(UInt8(ascii: "}"))
        }
    }

    public init(json: JSONValue) throws(ProjectionStateError) {
        func instant(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> Instant? {
            guard let v, !v.isNull else { return nil }
            let a = try StateCoding.array(v, what)
            guard a.count == 2 else { throw ProjectionStateError("\(what) has \(a.count) members, not 2") }
            return Instant(valid: try StateCoding.timestamp(a[0], what), known: try StateCoding.timestamp(a[1], what))
        }
        func fills(_ v: JSONValue?, _ what: String) throws(ProjectionStateError) -> [String: Fill] {
            var out: [String: Fill] = [:]
            for m in try StateCoding.object(v ?? .null, what) {
                out[m.key] = Fill(departmentId: try StateCoding.optString(m.value["departmentId"], "\(what).departmentId"),
                                  jobId: try StateCoding.optString(m.value["jobId"], "\(what).jobId"),
                                  opened: try instant(m.value["opened"], "\(what).opened"),
                                  accepted: try instant(m.value["accepted"], "\(what).accepted"),
                                  startDay: try StateCoding.optInt(m.value["startDay"], "\(what).startDay"))
            }
            return out
        }
        self.init()
        let apps = try StateCoding.object(json["applications"] ?? .null, "applications")
        applications.reserveCapacity(apps.count)
        for m in apps {
            var a = Application(jobId: try StateCoding.optString(m.value["jobId"], "application.jobId"),
                                departmentId: try StateCoding.optString(m.value["departmentId"], "application.departmentId"))
            for e in try StateCoding.array(m.value["entries"], "application.entries") {
                let t = try StateCoding.array(e, "stage entry")
                guard t.count == 3 else { throw ProjectionStateError("stage entry has \(t.count) members, not 3") }
                a.entries.append(StageEntry(stageId: try StateCoding.string(t[0], "stage entry id"),
                                            valid: try StateCoding.timestamp(t[1], "stage entry valid"),
                                            known: try StateCoding.timestamp(t[2], "stage entry known")))
            }
            applications[m.key] = a
        }
        for m in try StateCoding.object(json["stages"] ?? .null, "stages") {
            stages[m.key] = Stage(title: try StateCoding.optString(m.value["title"], "stage.title"),
                                  type: try StateCoding.optString(m.value["type"], "stage.type"),
                                  order: try StateCoding.optInt(m.value["order"], "stage.order"))
        }
        for m in try StateCoding.object(json["jobs"] ?? .null, "jobs") {
            jobs[m.key] = Job(title: try StateCoding.optString(m.value["title"], "job.title"),
                              departmentId: try StateCoding.optString(m.value["departmentId"], "job.departmentId"))
        }
        openingFills = try fills(json["openingFills"], "openingFills")
        jobFills = try fills(json["jobFills"], "jobFills")
        departments = try EntityTimelines(json: json["departments"] ?? .null)
        head = try StateCoding.timestamp(json["head"], "head")
    }
}
