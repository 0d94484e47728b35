// The planner page: reads the same API as everything else (/v1/...), authorized by the session
// cookie, and draws it with Chart.js. No build step; every table it shows has a CSV link to the API.
// For tests: window.planner.charts holds the Chart.js charts, document.body.dataset.renders counts
// finished renders, dataset.busy is "1" while one runs, and planner.firstRenderMs is the time from
// navigation start to the end of the first render (bench page). With `serve --deployment` the page
// offers the accounts its token may read and planner.account is the one shown.
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var planner = { charts: {}, data: {}, renders: 0 };
  window.planner = planner;
  var colors = { planned: "#1f5fa8", open: "#e08a1e", committed: "#2f9e5a", filled: "#7a4cb0", slipped: "#c8372d", known: "#8a8f98" };
  var status = null;
  var generation = 0;
  var accountGeneration = 0;
  // Where the API is: /v1 for one store; /v1/accounts/NAME with `serve --deployment` (pickAccount).
  var base = "/v1";
  function api(path) { return base + path; }

  function fail(message) {
    var e = $("error");
    e.textContent = message;
    e.hidden = false;
  }

  function getJSON(path) {
    return fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (r.status === 401) { window.location.assign("/login"); throw new Error("signed out"); }
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body && body.detail) || ("HTTP " + r.status + " for " + path));
        return body;
      });
    });
  }

  function getText(path) {
    return fetch(path, { credentials: "same-origin", headers: { Accept: "text/csv" } }).then(function (r) {
      if (r.status === 401) { window.location.assign("/login"); throw new Error("signed out"); }
      return r.text().then(function (t) { if (!r.ok) throw new Error("HTTP " + r.status + " for " + path); return t; });
    });
  }

  // RFC 4180: quoted fields may hold commas, doubled quotes and line breaks.
  function parseCSV(text) {
    var rows = [], row = [], field = "", i = 0, q = false;
    while (i < text.length) {
      var c = text[i];
      if (q) {
        if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
        if (c === '"') { q = false; i++; continue; }
        field += c; i++; continue;
      }
      if (c === '"') { q = true; i++; continue; }
      if (c === ",") { row.push(field); field = ""; i++; continue; }
      if (c === "\r" && text[i + 1] === "\n") { i++; continue; }
      if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++; continue; }
      field += c; i++;
    }
    if (field !== "" || row.length) { row.push(field); rows.push(row); }
    var header = rows.shift() || [];
    return rows.map(function (r) { var o = {}; header.forEach(function (h, k) { o[h] = r[k]; }); return o; });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) {
      var v = params[k];
      // Empty values mean "not set" (no grouping is by=none).
      if (v !== undefined && v !== null && v !== "") parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k]; else if (k === "className") e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function table(container, columns, rows) {
    var t = el("table", {}, [el("thead", {}, [el("tr", {}, columns.map(function (c) {
      return el("th", { text: c.title, className: c.numeric ? "num" : "" });
    }))])]);
    var body = el("tbody");
    rows.forEach(function (r) {
      body.appendChild(el("tr", {}, columns.map(function (c) {
        var v = c.value(r);
        var td = el("td", { className: c.numeric ? "num" : "" });
        if (v instanceof Node) td.appendChild(v); else td.textContent = v === null || v === undefined ? "" : String(v);
        return td;
      })));
    });
    t.appendChild(body);
    container.replaceChildren(rows.length ? t : el("p", { className: "note", text: "Nothing in this window." }));
  }

  function controls() {
    return {
      asOf: $("asOf").value, knownAt: $("knownAt").value, from: $("from").value, to: $("to").value,
      dimension: $("dimension").value, group: $("group").value,
      pipelineBy: $("pipelineBy").value, pipelineRow: $("pipelineRow").value,
      since: $("since").value, until: $("until").value,
    };
  }

  function axes(c) { return { as_of: c.asOf, known_at: c.knownAt }; }

  function groupKey(row, dimension) {
    if (dimension === "department") return row.department ? row.department.id : "";
    if (dimension === "location") return row.location ? row.location.id : "";
    return row.employmentType || "";
  }

  function groupLabel(row, dimension) {
    if (dimension === "department") return row.department ? row.department.path.join(" / ") : "(no department)";
    if (dimension === "location") return row.location ? (row.location.name || row.location.id) : "(no location)";
    return row.employmentType || "(no employment type)";
  }

  function chart(id, config) {
    if (typeof Chart === "undefined") {
      var canvas = $(id);
      if (!canvas.dataset.noted) {
        canvas.dataset.noted = "1";
        canvas.parentNode.appendChild(el("p", { className: "note", text: "Charts need Chart.js: install the Debian package libjs-chart.js and restart hireledger serve. The tables below hold the same figures." }));
      }
      return null;
    }
    if (planner.charts[id]) {
      planner.charts[id].data = config.data;
      planner.charts[id].options = config.options;
      planner.charts[id].update("none");
    } else {
      planner.charts[id] = new Chart($(id), config);
    }
    return planner.charts[id];
  }

  function lineOptions(yTitle) {
    return {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12, font: { size: 13 } } } },
      scales: { y: { beginAtZero: true, title: { display: true, text: yTitle, font: { size: 13 } }, ticks: { precision: 0, font: { size: 12 } } },
                x: { ticks: { font: { size: 12 } } } },
    };
  }

  function counts(point, c) {
    if (!c.group) return point.totals;
    var row = point.rows.find(function (r) { return groupKey(r, c.dimension) === c.group; });
    var z = { planned: 0, committed: 0, filled: 0, slipped: 0, slippedDays: 0, closedUnfilled: 0, newHeadcount: 0, backfills: 0 };
    var x = row ? row.counts : z;
    return Object.assign({}, x, { open: Math.max(0, x.planned - x.committed) });
  }

  function fillGroups(series, c) {
    var seen = {};
    var options = [];
    series.points.forEach(function (p) {
      p.rows.forEach(function (r) {
        var k = groupKey(r, c.dimension);
        if (k === "" || seen[k]) return;
        seen[k] = true;
        options.push({ key: k, label: groupLabel(r, c.dimension), depth: r.department ? r.department.path.length - 1 : 0 });
      });
    });
    options.sort(function (a, b) { return a.label.localeCompare(b.label); });
    var select = $("group");
    var current = select.value;
    select.replaceChildren(el("option", { value: "", text: "All (total)" }));
    options.forEach(function (o) {
      // The department tree: each level indented under its parent (rows roll up their sub-departments).
      var label = c.dimension === "department" ? "\u00a0\u00a0".repeat(o.depth) + o.label.split(" / ").pop() : o.label;
      select.appendChild(el("option", { value: o.key, text: label, title: o.label }));
    });
    select.value = seen[current] ? current : "";
  }

  function seriesDatasets(series, c) {
    var names = ["planned", "open", "committed", "filled"];
    return names.map(function (n) {
      return {
        label: n.charAt(0).toUpperCase() + n.slice(1), borderColor: colors[n], backgroundColor: colors[n], tension: 0.15,
        borderWidth: 2.5, pointRadius: 3,
        data: series.points.map(function (p) { return counts(p, c)[n]; }),
        segment: { borderDash: function (ctx) { return series.points[ctx.p1DataIndex].projected ? [6, 4] : undefined; } },
      };
    });
  }

  function renderSeries(series, known, c) {
    planner.data.series = series;
    fillGroups(series, c);
    c.group = $("group").value;
    var labels = series.points.map(function (p) { return p.period; });
    chart("headcountChart", { type: "line", data: { labels: labels, datasets: seriesDatasets(series, c) }, options: lineOptions("Roles") });
    $("seriesKnown").textContent = c.knownAt ? ", as known at " + c.knownAt : ", as known now";
    table($("seriesTable"), [
      { title: "Month", value: function (p) { return p.period + (p.projected ? " (projected)" : ""); } },
      { title: "Planned", numeric: true, value: function (p) { return counts(p, c).planned; } },
      { title: "Open", numeric: true, value: function (p) { return counts(p, c).open; } },
      { title: "Committed", numeric: true, value: function (p) { return counts(p, c).committed; } },
      { title: "Filled", numeric: true, value: function (p) { return counts(p, c).filled; } },
      { title: "Slipped", numeric: true, value: function (p) { return counts(p, c).slipped; } },
      { title: "Closed unfilled", numeric: true, value: function (p) { return counts(p, c).closedUnfilled; } },
    ], series.points);
    chart("bitemporalChart", {
      type: "line",
      data: { labels: labels, datasets: [
        { label: "True then (as known now)", borderColor: colors.planned, backgroundColor: colors.planned, borderWidth: 2.5,
          data: series.points.map(function (p) { return counts(p, c).planned; }) },
        { label: "Known then", borderColor: colors.known, backgroundColor: colors.known, borderDash: [5, 4], borderWidth: 2.5,
          data: known.points.map(function (p) { return counts(p, c).planned; }) },
      ] },
      options: lineOptions("Planned roles"),
    });
  }

  function renderPlan(view, c) {
    planner.data.headcount = view;
    var rows = view.rows.filter(function (r) { return !c.group || groupKey(r, c.dimension) === c.group; });
    var months = rows.map(function (r) { return r.month || "unscheduled"; });
    chart("planChart", {
      type: "bar",
      data: { labels: months, datasets: ["planned", "committed", "filled", "slipped"].map(function (n) {
        return { label: n.charAt(0).toUpperCase() + n.slice(1), backgroundColor: colors[n], data: rows.map(function (r) { return r.counts[n]; }) };
      }) },
      options: lineOptions("Roles"),
    });
    table($("planTable"), [
      { title: "Start month", value: function (r) { return r.month || "unscheduled"; } },
      { title: "Planned", numeric: true, value: function (r) { return r.counts.planned; } },
      { title: "New", numeric: true, value: function (r) { return r.counts.newHeadcount; } },
      { title: "Backfill", numeric: true, value: function (r) { return r.counts.backfills; } },
      { title: "Committed", numeric: true, value: function (r) { return r.counts.committed; } },
      { title: "Filled", numeric: true, value: function (r) { return r.counts.filled; } },
      { title: "Slipped", numeric: true, value: function (r) { return r.counts.slipped; } },
      { title: "Slip days", numeric: true, value: function (r) { return r.counts.slippedDays; } },
      { title: "Closed unfilled", numeric: true, value: function (r) { return r.counts.closedUnfilled; } },
    ], rows);
  }

  function stateLink(r) {
    var kind = r.opening_id ? "opening" : r.offer_id ? "offer" : r.application_id ? "application" : null;
    var id = r.opening_id || r.offer_id || r.application_id;
    if (!kind) return "";
    return el("a", { href: api("/state/" + kind) + "/" + encodeURIComponent(id), target: "_blank", rel: "noopener",
                     title: "The record's history on both time axes", text: r.identifier || kind });
  }

  function renderChanges(rows) {
    planner.data.changes = rows;
    var byKind = {};
    rows.forEach(function (r) { byKind[r.kind] = (byKind[r.kind] || 0) + 1; });
    $("changeSummary").replaceChildren.apply($("changeSummary"), Object.keys(byKind).sort().map(function (k) {
      return el("span", { className: "kpi" }, [el("b", { text: String(byKind[k]) }), " " + k.replace(/_/g, " ")]);
    }));
    var mark = function (r) {
      return r.observed_at.slice(0, 10) + (r.backfilled === "true" ? " ◆ backfilled" : "");
    };
    table($("changeTable"), [
      { title: "Occurred", value: function (r) { return r.occurred_at.slice(0, 10); } },
      { title: "Observed", value: mark },
      { title: "Change", value: function (r) { return r.kind.replace(/_/g, " "); } },
      { title: "Record", value: stateLink },
      { title: "Job", value: function (r) { return r.job || r.job_id; } },
      { title: "Department", value: function (r) { return r.department; } },
      { title: "Start", value: function (r) { return r.date; } },
      { title: "Moved", numeric: true, value: function (r) { return r.delta_days ? (r.delta_days > 0 ? "+" : "") + r.delta_days + " d" : ""; } },
    ], rows.slice().reverse());
    var slips = rows.filter(function (r) { return r.delta_days !== ""; });
    table($("slipTable"), [
      { title: "Record", value: stateLink },
      { title: "Job", value: function (r) { return r.job || r.job_id; } },
      { title: "From", value: function (r) { return r.previous_date; } },
      { title: "To", value: function (r) { return r.date; } },
      { title: "Days", numeric: true, value: function (r) { return (r.delta_days > 0 ? "+" : "") + r.delta_days; } },
    ], slips);
    var late = rows.filter(function (r) { return r.backfilled === "true"; });
    $("lateList").replaceChildren(el("p", { className: "note", text: late.length
      ? "◆ " + late.length + " change(s) in the window were recovered from Ashby's history after they happened (backfilled): they count as of when they occurred, but not as known before the sync that found them."
      : "No change in the window was learnt late (no backfilled changes)." }));
  }

  function funnelOf(view, c) {
    if (c.pipelineRow) {
      var row = view.rows.find(function (r) { return pipelineKey(r) === c.pipelineRow; });
      return row ? { funnel: row.funnel, stages: row.stages, timeToFill: row.timeToFill, label: pipelineLabel(row) } : null;
    }
    // All rows: job rows are disjoint, so their funnels add up (department rows may overlap).
    return null;
  }

  function pipelineKey(r) { return r.job ? "job:" + r.job.id : "department:" + (r.department ? r.department.id : ""); }
  function pipelineLabel(r) { return r.job ? (r.job.title || r.job.id) : (r.department ? r.department.path.join(" / ") : "(no department)"); }

  function renderPipeline(view, jobs, c) {
    planner.data.pipeline = view;
    var select = $("pipelineRow");
    var current = select.value;
    select.replaceChildren(el("option", { value: "", text: "All rows" }));
    var found = false;
    view.rows.slice().sort(function (a, b) { return pipelineLabel(a).localeCompare(pipelineLabel(b)); }).forEach(function (r) {
      if (pipelineKey(r) === current) found = true;
      select.appendChild(el("option", { value: pipelineKey(r), text: pipelineLabel(r) }));
    });
    select.value = found ? current : "";
    c.pipelineRow = select.value;
    var picked = funnelOf(view, c);
    var funnel;
    var stages;
    if (picked) {
      funnel = picked.funnel;
      stages = picked.stages;
    } else {
      var sums = {}, order = [];
      stages = [];
      jobs.rows.forEach(function (r) {
        r.funnel.forEach(function (s) { if (!(s.type in sums)) { sums[s.type] = 0; order.push(s.type); } sums[s.type] += s.reached; });
        stages = stages.concat(r.stages);
      });
      funnel = order.map(function (t, i) {
        var prev = i > 0 ? sums[order[i - 1]] : 0;
        return { type: t, reached: sums[t], conversion: i > 0 && prev > 0 ? sums[t] / prev : null };
      });
    }
    planner.data.funnel = funnel;
    $("funnelScope").textContent = picked ? picked.label : "all jobs";
    chart("funnelChart", {
      type: "bar",
      data: { labels: funnel.map(function (s) { return s.type + (s.conversion !== null && s.conversion !== undefined ? " (" + Math.round(s.conversion * 100) + "%)" : ""); }),
              datasets: [{ label: "Reached", backgroundColor: colors.planned, data: funnel.map(function (s) { return s.reached; }) }] },
      options: Object.assign(lineOptions("Applications"), { indexAxis: "y", plugins: { legend: { display: false } } }),
    });
    var ttf = picked ? picked.timeToFill : view.timeToFill;
    var kpi = function (label, v, unit) { return el("span", { className: "kpi" }, [el("b", { text: v === null || v === undefined ? "–" : String(Math.round(v)) + (unit || "") }), " " + label]); };
    $("timeToFill").replaceChildren(kpi("accepted offers", ttf.accepted), kpi("median days to acceptance", ttf.medianDaysToAccept, " d"),
                                    kpi("median days to start", ttf.medianDaysToStart, " d"));
    var byType = {}, types = [];
    stages.forEach(function (s) {
      var t = s.type || s.title || s.stageId;
      if (!byType[t]) { byType[t] = { type: t, current: 0, entered: 0, stays: 0, days: 0 }; types.push(t); }
      var b = byType[t];
      b.current += s.current; b.entered += s.entered;
      if (s.medianDaysInStage !== null) { b.stays += s.completedStays; b.days += s.medianDaysInStage * s.completedStays; }
    });
    table($("stageTable"), [
      { title: "Stage type", value: function (b) { return b.type; } },
      { title: "In stage now", numeric: true, value: function (b) { return b.current; } },
      { title: "Entered", numeric: true, value: function (b) { return b.entered; } },
      { title: "Median days in stage", numeric: true, value: function (b) { return b.stays ? (b.days / b.stays).toFixed(1) : ""; } },
    ], types.map(function (t) { return byType[t]; }));
  }

  function renderStatus(s) {
    var info = $("syncInfo");
    var parts = [];
    var last = s.lastSyncAt ? s.lastSyncAt.replace("T", " ").slice(0, 16) + " UTC" : "never";
    $("freshness").textContent = "Last sync " + last + " · " + s.eventCount + " events";
    parts.push(el("p", {}, ["Last sync: ", el("b", { text: last }), ". Latest change seen: " + (s.lastObservedAt || "none") + "."]));
    if (s.schedule) {
      var sc = s.schedule;
      var outcome = sc.running ? "running now" : sc.lastOutcome === "ok" ? "ok (" + (sc.lastSummary || "") + ")" : sc.lastOutcome === "failed" ? "FAILED: " + sc.lastError : "none yet";
      parts.push(el("p", { className: sc.lastOutcome === "failed" ? "error" : "", id: "scheduleLine" },
        ["Scheduled sync every " + Math.round(sc.intervalSeconds / 60) + " min; last: " + outcome + "; next: " + (sc.nextRunAt || (sc.running ? "after this one" : "–")) +
         ". Runs " + sc.runs + ", failures " + sc.failures + "."]));
    } else {
      parts.push(el("p", { className: "note", text: "No scheduled sync in this server: start it with --sync-every 6h, or run hireledger sync." }));
    }
    parts.push(el("p", { className: "note", text: s.skippedPermissions === null
      ? "Skipped permissions: this store does not record them; hireledger doctor checks the key's permissions."
      : "Skipped permissions: " + (s.skippedPermissions.length ? s.skippedPermissions.join(", ") : "none") }));
    info.replaceChildren.apply(info, parts);
    var t = el("div");
    table(t, [
      { title: "Entity type", value: function (r) { return r.entityType; } },
      { title: "Mode", value: function (r) { return r.mode; } },
      { title: "Finished", value: function (r) { return r.finishedAt.replace("T", " ").slice(0, 16); } },
      { title: "Records", numeric: true, value: function (r) { return r.records; } },
      { title: "Events", numeric: true, value: function (r) { return r.events; } },
    ], s.syncs);
    info.appendChild(t);
  }

  function csvLinks(c) {
    var a = axes(c);
    var urls = {
      series: api("/headcount/series") + query(Object.assign({ by: c.dimension, from: c.from, to: c.to, format: "csv" }, a)),
      headcount: api("/headcount") + query(Object.assign({ by: c.group ? c.dimension : "none", interval: "month", from: c.from, to: c.to, format: "csv" }, a)),
      pipeline: api("/pipeline") + query(Object.assign({ by: c.pipelineBy, format: "csv" }, a)),
      changes: api("/changes") + query({ since: c.since, until: c.until, known_at: c.knownAt, format: "csv" }),
    };
    document.querySelectorAll("a.csv").forEach(function (link) {
      link.href = urls[link.dataset.table];
      link.setAttribute("download", link.dataset.table + ".csv");
    });
    return urls;
  }

  function render() {
    var mine = ++generation;
    document.body.dataset.busy = "1";
    $("error").hidden = true;
    var c = controls();
    var a = axes(c);
    var seriesParams = Object.assign({ by: c.dimension, from: c.from, to: c.to }, a);
    var urls = csvLinks(c);
    return Promise.all([
      getJSON(api("/planner/status")),
      getJSON(api("/headcount/series") + query(seriesParams)),
      getJSON(api("/headcount/series") + query({ by: c.dimension, from: c.from, to: c.to, axis: "knownAt", known_at: c.asOf || c.knownAt })),
      getJSON(api("/headcount") + query(Object.assign({ by: c.group ? c.dimension : "none", interval: "month", from: c.from, to: c.to }, a))),
      getJSON(api("/pipeline") + query(Object.assign({ by: c.pipelineBy }, a))),
      getJSON(api("/pipeline") + query(Object.assign({ by: "job" }, a))),
      getText(urls.changes),
    ]).then(function (r) {
      if (mine !== generation) return;
      status = r[0];
      renderStatus(r[0]);
      renderSeries(r[1], r[2], c);
      c.group = $("group").value;
      renderPlan(r[3], c);
      renderPipeline(r[4], r[5], c);
      renderChanges(parseCSV(r[6]));
      planner.renders++;
      if (planner.renders === 1) planner.firstRenderMs = performance.now();
      document.body.dataset.renders = String(planner.renders);
    }).catch(function (e) {
      if (mine === generation) fail("Could not load the views: " + e.message);
    }).finally(function () {
      if (mine === generation) document.body.dataset.busy = "0";
    });
  }

  function isoDay(t) { return t ? t.slice(0, 10) : ""; }

  // The account's status sets the default window of changes (the 30 days before its latest event),
  // then everything is drawn. `since`/`until` are cleared first when the account changes.
  function loadAccount() {
    var mine = ++accountGeneration;
    return getJSON(api("/planner/status")).then(function (s) {
      if (mine !== accountGeneration) return;
      var head = s.head || s.lastObservedAt;
      if (head && !$("until").value) {
        var d = new Date(head);
        $("until").value = isoDay(head);
        d.setUTCDate(d.getUTCDate() - 30);
        $("since").value = d.toISOString().slice(0, 10);
      }
      $("axisNote").textContent = "Empty dates: latest (" + (isoDay(head) || "no data yet") + "), as known now.";
      return render();
    }).catch(function (e) { if (mine === accountGeneration) fail("Could not load the store's status: " + e.message); });
  }

  // With `serve --deployment` (the page's body says so): the accounts the signed-in token may read
  // (the admin token: all; an account's token: its own), one of them picked (#account=NAME in the
  // address, else the first), and every panel reading /v1/accounts/NAME/... instead of /v1/...
  function pickAccount(name) {
    base = "/v1/accounts/" + encodeURIComponent(name);
    planner.account = name;
    document.body.dataset.account = name;
    $("account").value = name;
    if (window.location.hash !== "#account=" + encodeURIComponent(name)) history.replaceState(null, "", "#account=" + encodeURIComponent(name));
  }

  function loadAccounts() {
    return getJSON("/v1/accounts").then(function (body) {
      var list = body.accounts || [];
      planner.accounts = list.map(function (a) { return a.name; });
      var select = $("account");
      select.replaceChildren.apply(select, list.map(function (a) {
        return el("option", { value: a.name, text: a.name + (a.available ? "" : " (unavailable)") });
      }));
      $("accountPicker").hidden = false;
      if (!list.length) { fail("This token may read no account of this deployment."); return; }
      var m = /(?:^#|&)account=([^&]+)/.exec(window.location.hash);
      var wanted = m ? decodeURIComponent(m[1]) : null;
      var first = list.find(function (a) { return a.available; }) || list[0];
      pickAccount(planner.accounts.indexOf(wanted) >= 0 ? wanted : first.name);
      return loadAccount();
    }).catch(function (e) { fail("Could not list the accounts: " + e.message); });
  }

  function start() {
    if (document.body.dataset.deployment === "1") loadAccounts(); else loadAccount();
    $("account").addEventListener("change", function () {
      pickAccount($("account").value);
      $("since").value = ""; $("until").value = "";
      loadAccount();
    });
    ["asOf", "knownAt", "from", "to", "since", "until", "pipelineBy", "pipelineRow"].forEach(function (id) {
      $(id).addEventListener("change", render);
    });
    $("dimension").addEventListener("change", function () { $("group").value = ""; render(); });
    $("group").addEventListener("change", render);
    $("reset").addEventListener("click", function () { $("asOf").value = ""; $("knownAt").value = ""; render(); });
    // Keep the freshness line current while the page stays open (scheduled syncs).
    setInterval(function () { getJSON(api("/planner/status")).then(renderStatus).catch(function () {}); }, 30000);
  }

  planner.render = render;
  planner.parseCSV = parseCSV;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
