#!/usr/bin/env bash
# Soak test of `hireledger serve` (not run by CI): 16 concurrent clients mixing event pages, views on both
# time axes, record state, SSE streams and webhook subscription changes, while a syncer advances an
# `ashby-sim` process one day and runs `hireledger sync` every 20 s. Reports requests, errors and the
# server's RSS over time (heap and store map apart); fails on any error or when the heap (anonymous RSS)
# grows by more than 20 % after warm-up.
# Usage: tools/soak.sh [SECONDS] (default 600). Builds release binaries when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
# SOAK_CONFIGURATION=debug soaks the debug build instead (slower; for a quick check).
configuration="${SOAK_CONFIGURATION:-release}"
bin="$(swift build -c "$configuration" --show-bin-path)"
[[ -x $bin/hireledger && -x $bin/ashby-sim ]] || swift build -c "$configuration" --product hireledger --product ashby-sim
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$bin/ashby-sim" --port 0 --size small --seed 5 > "$work/sim.out" &
pids+=($!)
for _ in $(seq 1 100); do grep -q "^api key" "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
sim_url=$(sed -n 's/^ashby-sim listening on //p' "$work/sim.out")
sim_key=$(sed -n 's/^api key[^:]*: *//p' "$work/sim.out")
printf '%s\n' "$sim_key" > "$work/ashby-key"; chmod 600 "$work/ashby-key"
store="$work/store"
"$bin/hireledger" sync --store "$store" --base-url "$sim_url" --api-key-file "$work/ashby-key" > /dev/null
python3 -c 'import secrets; print(secrets.token_hex(32))' > "$work/token"; chmod 600 "$work/token"
"$bin/hireledger" serve --store "$store" --port 0 --token-file "$work/token" --allow-private-webhooks 2> "$work/serve.err" &
server=$!
pids+=($server)
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^HireLedger API on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.err"); [[ -n $port ]] && break; sleep 0.1
done
[[ -n $port ]] || { cat "$work/serve.err" >&2; exit 1; }

SOAK_SECONDS=$seconds SOAK_PORT=$port SOAK_TOKEN=$(cat "$work/token") SOAK_SERVER_PID=$server SOAK_SIM_URL=$sim_url \
SOAK_SYNC="$bin/hireledger sync --store $store --base-url $sim_url --api-key-file $work/ashby-key" python3 - <<'PY'
import http.client, http.server, json, os, random, subprocess, threading, time, urllib.request

SECONDS = float(os.environ["SOAK_SECONDS"]); PORT = int(os.environ["SOAK_PORT"]); TOKEN = os.environ["SOAK_TOKEN"]
PID = int(os.environ["SOAK_SERVER_PID"]); SIM = os.environ["SOAK_SIM_URL"]; SYNC = os.environ["SOAK_SYNC"].split()
AUTH = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
lock = threading.Lock()
stats = {"requests": 0, "errors": 0, "sse_events": 0, "syncs": 0, "webhooks": 0}
errors = []
latencies = []
stop = time.time() + SECONDS

class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock: stats["webhooks"] += 1
        self.send_response(204); self.end_headers()
    def log_message(self, *a): pass
receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
hook = "http://127.0.0.1:%d/hook?token=soak" % receiver.server_address[1]

def record(ok, what):
    with lock:
        stats["requests"] += 1
        if not ok:
            stats["errors"] += 1
            if len(errors) < 20: errors.append(what)

def call(method, path, body=None, expect=(200,)):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    t = time.time()
    try:
        c.request(method, path, body=None if body is None else json.dumps(body), headers=AUTH)
        r = c.getresponse(); data = r.read()
        with lock: latencies.append(time.time() - t)
        ok = r.status in expect
        record(ok, "%s %s -> %d %s" % (method, path, r.status, data[:200]))
        return json.loads(data) if ok and data else None
    except Exception as e:
        record(False, "%s %s -> %r" % (method, path, e)); return None
    finally: c.close()

def sse(after):
    """Reads a stream for up to 3 s; a caught-up stream is quiet between heartbeats (15 s), so a read
    that times out after the status line is the normal end of this client's visit, not an error."""
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    n = 0
    try:
        c.request("GET", "/v1/events/stream", headers=dict(AUTH, **{"Last-Event-ID": str(after)}))
        r = c.getresponse()
        if r.status != 200: record(False, "SSE -> %d" % r.status); return
        c.sock.settimeout(3)
        end = time.time() + random.uniform(0.5, 3)
        try:
            while time.time() < end and n < 2000:
                line = r.fp.readline()
                if not line: break
                if line.startswith(b"id:"): n += 1
        except TimeoutError:
            pass
        record(True, "")
        with lock: stats["sse_events"] += n
    except Exception as e: record(False, "SSE %r" % e)
    finally: c.close()

def client(i):
    rnd = random.Random(i)
    days = ["2025-%02d-%02d" % (m, d) for m in range(1, 13) for d in (1, 15)]
    while time.time() < stop:
        k = rnd.random()
        page = call("GET", "/v1/events?limit=%d" % rnd.randint(1, 1000)) or {}
        last = page.get("lastSeq", 1) or 1
        if k < 0.3:
            after = rnd.randint(0, last)
            for _ in range(rnd.randint(1, 5)):
                p = call("GET", "/v1/events?after=%d&limit=%d&types=%s" % (after, rnd.randint(1, 500), rnd.choice(["application.*", "record.*", "offer.*,opening.*"])))
                if not p or p.get("next") is None: break
                after = p["next"]
        elif k < 0.55:
            q = "as_of=%s&known_at=%s" % (rnd.choice(days), rnd.choice(days))
            call("GET", rnd.choice(["/v1/headcount?by=department,location&" + q, "/v1/pipeline?by=job&" + q,
                                    "/v1/changes?since=2025-01-01&known_at=%s" % rnd.choice(days)]))
        elif k < 0.65:
            events = page.get("events") or []
            if events:
                kind, _, ident = rnd.choice(events)["subject"].partition("/")
                call("GET", "/v1/state/%s/%s?known_at=%s" % (kind, urllib.request.quote(ident, safe=""), rnd.choice(days)))
        elif k < 0.85:
            sse(rnd.randint(max(0, last - 5000), last))
        else:
            created = call("POST", "/v1/subscriptions", {"url": hook, "types": ["application.*"], "start": "now"}, expect=(201,))
            if created:
                sid = created["subscription"]["id"]
                call("PATCH", "/v1/subscriptions/" + sid, {"types": ["record.*"]})
                call("GET", "/v1/subscriptions")
                call("GET", "/v1/subscriptions/%s/failures" % sid)
                call("DELETE", "/v1/subscriptions/" + sid, expect=(204,))

def syncer():
    while time.time() < stop - 5:
        time.sleep(20)
        urllib.request.urlopen(urllib.request.Request(SIM + "/_sim/advance", data=b'{"days": 1}', method="POST",
                                                      headers={"Content-Type": "application/json"})).read()
        r = subprocess.run(SYNC, capture_output=True)
        with lock:
            stats["syncs"] += 1
            if r.returncode != 0: stats["errors"] += 1; errors.append("sync failed: %s" % r.stderr[-300:])

# RSS is sampled in its two parts: anonymous memory (the heap: a leak shows here) and file pages (the
# store's memory map: it grows with the store, as syncs append, and the kernel can drop it at will).
rss = []
def sampler():
    start = time.time()
    while time.time() < stop:
        with open("/proc/%d/status" % PID) as f:
            kb = {l.split(":")[0]: int(l.split()[1]) for l in f if l.startswith(("VmRSS", "RssAnon", "RssFile"))}
        rss.append((time.time() - start, kb["RssAnon"], kb["RssFile"], kb["VmRSS"])); time.sleep(5)

threads = [threading.Thread(target=client, args=(i,)) for i in range(16)] + [threading.Thread(target=syncer), threading.Thread(target=sampler)]
for t in threads: t.start()
for t in threads: t.join()
latencies.sort()
warm = [r for r in rss if r[0] >= SECONDS * 0.2] or rss
# Growth of the heap after warm-up: the median of the last five samples against the first five, so one
# sample taken mid-request does not decide it.
def median(xs): xs = sorted(xs); return xs[len(xs) // 2]
first = median([r[1] for r in warm[:5]]); last = median([r[1] for r in warm[-5:]])
growth = (last - first) / first * 100
print("soak: %.0f s, 16 clients: %d requests (%d SSE events, %d webhook deliveries), %d syncs, %d errors"
      % (SECONDS, stats["requests"], stats["sse_events"], stats["webhooks"], stats["syncs"], stats["errors"]))
print("latency p50 %.1f ms, p99 %.1f ms" % (latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000))
print("serve anonymous RSS (heap): start %d MiB, after warm-up %d MiB, end %d MiB, max %d MiB (growth after warm-up %.1f %%)"
      % (rss[0][1] // 1024, first // 1024, last // 1024, max(r[1] for r in rss) // 1024, growth))
print("serve file-backed RSS (store map): start %d MiB, end %d MiB; total RSS start %d MiB, end %d MiB, max %d MiB"
      % (rss[0][2] // 1024, rss[-1][2] // 1024, rss[0][3] // 1024, rss[-1][3] // 1024, max(r[3] for r in rss) // 1024))
for e in errors: print("  error:", e)
raise SystemExit(1 if stats["errors"] or growth > 20 else 0)
PY
