#!/usr/bin/env python3
"""Where a chapter page's time goes (run through `.ci/do profile`).

Runs the release binary under valgrind's callgrind, which counts CPU
instructions rather than seconds: the figures repeat for the same binary
and requests whatever else the shared machine is doing. It sends the same
chapter N times as a signed-in learner, as a guest who has not read it, and
as an anonymous visitor, and prints each kind's instructions per request,
split by where they are spent (the function's own cost, grouped by crate).
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import budget  # noqa: E402  (same folder: reuse its server and sign-in helpers)

REQUESTS = int(os.environ.get("PROFILE_REQUESTS", "200"))
CHAPTER = "/courses/thanh-toan-khong-tien-mat/ma-otp"

# Symbol (demangled) -> part of the work. First match wins.
PARTS = [
    ("database: SQLite", r"sqlite3|libsqlite3"),
    ("database: sqlx driver and pool", r"sqlx"),
    ("compression (brotli/gzip)", r"brotli|flate2|zlib|miniz|deflate"),
    ("page cache and ETags (SHA-256)", r"sha2::|hocvu::web::page_cache"),
    ("rendering and page logic (leptos)", r"leptos|tachys|reactive_graph|any_spawner|hydration_context|"
                                           r"throw_error|or_poisoned|hocvu::(?!web|server|accounts::ssr)"),
    ("HTTP (hyper, axum, tower)", r"hyper|axum|tower|http::|httparse|h2::"),
    ("sessions and headers", r"hocvu::(web|server|accounts::ssr)|cookie|uuid"),
    ("async runtime (tokio)", r"tokio|mio::|futures|parking_lot"),
    ("memory (malloc, copies)", r"malloc|free|realloc|memcpy|memmove|memset|alloc::|_int_|calloc|core::ptr"),
    ("formatting and strings", r"core::fmt|alloc::fmt|core::str|alloc::str|String"),
]


def profile(label, cookie, tmp, binary):
    out = os.path.join(tmp, f"callgrind.{label}")
    db = os.path.join(tmp, f"profile-{label}.db")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "serve", "--addr", "127.0.0.1:0",
         "--database-url", f"sqlite:{db}"],
        cwd=budget.ROOT, stdout=subprocess.PIPE, stderr=open(out + ".log", "w"), text=True,
    )
    for line in proc.stdout:
        if line.startswith("hocvu listening on http://"):
            base = "http://" + line.split("http://", 1)[1].strip()
            break
    else:
        sys.exit("server did not start under valgrind: " + open(out + ".log").read()[-2000:])
    headers = {"Accept-Encoding": "br, gzip"}
    if cookie:
        headers["Cookie"] = cookie(base, os.path.basename(db))
    # Warm up (first render, page cache fill), then measure REQUESTS.
    for _ in range(3):
        urllib.request.urlopen(urllib.request.Request(base + CHAPTER, headers=headers)).read()
    subprocess.run(["callgrind_control", "--zero", str(proc.pid)], check=True, capture_output=True)
    for _ in range(REQUESTS):
        urllib.request.urlopen(urllib.request.Request(base + CHAPTER, headers=headers)).read()
    subprocess.run(["callgrind_control", "--dump", str(proc.pid)], check=True, capture_output=True)
    proc.kill()
    proc.wait()
    dumps = sorted(f for f in os.listdir(tmp) if f.startswith(f"callgrind.{label}.") and not f.endswith(".log"))
    text = subprocess.run(["callgrind_annotate", "--threshold=100", os.path.join(tmp, dumps[-1])],
                          capture_output=True, text=True, check=True).stdout
    return parts_of(text)


def parts_of(annotated):
    totals = collections.Counter()
    for line in annotated.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+(.*)", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        cost = int(m.group(1).replace(",", ""))
        symbol = m.group(2)
        part = next((name for name, pattern in PARTS if re.search(pattern, symbol)), "other")
        totals[part] += cost
    return totals


def main():
    binary = budget.BIN
    if not os.path.exists(binary):
        sys.exit(f"no release binary at {binary}: build it first (.ci/do budget builds it)")
    with tempfile.TemporaryDirectory() as tmp:
        learner = lambda base, db: budget.signed_in_cookie(base, tmp, db)  # noqa: E731
        guest = lambda base, _: budget.guest_cookie(base, CHAPTER.rsplit("/", 1)[0] + "/thanh-toan-ma-qr")  # noqa: E731
        runs = [("signed-in", learner), ("guest", guest), ("anonymous", None)]
        results = {label: profile(label, cookie, tmp, binary) for label, cookie in runs}
    parts = sorted({p for r in results.values() for p in r}, key=lambda p: -results["signed-in"][p])
    print(f"== where a chapter page's work goes: instructions per request (callgrind, {REQUESTS} requests each)")
    print(f"  {'':36}" + "".join(f"{label:>14}" for label, _ in runs))
    for part in parts:
        cells = "".join(f"{results[label][part] / REQUESTS:>14,.0f}" for label, _ in runs)
        print(f"  {part:36}{cells}")
    totals = {label: sum(r.values()) / REQUESTS for label, r in results.items()}
    print(f"  {'total':36}" + "".join(f"{totals[label]:>14,.0f}" for label, _ in runs))
    print(f"  signed-in costs {totals['signed-in'] / totals['anonymous']:.1f}x an anonymous kept page, "
          f"a guest {totals['guest'] / totals['anonymous']:.1f}x")


if __name__ == "__main__":
    main()
