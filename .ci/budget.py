#!/usr/bin/env python3
"""Hocvu page-weight and throughput budget (run through `.ci/do budget`).

Starts the release binary on a fresh SQLite file, then for each page prints
bytes over the wire (brotli, as a phone browser asks), request count, and
requests/s with p50/p99 latency under a bounded loopback load (wrk, 64
connections, 10 s by default). Figures are for reading, not pass/fail: the
machine is shared, so compare ratios measured in one run.
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("HOCVU_BIN", os.path.join(ROOT, "target/release/hocvu"))
DURATION = os.environ.get("BUDGET_SECONDS", "10")
CONNECTIONS = os.environ.get("BUDGET_CONNECTIONS", "64")

BUDGET = {
    "first_html_css": 30 * 1024,
    "js_wasm": 80 * 1024,
    "repeat": 15 * 1024,
}


def start_server(tmp, content=None, name="budget"):
    db = os.path.join(tmp, f"{name}.db")
    args = [BIN, "serve", "--addr", "127.0.0.1:0", "--database-url", f"sqlite:{db}"]
    if content:
        args += ["--content", content]
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=open(os.path.join(tmp, f"{name}.log"), "w"),
        env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "info")},
        text=True,
    )
    start = time.monotonic()
    for line in proc.stdout:
        if line.startswith("hocvu listening on http://"):
            return proc, line.split("http://", 1)[1].strip(), time.monotonic() - start
    sys.exit("server did not start: " + open(os.path.join(tmp, f"{name}.log")).read())


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def generate_content(root, chapters=1000, per_course=25):
    """A handbook of `chapters` chapters made from the bundled ones."""
    src_root = os.path.join(ROOT, "content")
    sources = []
    for course in sorted(os.listdir(src_root)):
        d = os.path.join(src_root, course)
        if os.path.isdir(d):
            sources += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".md") and not f.endswith(".quiz.md")]
    for c in range(chapters // per_course):
        course = os.path.join(root, f"khoa-{c:03}")
        os.makedirs(course)
        names = []
        for i in range(per_course):
            src = sources[(c * per_course + i) % len(sources)]
            text = open(src).read()
            text = re.sub(r'^id = ".*"$', f'id = "bai-{c:03}-{i:02}"', text, count=1, flags=re.M)
            name = f"{i:02}-bai.md"
            names.append(name)
            # Links between the bundled chapters do not exist here.
            text = re.sub(r"\]\([0-9][^)]*\.md(#[^)]*)?\)", "](#)", text)
            open(os.path.join(course, name), "w").write(text)
            quiz = src[: -len(".md")] + ".quiz.md"
            if os.path.exists(quiz):
                open(os.path.join(course, f"{i:02}-bai.quiz.md"), "w").write(open(quiz).read())
        with open(os.path.join(course, "course.toml"), "w") as f:
            f.write(f'title = "Khóa thử {c}"\nsummary = "Sinh tự động"\naudience = "all"\n')


def large_catalog(tmp):
    content = os.path.join(tmp, "content-1000")
    generate_content(content)
    proc, addr, startup = start_server(tmp, content, "large")
    try:
        rss = rss_mb(proc.pid)
        body, _ = fetch(f"http://{addr}/courses/khoa-039/bai-039-24", "identity")
        assert b"<h1" in body, "generated chapter renders"
        print(f"\n== 1,000 chapters (40 courses x 25, with quizzes)")
        print(f"  start-up until listening {startup:.2f} s  [budget 2 s: {verdict(startup, 2)}]")
        print(f"  RSS after start {rss:.0f} MB  [budget 150 MB: {verdict(rss, 150)}]")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fetch(url, encoding="br"):
    req = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(req) as resp:
        return resp.read(), resp.headers


def page_weight(base, path):
    html, _ = fetch(base + path, "identity")
    html = html.decode()
    html_br, _ = fetch(base + path)
    css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    js = re.findall(r'<link rel="modulepreload" href="([^"]+)"', html)
    wasm = re.findall(r'<link rel="preload" href="([^"]+\.wasm)"', html)
    sizes = {"html": len(html_br)}
    for kind, urls in (("css", css), ("js", js), ("wasm", wasm)):
        sizes[kind] = sum(len(fetch(base + u)[0]) for u in urls)
    third_party = len(re.findall(r'(?:src|href)="(?:https?:)?//(?!' + re.escape(base.split("//")[1]) + ')', html))
    requests = 1 + len(css) + len(js) + len(wasm)
    return sizes, requests, third_party


def wrk_figures(out):
    """(requests/s, p50, p99, non-2xx/3xx count) from wrk --latency output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, lat.get("50"), lat.get("99"), int(errors.group(1)) if errors else 0


def load(url):
    out = subprocess.run(
        ["wrk", "-t2", "-c" + CONNECTIONS, "-d" + DURATION + "s", "--latency",
         "-H", "Accept-Encoding: br, gzip", url],
        capture_output=True, text=True, check=True,
    ).stdout
    return wrk_figures(out)


UUID_LUA = """
local function hex(n) local s = "" for i = 1, n do s = s .. string.format("%x", math.random(0, 15)) end return s end
function uuid() return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-8" .. hex(3) .. "-" .. hex(12) end
"""


def load_post(url, headers, body_lua, tmp, name):
    """wrk with a Lua script building each POST body (unique ids per request)."""
    script = os.path.join(tmp, f"{name}.lua")
    with open(script, "w") as f:
        f.write(UUID_LUA)
        f.write('wrk.method = "POST"\n')
        for k, v in headers.items():
            f.write(f'wrk.headers["{k}"] = "{v}"\n')
        f.write(f"request = function() return wrk.format(nil, nil, nil, {body_lua}) end\n")
    out = subprocess.run(
        ["wrk", "-t2", "-c" + CONNECTIONS, "-d" + DURATION + "s", "--latency", "-s", script, url],
        capture_output=True, text=True, check=True,
    ).stdout
    return wrk_figures(out)


def writes(base, tmp):
    """Durable writes: 'done reading' events and quiz submissions."""
    chapter = "/courses/thanh-toan-khong-tien-mat/ma-otp"
    req = urllib.request.Request(base + chapter + "/quiz")
    with urllib.request.urlopen(req) as resp:
        cookie = resp.headers["Set-Cookie"].split(";")[0]
        quiz = resp.read().decode()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": base}
    rps, p50, p99, errors = load_post(
        base + chapter + "/read", {**form, "Cookie": cookie}, '"event=" .. uuid()', tmp, "read")
    print(f"\n== progress writes (POST {chapter}/read, one learner, unique event ids)")
    print(f"  load: {rps:,.0f} req/s  p50 {p50}  p99 {p99}  [budget >= 1,000/s, p99 <= 100 ms]  (non-2xx/3xx {errors})")
    version = re.search(r'name="version" value="([^"]+)"', quiz).group(1)
    answers = "&".join(f"a_{q}=x" for q in sorted(set(re.findall(r'name="a_([^"]+)"', quiz))))
    body = f'"attempt=1&version={version}&{answers}"'
    rps, p50, p99, errors = load_post(base + chapter + "/quiz", form, body, tmp, "quiz")
    print(f"== quiz submissions (POST {chapter}/quiz: new guest, graded, attempt + answers stored)")
    print(f"  load: {rps:,.0f} req/s  p50 {p50}  p99 {p99}  [budget >= 1,000/s, p99 <= 100 ms]  (non-2xx/3xx {errors})")


def kb(n):
    return f"{n / 1024:.1f} KB"


def verdict(value, limit):
    return "ok" if value <= limit else "OVER"


def main():
    pages = sys.argv[1:] or ["/", "/courses/thanh-toan-khong-tien-mat/ma-otp", "/search?q=ma+otp"]
    with tempfile.TemporaryDirectory() as tmp:
        proc, addr, startup = start_server(tmp)
        base = f"http://{addr}"
        print(f"server start-up: {startup:.2f} s")
        try:
            for path in pages:
                sizes, requests, third = page_weight(base, path)
                first = sizes["html"] + sizes["css"]
                jsw = sizes["js"] + sizes["wasm"]
                print(f"\n== {path}")
                print(f"  html {kb(sizes['html'])}  css {kb(sizes['css'])}  js {kb(sizes['js'])}  wasm {kb(sizes['wasm'])}  (brotli)")
                print(f"  first visit html+css {kb(first)}  [budget 30 KB: {verdict(first, BUDGET['first_html_css'])}]")
                print(f"  js+wasm {kb(jsw)}  [budget 80 KB: {verdict(jsw, BUDGET['js_wasm'])}]")
                print(f"  repeat visit (html only, assets immutable) {kb(sizes['html'])}  [budget 15 KB: {verdict(sizes['html'], BUDGET['repeat'])}]")
                print(f"  requests {requests}  third-party hosts {third}")
                rps, p50, p99, errors = load(base + path)
                print(f"  load: {rps:,.0f} req/s  p50 {p50}  p99 {p99}  ({CONNECTIONS} connections, {DURATION} s, non-2xx {errors})")
            rps, p50, p99, errors = load(base + "/healthz")
            print(f"\n== /healthz (database round trip)\n  load: {rps:,.0f} req/s  p50 {p50}  p99 {p99}  (non-2xx {errors})")
            writes(base, tmp)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        large_catalog(tmp)


if __name__ == "__main__":
    main()
