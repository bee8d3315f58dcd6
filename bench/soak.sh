#!/usr/bin/env bash
# Soak test of `gongkai serve` (not part of `cargo test`): 50 connections request pages for
# SOAK_SECONDS (default 600) while a script edits, breaks, fixes, renames and deletes reports.
# Afterwards the output folder must equal a fresh full build byte for byte. Prints requests,
# errors, p50/p99 latency and the server's RSS at start, end and peak.
#
#   bench/soak.sh                 # 10 minutes on a copy of the example archive
#   SOAK_SECONDS=60 bench/soak.sh # a short run
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${SOAK_SECONDS:-600}
CONNECTIONS=${SOAK_CONNECTIONS:-50}
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r site.toml content "$work/"
port=$((20000 + RANDOM % 20000))
LANG=en_US.UTF-8 target/release/gongkai serve --root "$work" --port "$port" 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q "press Ctrl-C" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done

python3 - "$work" "$port" "$server" "$SECONDS_TOTAL" "$CONNECTIONS" <<'EOF'
import http.client, os, random, shutil, sys, threading, time

work, port, pid, total, conns = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
public = os.path.join(work, "public")

def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

pages = []
for d, _, files in os.walk(public):
    for n in files:
        if n.endswith((".html", ".json", ".csv", ".css", ".js", ".xml")):
            pages.append("/" + os.path.relpath(os.path.join(d, n), public))
stop = time.time() + total
lat, errors, statuses = [], [0], {}
lock = threading.Lock()

def client(seed):
    rnd = random.Random(seed)
    c = None
    while time.time() < stop:
        path = rnd.choice(pages)
        t = time.perf_counter()
        try:
            if c is None:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                statuses[r.status] = statuses.get(r.status, 0) + 1
        except Exception:
            with lock:
                errors[0] += 1
            c = None

content = os.path.join(work, "content")
reports = sorted(os.path.join(content, a, f) for a in os.listdir(content)
                 for f in os.listdir(os.path.join(content, a)) if f.endswith(".md"))
originals = {p: open(p, encoding="utf-8").read() for p in reports}

def editor():
    rnd = random.Random(7)
    step = 0
    while os.environ.get("SOAK_EDITS") != "0" and time.time() < stop - 5:
        p = rnd.choice(reports)
        text = originals[p]
        kind = step % 5
        if kind == 0:    # edit a figure
            open(p, "w", encoding="utf-8").write(text.replace("= [0", f"= [{step % 90 + 1}", 1))
        elif kind == 1:  # break the TOML, then fix it
            open(p, "w", encoding="utf-8").write(text.replace("]", "", 1))
            time.sleep(0.3)
            open(p, "w", encoding="utf-8").write(text)
        elif kind == 2:  # rename away and back
            os.rename(p, p + ".moved")
            time.sleep(0.3)
            os.rename(p + ".moved", p)
        elif kind == 3:  # delete and restore
            os.remove(p)
            time.sleep(0.3)
            open(p, "w", encoding="utf-8").write(text)
        else:            # restore the published text
            open(p, "w", encoding="utf-8").write(text)
        step += 1
        time.sleep(rnd.uniform(0.2, 1.0))
    for p, text in originals.items():
        open(p, "w", encoding="utf-8").write(text)
    return step

rss = [rss_kb()]
threads = [threading.Thread(target=client, args=(i,)) for i in range(conns)]
for t in threads:
    t.start()
edits = [0]
ed = threading.Thread(target=lambda: edits.__setitem__(0, editor()))
ed.start()
while time.time() < stop:
    time.sleep(10)
    rss.append(rss_kb())
for t in threads + [ed]:
    t.join()
time.sleep(3)  # the last rebuild settles
rss.append(rss_kb())
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] * 1000 if lat else float("nan")
print(f"duration {total} s, {conns} connections, {edits[0]} edits")
print(f"requests {len(lat)}, errors {errors[0]}, statuses {dict(sorted(statuses.items()))}")
print(f"latency p50 {q(0.5):.1f} ms, p99 {q(0.99):.1f} ms")
print(f"server RSS start {rss[0] // 1024} MB, end {rss[-1] // 1024} MB, peak {max(rss) // 1024} MB")
print("RSS every 10 s (MB): " + " ".join(str(r // 1024) for r in rss))
EOF

LANG=en_US.UTF-8 target/release/gongkai build --root "$work" -o "$work/fresh" 2>/dev/null || {
  echo "the fresh build failed (the server still holds the output lock?)" >&2; exit 1; }
if diff -r -q --exclude=.gongkai-output "$work/public" "$work/fresh" >/dev/null; then
  echo "the served output equals a fresh full build, byte for byte"
else
  echo "the served output differs from a fresh full build:" >&2
  diff -r -q "$work/public" "$work/fresh" | head >&2
  exit 1
fi
