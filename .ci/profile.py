#!/usr/bin/env python3
"""Where a signed-in learner's chapter page spends its time (run through
`.ci/do profile`).

Starts the release binary on a fresh SQLite file and loads the same chapter
with wrk as different visitors, reading the server's own CPU time (user +
system, from /proc) before and after each run: CPU time per request does
not depend on how many cores the load generator took. Variants that differ
by one step give the breakdown:

  A  anonymous visitor: the kept page (HTTP, routing, page cache)
  B  guest who has not read it: A + session lookup + marks query
  F  signed-in learner, uncompressed: B + rendering (+ ETag)
  E  signed-in learner, brotli: F + compression

so rendering = F - B, compression = E - F, lookups = B - A.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import budget  # noqa: E402  (same folder: its server, sign-in and guest helpers)

CHAPTER = "/courses/thanh-toan-khong-tien-mat/ma-otp"
SECONDS = os.environ.get("PROFILE_SECONDS", "4")
ROUNDS = int(os.environ.get("PROFILE_ROUNDS", "5"))
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def cpu_per_request(pid, url, headers):
    args = []
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    before = cpu_seconds(pid)
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{SECONDS}s", *args, url],
                         capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(pid) - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not bad, f"{url}: {bad.group(0)}"
    return used / requests * 1e6


def main():
    with tempfile.TemporaryDirectory() as tmp:
        server, addr, _ = budget.start_server(tmp)
        base = "http://" + addr
        try:
            learner = budget.signed_in_cookie(base, tmp)
            guest = budget.guest_cookie(base, CHAPTER.rsplit("/", 1)[0] + "/thanh-toan-ma-qr")
            budget.fetch(base + CHAPTER)  # an anonymous visit fills the page cache
            br = {"Accept-Encoding": "br, gzip"}
            variants = {
                "A": br,
                "B": {**br, "Cookie": guest},
                "F": {"Cookie": learner},
                "E": {**br, "Cookie": learner},
            }
            # Interleaved rounds, median of each: a busy moment on the shared
            # machine then spoils one sample, not one variant.
            samples = {name: [] for name in variants}
            for _ in range(ROUNDS):
                for name, headers in variants.items():
                    samples[name].append(cpu_per_request(server.pid, base + CHAPTER, headers))
            runs = {name: sorted(s)[len(s) // 2] for name, s in samples.items()}
        finally:
            server.terminate()
            server.wait()
    a, b, f, e = runs["A"], runs["B"], runs["F"], runs["E"]
    print(f"== where a signed-in learner's chapter page goes: server CPU per request (median of {ROUNDS} runs of {SECONDS} s)")
    for label, cost in [
        ("HTTP, routing, headers (the anonymous kept page)", a),
        ("session lookup and the chapter's marks query", b - a),
        ("rendering the page (leptos) and its ETag", f - b),
        ("compression (brotli 1)", e - f),
    ]:
        print(f"  {label:52} {cost:7.0f} us  {cost / e:4.0%}")
    print(f"  {'signed-in chapter, in all':52} {e:7.0f} us")
    print(f"  a guest's kept chapter costs {b:.0f} us ({e / b:.1f}x less than signed-in), "
          f"an anonymous one {a:.0f} us")


if __name__ == "__main__":
    main()
