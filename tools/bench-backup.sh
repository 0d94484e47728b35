#!/usr/bin/env bash
# Backup figures (release build): syncs a simulated world (default large) into a fresh store, then times
# `hireledger backup` (verify the source, compacted copy, verify the copy), `hireledger verify` alone and
# `hireledger restore`, each as a whole process, and prints the store and backup sizes with MB/s.
# Usage: tools/bench-backup.sh [SIZE] [SEED]   (SIZE tiny|small|medium|large, default large)
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-large}"; seed="${2:-1}"
swift build -c release --product hireledger >&2
swift build -c release --product ashby-sim >&2
bin=.build/release
work=$(mktemp -d)
sim=""
cleanup() { [[ -n $sim ]] && kill "$sim" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bin/ashby-sim" --port 0 --size "$size" --seed "$seed" > "$work/sim.out" &
sim=$!
for _ in $(seq 1 600); do grep -q "^api key" "$work/sim.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^ashby-sim listening on //p' "$work/sim.out")
sed -n 's/^api key[^:]*: *//p' "$work/sim.out" > "$work/key"; chmod 600 "$work/key"
store="$work/store"
"$bin/hireledger" sync --store "$store" --base-url "$url" --api-key-file "$work/key" > /dev/null
kill "$sim"; wait "$sim" 2>/dev/null || true; sim=""
events=$("$bin/hireledger" status --store "$store" --format json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["eventCount"])')
store_bytes=$(stat -c %s "$store/data.mdb")
seconds() { python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic(); r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
if r.returncode: sys.stderr.write(r.stderr.decode()); sys.exit(r.returncode)
print("%.2f" % (time.monotonic() - t))
PY
}
# Timed with the store in the page cache (it was just written), as a scheduled backup after a sync finds it.
t_verify=$(seconds "$bin/hireledger" verify --store "$store")
t_backup=$(seconds "$bin/hireledger" backup --store "$store" "$work/backup")
backup_file=$(find "$work/backup" -name data.mdb | head -1)
backup_bytes=$(stat -c %s "$backup_file")
t_restore=$(seconds "$bin/hireledger" restore --store "$work/restored" "$(dirname "$backup_file")")
mb() { python3 -c "print('%.1f' % ($1 / 1e6))"; }
rate() { python3 -c "print('%.0f' % ($1 / 1e6 / max($2, 1e-9)))"; }
echo "backup bench: world $size (seed $seed), $events events; release build; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load $(cut -d' ' -f1 /proc/loadavg)"
echo "store data.mdb: $(mb "$store_bytes") MB; compacted backup: $(mb "$backup_bytes") MB ($(python3 -c "print('%.0f' % (100 * $backup_bytes / $store_bytes))") % of the store)"
echo "verify (whole process): $t_verify s ($(rate "$store_bytes" "$t_verify") MB/s of store)"
echo "backup (verify source + compacted copy + verify copy, whole process): $t_backup s ($(rate "$store_bytes" "$t_backup") MB/s of store)"
echo "restore (verify + install, whole process): $t_restore s"
