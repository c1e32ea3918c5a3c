#!/usr/bin/env python3
"""Versions, consent revision and archive: what a long history costs `clause build`.

Makes a git repository of the example site (two locales, `[history]` on) with 200 commits
(prose edits in either language, cookies added that need consent, wording fixes,
reformatting, each 1 in 10 with a `Consent:` trailer), then measures `clause build`:

  - first build: no cache (`.clause-cache/` deleted), a fresh output folder: every past
    commit loaded from git objects and every archived page rendered;
  - rebuild, nothing changed: the same commit again into the same output (Clause finds
    its output up to date), and into a fresh output folder with the cache kept (the whole
    build, past versions from the cache);
  - rebuild after one new commit: one more commit, then a build into the same output.

Each is run --runs times (default 5); the median, the range (min-max) and the work each
build reports ("versions: N commits loaded from git, …") are printed.

    python3 benches/versions.py              # 200 commits, 5 runs
    python3 benches/versions.py --commits 50 --runs 3

Needs a release build (`cargo build --release`) and git.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLAUSE = os.path.join(ROOT, "target", "release", "clause")

EXTRA_COOKIE = """
[[cookies]]
names = ["bench_{n}"]
provider = "opendatasoft"
category = "{category}"
function = "Benchmark {n}"
purpose = {{ en = "Measure {n}", fr = "Mesurer {n}" }}
duration = "{days} days"
"""


def git(repo, *args, date=None):
    env = dict(os.environ)
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(
        ["git", "-C", repo, "-c", "user.name=Bench", "-c", "user.email=bench@example.org",
         "-c", "commit.gpgsign=false", *args],
        check=True, env=env, stdout=subprocess.DEVNULL)


def make_repo(base, commits):
    site = os.path.join(base, "site")
    os.makedirs(site)
    shutil.copy(os.path.join(ROOT, "site.toml"), site)
    shutil.copytree(os.path.join(ROOT, "content"), os.path.join(site, "content"))
    with open(os.path.join(site, "site.toml"), "a", encoding="utf-8") as f:
        f.write("\n[history]\nlimit = 20\n")
    git(site, "init", "-q", "-b", "main")
    inv_path = os.path.join(site, "content", "cookies.toml")
    with open(inv_path, encoding="utf-8") as f:
        inventory = f.read()
    docs = {l: os.path.join(site, "content", l, "cookies.md") for l in ("en", "fr")}
    texts = {}
    for l, p in docs.items():
        with open(p, encoding="utf-8") as f:
            texts[l] = f.read()
    added = 0
    for n in range(commits):
        # One day a commit, two commits a day now and then (folders `-2`).
        day = n - n // 7
        date = time.strftime("%Y-%m-%dT10:00:00Z", time.gmtime(1767225600 + day * 86400 + n))
        kind = n % 5
        message = f"Change {n}"
        if n == 0:
            message = "First policy"
        elif kind == 1:
            added += 1
            category = "third-party" if added % 2 else "necessary"
            inventory += EXTRA_COOKIE.format(n=n, category=category, days=30 + n)
        elif kind == 2:
            texts["en"] += f"\nA sentence added in commit {n}.\n"
        elif kind == 3:
            texts["fr"] += f"\nUne phrase ajoutée au commit {n}.\n"
        elif kind == 4:
            # Reformatting: no version.
            inventory = inventory.rstrip("\n") + "\n\n" if n % 2 else inventory + "# reformatted\n"
        else:
            inventory = inventory.replace("Measure", "Measure the", 1)
        if n % 10 == 9:
            message += "\n\nConsent: " + ("renew" if n % 20 == 9 else "unchanged")
        with open(inv_path, "w", encoding="utf-8") as f:
            f.write(inventory)
        for l, p in docs.items():
            with open(p, "w", encoding="utf-8") as f:
                f.write(texts[l])
        git(site, "add", "-A")
        git(site, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return site, day


def build(site, out):
    start = time.perf_counter()
    r = subprocess.run([CLAUSE, "build", "--root", site, "--output", out],
                       capture_output=True, text=True)
    took = time.perf_counter() - start
    if r.returncode != 0:
        sys.exit(f"clause build failed:\n{r.stderr}")
    work = next((l for l in r.stderr.splitlines() if l.startswith("versions:")), "")
    if "up to date" in r.stderr:
        work = "up to date"
    return took, work


def summary(name, runs):
    times = [t for t, _ in runs]
    med = statistics.median(times)
    print(f"{name:<42} median {med * 1000:8.0f} ms   range {min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms   ({len(times)} runs)")
    works = sorted({w for _, w in runs})
    for w in works:
        print(f"{'':<42} {w}")


def main():
    global CLAUSE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--clause", default=CLAUSE)
    ap.add_argument("--keep", action="store_true", help="keep the generated repository")
    args = ap.parse_args()
    CLAUSE = args.clause
    if not os.path.exists(CLAUSE):
        sys.exit(f"{CLAUSE} is missing: run `cargo build --release` first")
    base = tempfile.mkdtemp(prefix="clause-versions-bench-")
    try:
        print(f"making a repository of {args.commits} commits…", flush=True)
        site, day = make_repo(base, args.commits)
        cache = os.path.join(site, ".clause-cache")
        out = os.path.join(base, "out")
        first, same, warm, one = [], [], [], []
        for run in range(args.runs):
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(out, ignore_errors=True)
            first.append(build(site, out))
            same.append(build(site, out))
            fresh = os.path.join(base, f"fresh-{run}")
            warm.append(build(site, fresh))
            shutil.rmtree(fresh)
            with open(os.path.join(site, "content", "en", "cookies.md"), "a", encoding="utf-8") as f:
                f.write(f"\nOne more sentence, run {run}.\n")
            day += 1
            date = time.strftime("%Y-%m-%dT10:00:00Z", time.gmtime(1767225600 + day * 86400))
            git(site, "commit", "-q", "-am", f"One more, run {run}", date=date)
            one.append(build(site, out))
        pages = sum(len(fs) for _, _, fs in os.walk(out))
        print(f"\n{args.commits} commits; the last build wrote {pages} files")
        print(f"load average: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}\n")
        summary("first build (no cache)", first)
        summary("rebuild, nothing changed (up to date)", same)
        summary("rebuild, nothing changed (fresh output)", warm)
        summary("rebuild after one new commit", one)
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
