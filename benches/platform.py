#!/usr/bin/env python3
"""Platform benchmark: Clause against Hugo, side by side, on the same synthetic platform.

Generates a platform of PORTALS portals x 3 locales (default 1,000 and 10,000 portals: 3,000
and 30,000 pages), builds it with `clause build` and the same pages with Debian's `hugo`
(the shared inventory as a data file, UI strings as i18n files, the same table markup),
and reports wall time, pages per second and peak memory of each, and their ratios. Each tool
builds --runs times (default 2), alternated, each time into a fresh folder once the disk is
idle (Linux I/O pressure), and the best run of each counts: disk noise only slows a build
down. Also times a rebuild where nothing changed, a rebuild after one portal changed, and the
single example site of this repository.

    python3 benches/platform.py                 # 1,000 and 10,000 portals
    python3 benches/platform.py --portals 200   # a quick run

Needs a release build (`cargo build --release`) and `hugo` (apt-get install hugo).
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLAUSE = os.path.join(ROOT, "target", "release", "clause")
LOCALES = ["en", "fr", "de"]

CATEGORIES = [
    ("necessary", {"en": "Necessary cookies", "fr": "Cookies nécessaires", "de": "Notwendige Cookies"}, "exempt"),
    ("statistics", {"en": "Web analytics", "fr": "Mesure d'audience", "de": "Statistik"}, "exempt"),
    ("third-party", {"en": "Third-party cookies", "fr": "Cookies tiers", "de": "Cookies von Drittanbietern"}, "required"),
]
COOKIES = [
    ("sessionid", "platform", "necessary", "2 weeks"),
    ("django_language", "platform", "necessary", "12 months"),
    ("csrftoken", "platform", "necessary", "12 months"),
    ("cookies_preferences", "platform", "necessary", "6 months"),
    ("_pk_id.*", "matomo", "statistics", "13 months"),
    ("_pk_ses.*", "matomo", "statistics", "30 minutes"),
    ("YSC", "youtube", "third-party", "session"),
    ("VISITOR_INFO1_LIVE", "youtube", "third-party", "6 months"),
]
PURPOSE = {"en": "To remember the visitor's choices from one page to another",
           "fr": "Mémoriser les choix du visiteur d'une page à l'autre",
           "de": "Um die Auswahl des Besuchers von Seite zu Seite zu speichern"}
FUNCTION = {"en": "Front and back office", "fr": "Front et back office", "de": "Front- und Backoffice"}
PROSE = {
    "en": "In order to provide you with the best service possible, we use cookies on {url}.\n\n## What is a cookie?\n\nA cookie is a small piece of data that a website asks your browser to keep.\n\n",
    "fr": "Afin de vous offrir le meilleur service possible, nous utilisons des cookies sur {url}.\n\n## Qu'est-ce qu'un cookie ?\n\nUn cookie est une petite donnée qu'un site demande à votre navigateur de conserver.\n\n",
    "de": "Um Ihnen den bestmöglichen Service zu bieten, verwenden wir auf {url} Cookies.\n\n## Was ist ein Cookie?\n\nEin Cookie ist eine kleine Datei, die eine Website in Ihrem Browser speichert.\n\n",
}


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def localized(d):
    return "{ " + ", ".join(f"{k} = {toml_str(v)}" for k, v in d.items()) + " }"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def make_clause(root, portals):
    write(f"{root}/site.toml",
          'title = "Open data platform"\nbase_url = "https://platform.example.org/"\n'
          f'locales = {json.dumps(LOCALES)}\ncolumns = ["provider", "function", "names", "purpose", "duration"]\n'
          '[params]\nplatform_url = "https://platform.example.org"\n')
    inv = []
    for cid, title, consent in CATEGORIES:
        inv.append(f"[categories.{cid}]\ntitle = {localized(title)}\nconsent = \"{consent}\"\n")
    for pid, name in [("platform", "Opendatasoft"), ("matomo", "Matomo"), ("youtube", "YouTube")]:
        inv.append(f"[providers.{pid}]\nname = \"{name}\"\nurl = \"https://{pid}.example.com/\"\n")
    for name, prov, cat, dur in COOKIES:
        party = '\nparty = "third"' if cat == "third-party" else ""
        inv.append(f"[[cookies]]\nnames = [{toml_str(name)}]\nprovider = \"{prov}\"\ncategory = \"{cat}\"\n"
                   f"function = {localized(FUNCTION)}\npurpose = {localized(PURPOSE)}\nduration = \"{dur}\"{party}\n")
    write(f"{root}/content/cookies.toml", "\n".join(inv))
    for l in LOCALES:
        write(f"{root}/content/{l}/cookies.md",
              f"+++\ntitle = \"Cookies\"\nupdated = 2026-11-29\n+++\n\n" + PROSE[l].format(url="{{ platform_url }}") + "{{ cookies }}\n")
    sites = []
    for i in range(portals):
        pid = f"p{i:05d}"
        sites.append(f"[[sites]]\nid = \"{pid}\"\nbase_url = \"https://{pid}.example.org/cookies/\"\n"
                     f"[sites.params]\nplatform_url = \"https://{pid}.example.org\"\n")
        if i % 10 == 0:  # one portal in ten turns on Google Analytics
            write(f"{root}/sites/{pid}/cookies.toml",
                  "[providers.google]\nname = \"Google\"\n\n[[cookies]]\nnames = [\"_ga\", \"_ga_*\"]\nprovider = \"google\"\n"
                  f"category = \"statistics\"\nfunction = {localized(FUNCTION)}\npurpose = {localized(PURPOSE)}\nduration = \"13 months\"\n")
    write(f"{root}/sites.toml", "\n".join(sites))


HUGO_LAYOUT = """<!DOCTYPE html>
<html lang="{{ .Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} – {{ .Params.portal }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}<link rel="stylesheet" href="{{ "static/style.css" | relURL }}">
</head>
<body>
<a class="skip-link" href="#main">{{ i18n "skip_link" }}</a>
<header class="site-header"><div class="wrap header-inner"><p class="site-title">{{ .Params.portal }}</p>
<nav class="languages" aria-label="{{ i18n "languages" }}"><ul>{{ range .AllTranslations }}<li><a href="{{ .RelPermalink }}" lang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a></li>{{ end }}</ul></nav></div></header>
<main id="main" class="wrap">
<h1>{{ .Title }}</h1>
<p class="updated">{{ i18n "last_updated" }} <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date | time.Format ":date_long" }}</time></p>
{{ $lang := .Language.Lang }}
<nav class="toc"><h2 id="contents">{{ i18n "contents" }}</h2><ol>{{ range site.Data.cookies.categories }}<li><a href="#{{ .id }}">{{ index .title $lang }}</a></li>{{ end }}</ol></nav>
{{ .Content | replaceRE "{{ platform_url }}" .Params.platform_url | safeHTML }}
{{ $cookies := site.Data.cookies.cookies }}
{{ range site.Data.cookies.categories }}{{ $cat := . }}
<section class="category" aria-labelledby="{{ .id }}">
<h3 id="{{ .id }}">{{ index .title $lang }}</h3>
<table class="cookies"><caption class="visually-hidden">{{ index .title $lang }}</caption>
<thead><tr><th scope="col">{{ i18n "col_provider" }}</th><th scope="col">{{ i18n "col_function" }}</th><th scope="col">{{ i18n "col_names" }}</th><th scope="col">{{ i18n "col_purpose" }}</th><th scope="col">{{ i18n "col_duration" }}</th></tr></thead>
<tbody>{{ range where $cookies "category" $cat.id }}
<tr><td data-label="{{ i18n "col_provider" }}">{{ .provider }}</td><td data-label="{{ i18n "col_function" }}">{{ index .function $lang }}</td><td data-label="{{ i18n "col_names" }}"><ul class="names">{{ range .names }}<li><code>{{ . }}</code></li>{{ end }}</ul></td><td data-label="{{ i18n "col_purpose" }}">{{ index .purpose $lang }}</td><td data-label="{{ i18n "col_duration" }}">{{ i18n .unit .count }}</td></tr>{{ end }}
</tbody></table></section>{{ end }}
</main>
</body>
</html>
"""

UNITS = {"en": ("week", "weeks", "month", "months", "minute", "minutes", "Session"),
         "fr": ("semaine", "semaines", "mois", "mois", "minute", "minutes", "Session"),
         "de": ("Woche", "Wochen", "Monat", "Monate", "Minute", "Minuten", "Sitzung")}


def make_hugo(root, portals):
    langs = "\n".join(
        f"[languages.{l}]\nlanguageName = \"{n}\"\nweight = {i + 1}\ncontentDir = \"content/{l}\"\n"
        for i, (l, n) in enumerate([("en", "English"), ("fr", "Français"), ("de", "Deutsch")]))
    write(f"{root}/config.toml",
          'baseURL = "https://platform.example.org/"\ndefaultContentLanguage = "en"\ndefaultContentLanguageInSubdir = true\n'
          'disableKinds = ["taxonomy", "term", "RSS", "section", "404", "robotsTXT"]\nrelativeURLs = true\n' + langs)
    data = {"categories": [{"id": c, "title": t} for c, t, _ in CATEGORIES], "cookies": []}
    for name, prov, cat, dur in COOKIES:
        n, unit = (1, "session") if dur == "session" else (int(dur.split()[0]), dur.split()[1].rstrip("s"))
        data["cookies"].append({"names": [name], "provider": prov, "category": cat, "function": FUNCTION,
                                "purpose": PURPOSE, "unit": unit, "count": n})
    write(f"{root}/data/cookies.json", json.dumps(data, ensure_ascii=False))
    for l in LOCALES:
        u = UNITS[l]
        write(f"{root}/i18n/{l}.toml",
              f'skip_link = "Skip"\nlanguages = "Language"\nlast_updated = "Last updated:"\ncontents = "Contents"\n'
              f'col_provider = "Provider"\ncol_function = "Function"\ncol_names = "Names"\ncol_purpose = "Purposes"\ncol_duration = "Duration"\n'
              f'[week]\none = "{{{{ .Count }}}} {u[0]}"\nother = "{{{{ .Count }}}} {u[1]}"\n'
              f'[month]\none = "{{{{ .Count }}}} {u[2]}"\nother = "{{{{ .Count }}}} {u[3]}"\n'
              f'[minute]\none = "{{{{ .Count }}}} {u[4]}"\nother = "{{{{ .Count }}}} {u[5]}"\n'
              f'[session]\none = "{u[6]}"\nother = "{u[6]}"\n')
    write(f"{root}/layouts/_default/single.html", HUGO_LAYOUT)
    write(f"{root}/layouts/index.html", "<!DOCTYPE html><html><head><title>Platform</title></head><body></body></html>\n")
    write(f"{root}/static/static/style.css", open(os.path.join(ROOT, "themes/default/static/style.css"), encoding="utf-8").read())
    for i in range(portals):
        pid = f"p{i:05d}"
        for l in LOCALES:
            write(f"{root}/content/{l}/{pid}/cookies.md",
                  f"---\ntitle: Cookies\ndate: 2026-11-29\nportal: {pid}\nplatform_url: https://{pid}.example.org\n"
                  f"translationKey: {pid}\n---\n\n" + PROSE[l].format(url="{{ platform_url }}"))


def run(cmd, cwd=None):
    """Runs a command in a child that reports the command's own peak memory."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
             "d = time.perf_counter() - t; "
             "print(d, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode); "
             "sys.stderr.write(r.stderr.decode()[-2000:] if r.returncode else '')")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True)
    seconds, rss_kb, code = out.stdout.split()
    if code != "0":
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return float(seconds), int(rss_kb) / 1024


def count_pages(out):
    n = 0
    for _, _, files in os.walk(out):
        n += sum(1 for f in files if f == "index.html")
    return n


def io_pressure():
    """The share of the last 10 s in which every task waited for the disk (Linux PSI), or
    None where the kernel does not report it."""
    try:
        with open("/proc/pressure/io") as f:
            for line in f:
                if line.startswith("full"):
                    return float(line.split()[1].split("=")[1])
    except OSError:
        return None
    return None


def in_memory(path):
    """True when `path` is on a RAM file system (tmpfs), where there is no disk to wait for."""
    path = os.path.realpath(path)
    best, kind = "", ""
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and (path == parts[1] or path.startswith(parts[1].rstrip("/") + "/")):
                    if len(parts[1]) > len(best):
                        best, kind = parts[1], parts[2]
    except OSError:
        return False
    return kind in ("tmpfs", "ramfs")


IN_MEMORY = False


def quiet_disk(limit=5.0, max_wait=60):
    """Waits (at most `max_wait` seconds) until the disk is idle: deleting a previous run's
    files, or flushing the generated sites, keeps it busy for a while after the call that
    caused it returned, and would slow down whichever build comes next."""
    os.sync()
    if IN_MEMORY:
        return
    waited = 0
    while waited < max_wait:
        p = io_pressure()
        if p is None or p < limit:
            return
        time.sleep(1)
        waited += 1
    print(f"  (the disk is still busy: I/O pressure {io_pressure():.0f} %; timings are noisy)", flush=True)


def bench(portals, work, runs):
    """Builds the platform `runs` times with each tool, alternating Clause and Hugo so that
    both meet the same disk conditions, each run into a fresh folder (deleting the last
    output would leave the disk busy with the deletion during the next run), and keeps the
    best time of each: disk noise only ever slows a build down."""
    pages = portals * len(LOCALES)
    cl = os.path.join(work, f"clause-{portals}")
    hu = os.path.join(work, f"hugo-{portals}")
    t0 = time.perf_counter()
    make_clause(cl, portals)
    make_hugo(hu, portals)
    gen = time.perf_counter() - t0
    c_times, h_times, c_rss, h_rss = [], [], 0.0, 0.0
    for r in range(runs):
        quiet_disk()
        t, rss = run([CLAUSE, "build", "--root", cl, "--output", os.path.join(cl, f"output-{r}")])
        c_times.append(t)
        c_rss = max(c_rss, rss)
        quiet_disk()
        t, rss = run(["hugo", "--quiet", "--source", hu, "--destination", os.path.join(hu, f"public-{r}")])
        h_times.append(t)
        h_rss = max(h_rss, rss)
    out = os.path.join(cl, f"output-{runs - 1}")
    c_pages = count_pages(out) - portals  # minus each portal's root index
    r_time, _ = run([CLAUSE, "build", "--root", cl, "--output", out])
    write(os.path.join(cl, "sites", "p00001", "cookies.toml"), 'remove = ["YSC"]\n')
    i_time, _ = run([CLAUSE, "build", "--root", cl, "--output", out])
    public = os.path.join(hu, f"public-{runs - 1}")
    h_pages = sum(1 for p in os.walk(public) for f in p[2] if f == "index.html" and p[0].endswith("/cookies"))
    assert c_pages == pages, (c_pages, pages)
    assert h_pages == pages, (h_pages, pages)
    c_time, h_time = min(c_times), min(h_times)
    return {
        "portals": portals, "pages": pages, "generate_s": gen,
        "clause_s": c_time, "clause_pps": pages / c_time, "clause_mib": c_rss,
        "hugo_s": h_time, "hugo_pps": pages / h_time, "hugo_mib": h_rss,
        "clause_runs": c_times, "hugo_runs": h_times,
        "noop_rebuild_s": r_time, "one_portal_rebuild_s": i_time,
    }


def example_site(work, runs=15):
    out = os.path.join(work, "example-output")
    times = []
    for i in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        t, _ = run([CLAUSE, "build", "--root", ROOT, "--output", out])
        times.append(t)
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--portals", type=int, action="append", help="portals to generate (repeatable); default 1000 and 10000")
    ap.add_argument("--keep", action="store_true", help="keep the generated sites")
    ap.add_argument("--dir", help="where to generate and build (default: the system's temporary folder); "
                    "/dev/shm measures the tools without the disk")
    ap.add_argument("--runs", type=int, default=2, help="builds per tool and size, alternated; the best counts (default 2)")
    args = ap.parse_args()
    sizes = args.portals or [1000, 10000]
    started = time.perf_counter()
    if not os.path.exists(CLAUSE):
        sys.exit("build Clause first: cargo build --release")
    if not shutil.which("hugo"):
        sys.exit("install Hugo first: apt-get install hugo")
    hugo_version = subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()[1]
    work = tempfile.mkdtemp(prefix="clause-bench-", dir=args.dir)
    global IN_MEMORY
    IN_MEMORY = in_memory(work)
    print(f"Clause {subprocess.run([CLAUSE, '--version'], capture_output=True, text=True).stdout.split()[1]} "
          f"against Hugo {hugo_version}, {os.cpu_count()} cores; sites in {work}\n")
    print(f"{'pages':>7} | {'Clause s':>8} {'pages/s':>8} {'MiB':>6} | {'Hugo s':>7} {'pages/s':>8} {'MiB':>6} | "
          f"{'speed x':>7} {'memory x':>8} | {'no-op s':>7} {'1 portal s':>10}")
    rows = []
    for n in sizes:
        r = bench(n, work, args.runs)
        rows.append(r)
        print(f"{r['pages']:>7} | {r['clause_s']:>8.2f} {r['clause_pps']:>8.0f} {r['clause_mib']:>6.0f} | "
              f"{r['hugo_s']:>7.2f} {r['hugo_pps']:>8.0f} {r['hugo_mib']:>6.0f} | "
              f"{r['clause_pps'] / r['hugo_pps']:>7.1f} {r['hugo_mib'] / r['clause_mib']:>8.1f} | "
              f"{r['noop_rebuild_s']:>7.3f} {r['one_portal_rebuild_s']:>10.2f}", flush=True)
    for r in rows:
        runs = lambda xs: ", ".join(f"{x:.2f}" for x in xs)
        print(f"  {r['pages']} pages, every run (s): Clause {runs(r['clause_runs'])}; Hugo {runs(r['hugo_runs'])}")
    median, best = example_site(work)
    print(f"\nexample site (2 pages): median {median * 1000:.1f} ms, best {best * 1000:.1f} ms process wall time")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        print(f"Clause cost per page: {a['clause_s'] / a['pages'] * 1e6:.0f} µs at {a['pages']} pages, "
              f"{b['clause_s'] / b['pages'] * 1e6:.0f} µs at {b['pages']} pages")
    print("speed x: Clause's pages/s over Hugo's (best run of each); memory x: Hugo's peak over Clause's; "
          "no-op: rebuild with nothing changed; 1 portal: rebuild after one portal's inventory changed")
    print(f"benchmark wall time: {time.perf_counter() - started:.0f} s")
    if not args.keep:
        # Deleting some 300,000 files takes minutes on some disks: left to a background
        # process, so that the benchmark's own time is what it reports.
        subprocess.Popen(["rm", "-rf", "--", work], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"removing {work} in the background")


if __name__ == "__main__":
    main()
