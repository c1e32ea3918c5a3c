#!/usr/bin/env python3
"""Clause against Hugo, side by side on the same pages: one site of many documents, and a platform.

Two shapes, each at every size (default 3,000 and 30,000 pages):
  - single: one site of PAGES/2 documents in two locales (en, fr), ~1.5 KB of Markdown each and
    a 12-row cookie table (`{{ cookies }}`); Hugo gets the same Markdown, and the same table
    markup from a data file and a template;
  - platform: PAGES/3 portals x 3 locales sharing one inventory (one portal in ten adds Google
    Analytics); Hugo gets the same pages (the inventory as a data file, UI strings as i18n
    files, the same table markup).
For each, Clause (target/release/clause) and Debian's `hugo` build --runs times (default 3),
alternated (C H, H C, C H...), each build into a fresh folder once the disk is idle (Linux I/O
pressure), and the report gives the median, the best and the spread (min-max) of wall time,
pages per second, peak memory, CPU time and the throughput ratio Clause/Hugo; then Clause's
rebuild with nothing changed (and, on the platform, after one portal changed), --runs times.
Last, the example site of this repository (median of 15 builds). The load average is printed
with every number: the machine may be shared.

    python3 benches/platform.py                       # both shapes, 3,000 and 30,000 pages
    python3 benches/platform.py --sizes 3000 --only single
    python3 benches/platform.py --dir /dev/shm        # on a RAM file system: no disk
    python3 benches/platform.py --quick               # small sizes, one run: a smoke test
    python3 benches/platform.py --dry-run --clause target/debug/clause   # CI: no Hugo

Needs a release build (`cargo build --release`) and `hugo` (apt-get install hugo).
"""
import argparse
import contextlib
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLAUSE = os.path.join(ROOT, "target", "release", "clause")
LOCALES = ["en", "fr", "de"]
SINGLE_LOCALES = ["en", "fr"]
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}

CATEGORIES = [
    ("necessary", {"en": "Necessary cookies", "fr": "Cookies nécessaires", "de": "Notwendige Cookies"}, "exempt"),
    ("statistics", {"en": "Web analytics", "fr": "Mesure d'audience", "de": "Statistik"}, "exempt"),
    ("third-party", {"en": "Third-party cookies", "fr": "Cookies tiers", "de": "Cookies von Drittanbietern"}, "required"),
]
PROVIDERS = [("platform", "Opendatasoft"), ("matomo", "Matomo"), ("youtube", "YouTube")]
# The platform's shared inventory (8 cookies): unchanged, so that its numbers compare with
# earlier runs.
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
# The single site's inventory: 12 cookies, so 12 table rows on every page.
SINGLE_PROVIDERS = PROVIDERS + [("vimeo", "Vimeo")]
SINGLE_COOKIES = COOKIES + [
    ("load_balancer", "platform", "necessary", "session"),
    ("_pk_ref.*", "matomo", "statistics", "6 months"),
    ("vuid", "vimeo", "third-party", "2 years"),
    ("__cf_bm", "vimeo", "third-party", "30 minutes"),
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
# One document of the single site: about 1.5 KB of Markdown (headings with pinned anchors,
# emphasis, links, a list), the same for both tools, which both read `{#id}` after a heading.
DOCUMENT = {
    "en": """In order to provide you with the best service possible, the service **{name}** uses cookies: some are needed for it to work, others measure its audience or come with the videos it embeds. They are listed below, by category.

## Scope of this notice {{#scope}}

This notice applies to *{name}*, one of the services published on [the portal](https://portal.example.org/{slug}/). It explains which cookies the service sets, who sets them, why, and for how long. It complements the [privacy policy](https://portal.example.org/privacy/) and the terms of use of the portal.

## Your choices {{#choices}}

You can accept or refuse the optional cookies at any time:

- from the *cookie preferences* link at the bottom of every page;
- from the settings of your browser, which can block or delete cookies;
- by writing to the data protection officer at <mailto:dpo@example.org>.

Refusing optional cookies does not prevent you from using the service. Necessary cookies cannot be refused: without them the service would not work, and the law exempts them from consent.

## How long they are kept {{#retention}}

Each cookie is kept for the duration shown in the tables below, counted from its last update. Session cookies are deleted when you close your browser. This list is reviewed every quarter; when a lifetime changes, the table changes the same day.

## Cookies used by {name} {{#cookies-used}}

""",
    "fr": """Afin de vous offrir le meilleur service possible, le service **{name}** utilise des cookies : certains sont nécessaires à son fonctionnement, d'autres mesurent son audience ou accompagnent les vidéos qu'il intègre.

## Portée de cette notice {{#scope}}

Cette notice s'applique à *{name}*, l'un des services publiés sur [le portail](https://portal.example.org/{slug}/). Elle explique quels cookies le service dépose, qui les dépose, pourquoi et pour combien de temps. Elle complète la [politique de confidentialité](https://portal.example.org/privacy/) et les conditions d'utilisation du portail.

## Vos choix {{#choices}}

Vous pouvez accepter ou refuser les cookies facultatifs à tout moment :

- depuis le lien *préférences cookies* en bas de chaque page ;
- depuis les réglages de votre navigateur, qui peut bloquer ou supprimer les cookies ;
- en écrivant au délégué à la protection des données à <mailto:dpo@example.org>.

Refuser les cookies facultatifs ne vous empêche pas d'utiliser le service. Les cookies nécessaires ne peuvent pas être refusés : sans eux le service ne fonctionnerait pas.

## Durée de conservation {{#retention}}

Chaque cookie est conservé pendant la durée indiquée dans les tableaux ci-dessous. Les cookies de session sont supprimés à la fermeture du navigateur. Cette liste est revue chaque trimestre.

## Cookies utilisés par {name} {{#cookies-used}}

""",
}
UNITS = {"en": ("week", "weeks", "month", "months", "minute", "minutes", "year", "years", "Session"),
         "fr": ("semaine", "semaines", "mois", "mois", "minute", "minutes", "an", "ans", "Session"),
         "de": ("Woche", "Wochen", "Monat", "Monate", "Minute", "Minuten", "Jahr", "Jahre", "Sitzung")}


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def localized(d, locales=LOCALES):
    return "{ " + ", ".join(f"{k} = {toml_str(d[k])}" for k in locales) + " }"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def clause_inventory(providers, cookies, locales):
    inv = []
    for cid, title, consent in CATEGORIES:
        inv.append(f"[categories.{cid}]\ntitle = {localized(title, locales)}\nconsent = \"{consent}\"\n")
    for pid, name in providers:
        inv.append(f"[providers.{pid}]\nname = \"{name}\"\nurl = \"https://{pid}.example.com/\"\n")
    for name, prov, cat, dur in cookies:
        party = '\nparty = "third"' if cat == "third-party" else ""
        inv.append(f"[[cookies]]\nnames = [{toml_str(name)}]\nprovider = \"{prov}\"\ncategory = \"{cat}\"\n"
                   f"function = {localized(FUNCTION, locales)}\npurpose = {localized(PURPOSE, locales)}\n"
                   f"duration = \"{dur}\"{party}\n")
    return "\n".join(inv)


def make_clause(root, portals):
    write(f"{root}/site.toml",
          'title = "Open data platform"\nbase_url = "https://platform.example.org/"\n'
          f'locales = {json.dumps(LOCALES)}\ncolumns = ["provider", "function", "names", "purpose", "duration"]\n'
          '[params]\nplatform_url = "https://platform.example.org"\n')
    write(f"{root}/content/cookies.toml", clause_inventory(PROVIDERS, COOKIES, LOCALES))
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


def document(locale, i):
    slug = f"doc-{i:05d}"
    return slug, f"Service {i}", DOCUMENT[locale].format(name=f"Service {i}", slug=slug)


def make_single_clause(root, documents):
    write(f"{root}/site.toml",
          'title = "Legal centre"\nbase_url = "https://legal.example.org/"\n'
          f'locales = {json.dumps(SINGLE_LOCALES)}\ncolumns = ["provider", "function", "names", "purpose", "duration"]\n')
    write(f"{root}/content/cookies.toml", clause_inventory(SINGLE_PROVIDERS, SINGLE_COOKIES, SINGLE_LOCALES))
    for l in SINGLE_LOCALES:
        for i in range(documents):
            slug, title, body = document(l, i)
            write(f"{root}/content/{l}/{slug}.md",
                  f"+++\ntitle = \"{title}\"\nupdated = 2026-11-29\n+++\n\n{body}{{{{ cookies }}}}\n")


HUGO_HEAD = """<!DOCTYPE html>
<html lang="{{ .Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} – TITLE</title>
<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}{{ range first 1 .AllTranslations }}<link rel="alternate" hreflang="x-default" href="{{ .Permalink }}">
{{ end }}<link rel="stylesheet" href="{{ "static/style.css" | relURL }}">
</head>
<body>
<a class="skip-link" href="#main">{{ i18n "skip_link" }}</a>
<header class="site-header"><div class="wrap header-inner"><p class="site-title">TITLE</p>
<nav class="languages" aria-label="{{ i18n "languages" }}"><ul>{{ range .AllTranslations }}<li><a href="{{ .RelPermalink }}" lang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a></li>{{ end }}</ul></nav></div></header>
<main id="main" class="wrap">
<h1>{{ .Title }}</h1>
<p class="updated">{{ i18n "last_updated" }} <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date | time.Format ":date_long" }}</time></p>
{{ $lang := .Language.Lang }}
"""
HUGO_TABLES = """{{ $cookies := site.Data.cookies.cookies }}
{{ range site.Data.cookies.categories }}{{ $cat := . }}
<section class="category" aria-labelledby="{{ .id }}">
<h3 id="{{ .id }}">{{ index .title $lang }}</h3>
<p class="consent consent-{{ .consent }}">{{ i18n (printf "consent_%s" .consent) }}</p>
<table class="cookies">
<caption class="visually-hidden">{{ index .title $lang }}</caption>
<thead>
<tr>
<th scope="col" class="col-provider">{{ i18n "col_provider" }}</th>
<th scope="col" class="col-function">{{ i18n "col_function" }}</th>
<th scope="col" class="col-names">{{ i18n "col_names" }}</th>
<th scope="col" class="col-purpose">{{ i18n "col_purpose" }}</th>
<th scope="col" class="col-duration">{{ i18n "col_duration" }}</th>
</tr>
</thead>
<tbody>{{ range where $cookies "category" $cat.id }}
<tr>
<td data-label="{{ i18n "col_provider" }}"><a href="{{ .url }}">{{ .provider }}</a></td>
<td data-label="{{ i18n "col_function" }}">{{ index .function $lang }}</td>
<td data-label="{{ i18n "col_names" }}"><ul class="names">{{ range .names }}<li><code>{{ . }}</code>{{ if strings.HasSuffix . "*" }} <span class="hint">{{ i18n "prefix_hint" }} {{ strings.TrimSuffix "*" . }}</span>{{ end }}</li>{{ end }}</ul></td>
<td data-label="{{ i18n "col_purpose" }}">{{ index .purpose $lang }}</td>
<td data-label="{{ i18n "col_duration" }}">{{ i18n .unit (int .count) }}</td>
</tr>{{ end }}
</tbody>
</table>
</section>{{ end }}
</main>
</body>
</html>
"""
# Platform: the portal's name in the title, the categories as the table of contents and
# `{{ platform_url }}` replaced in the prose, as Clause does.
HUGO_LAYOUT = (HUGO_HEAD.replace("TITLE", "{{ .Params.portal }}")
               + '<nav class="toc"><h2 id="contents">{{ i18n "contents" }}</h2><ol>{{ range site.Data.cookies.categories }}'
               '<li><a href="#{{ .id }}">{{ index .title $lang }}</a></li>{{ end }}</ol></nav>\n'
               '{{ .Content | replaceRE "{{ platform_url }}" .Params.platform_url | safeHTML }}\n' + HUGO_TABLES)
# Single site: the document's headings and the categories as the table of contents.
HUGO_SINGLE_LAYOUT = (HUGO_HEAD.replace("TITLE", "{{ site.Title }}")
                      + '<nav class="toc"><h2 id="contents">{{ i18n "contents" }}</h2>{{ .TableOfContents }}<ol>'
                      '{{ range site.Data.cookies.categories }}<li><a href="#{{ .id }}">{{ index .title $lang }}</a></li>{{ end }}</ol></nav>\n'
                      '{{ .Content }}\n' + HUGO_TABLES)


def hugo_common(root, locales, providers, cookies, layout, title, base_url):
    langs = "\n".join(
        f"[languages.{l}]\nlanguageName = \"{LANGUAGE_NAMES[l]}\"\nweight = {i + 1}\ncontentDir = \"content/{l}\"\n"
        for i, l in enumerate(locales))
    write(f"{root}/config.toml",
          f'baseURL = "{base_url}"\ntitle = "{title}"\ndefaultContentLanguage = "en"\n'
          'defaultContentLanguageInSubdir = true\n'
          'disableKinds = ["taxonomy", "term", "RSS", "section", "404", "robotsTXT"]\nrelativeURLs = true\n'
          '[markup.tableOfContents]\nstartLevel = 2\nendLevel = 3\n' + langs)
    names = dict(providers)
    data = {"categories": [{"id": c, "title": t, "consent": k} for c, t, k in CATEGORIES], "cookies": []}
    for name, prov, cat, dur in cookies:
        n, unit = (1, "session") if dur == "session" else (int(dur.split()[0]), dur.split()[1].rstrip("s"))
        data["cookies"].append({"names": [name], "provider": names[prov], "url": f"https://{prov}.example.com/",
                                "category": cat, "function": FUNCTION,
                                "purpose": PURPOSE, "unit": unit, "count": n})
    write(f"{root}/data/cookies.json", json.dumps(data, ensure_ascii=False))
    for l in locales:
        u = UNITS[l]
        write(f"{root}/i18n/{l}.toml",
              f'skip_link = "Skip"\nlanguages = "Language"\nlast_updated = "Last updated:"\ncontents = "Contents"\n'
              f'col_provider = "Provider"\ncol_function = "Function"\ncol_names = "Names"\ncol_purpose = "Purposes"\ncol_duration = "Duration"\n'
              f'consent_exempt = "No consent needed"\nconsent_required = "Set only with your consent"\n'
              f'prefix_hint = "Any cookie whose name starts with"\n'
              f'[week]\none = "{{{{ .Count }}}} {u[0]}"\nother = "{{{{ .Count }}}} {u[1]}"\n'
              f'[month]\none = "{{{{ .Count }}}} {u[2]}"\nother = "{{{{ .Count }}}} {u[3]}"\n'
              f'[minute]\none = "{{{{ .Count }}}} {u[4]}"\nother = "{{{{ .Count }}}} {u[5]}"\n'
              f'[year]\none = "{{{{ .Count }}}} {u[6]}"\nother = "{{{{ .Count }}}} {u[7]}"\n'
              f'[session]\none = "{u[8]}"\nother = "{u[8]}"\n')
    write(f"{root}/layouts/_default/single.html", layout)
    write(f"{root}/layouts/index.html", "<!DOCTYPE html><html><head><title>Home</title></head><body></body></html>\n")
    with open(os.path.join(ROOT, "themes/default/static/style.css"), encoding="utf-8") as f:
        write(f"{root}/static/static/style.css", f.read())


def make_hugo(root, portals):
    hugo_common(root, LOCALES, PROVIDERS, COOKIES, HUGO_LAYOUT, "Open data platform", "https://platform.example.org/")
    for i in range(portals):
        pid = f"p{i:05d}"
        for l in LOCALES:
            write(f"{root}/content/{l}/{pid}/cookies.md",
                  f"---\ntitle: Cookies\ndate: 2026-11-29\nportal: {pid}\nplatform_url: https://{pid}.example.org\n"
                  f"translationKey: {pid}\n---\n\n" + PROSE[l].format(url="{{ platform_url }}"))


def make_single_hugo(root, documents):
    hugo_common(root, SINGLE_LOCALES, SINGLE_PROVIDERS, SINGLE_COOKIES, HUGO_SINGLE_LAYOUT, "Legal centre", "https://legal.example.org/")
    for l in SINGLE_LOCALES:
        for i in range(documents):
            slug, title, body = document(l, i)
            write(f"{root}/content/{l}/{slug}.md",
                  f"+++\ntitle = \"{title}\"\ndate = 2026-11-29\ntranslationKey = \"{slug}\"\n+++\n\n{body}")


# Runs the command in a fresh Python child, so that RUSAGE_CHILDREN covers that command alone:
# its peak RSS (ru_maxrss: the largest process of the tree it waited for; both tools are one
# process) and its CPU time.
PROBE = r"""import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
d = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
e = r.stderr.decode(errors="replace")
print(json.dumps({"s": d, "kib": u.ru_maxrss, "user": u.ru_utime, "sys": u.ru_stime, "code": r.returncode,
                  "last": (e.strip().splitlines() or [""])[-1]}))
if r.returncode:
    sys.stderr.write(e if len(e) < 3000 else e[:2000] + "\n[...]\n" + e[-500:])
"""


class BenchError(Exception):
    """A build failed or wrote the wrong pages: the benchmark stops, naming it."""


def run(cmd, expect=None):
    """One build: wall seconds, peak MiB, user and system CPU seconds, the 1-minute load
    average before it, and the last line the tool printed, which must match `expect`."""
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", PROBE, *cmd], capture_output=True, text=True)
    try:
        m = json.loads(out.stdout)
    except ValueError:
        raise BenchError(f"could not run {' '.join(cmd)}:\n{out.stderr}")
    if m["code"] != 0:
        raise BenchError(f"{' '.join(cmd)} failed (exit {m['code']}):\n{out.stderr}")
    if expect and not re.search(expect, m["last"]):
        raise BenchError(f"{' '.join(cmd)} did not do what was measured: it said {m['last']!r}, "
                         f"where /{expect}/ was expected")
    return {"s": m["s"], "mib": m["kib"] / 1024, "user": m["user"], "sys": m["sys"], "load": load}


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


def file_system(path):
    """The type of the file system holding `path` (ext4, tmpfs...), from /proc/mounts."""
    path = os.path.realpath(path)
    best, kind = "", "unknown"
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and (path == parts[1] or path.startswith(parts[1].rstrip("/") + "/")):
                    if len(parts[1]) > len(best):
                        best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


IN_MEMORY = False
# A dry run only checks that the script works: no waiting for the disk.
NO_WAIT = False


def quiet_disk(limit=5.0, max_wait=60):
    """Waits (at most `max_wait` seconds) until the disk is idle: deleting a previous run's
    files, or flushing the generated sites, keeps it busy for a while after the call that
    caused it returned, and would slow down whichever build comes next."""
    if NO_WAIT:
        return
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


def spread(xs):
    """Median, min and max of a list of numbers."""
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


SHAPES = {
    # shape: (locales, Clause's generator, Hugo's, where Clause writes the pages, where Hugo does)
    "single": (SINGLE_LOCALES, make_single_clause, make_single_hugo, "*/*/index.html", "*/*/index.html"),
    "platform": (LOCALES, make_clause, make_hugo, "*/*/cookies/index.html", "*/*/cookies/index.html"),
}


def bench(shape, units, work, runs, hugo):
    """Builds one shape at one size `runs` times with each tool. The tools alternate, the first
    of each pair changing from run to run (C H, H C, C H...), so that both meet the same disk
    and load conditions; each build writes a fresh folder (deleting the last output would keep
    the disk busy with the deletion during the next build). Then Clause rebuilds the last
    output with nothing changed `runs` times and, on a platform, after one portal changed."""
    locales, make_c, make_h, c_glob, h_glob = SHAPES[shape]
    pages = units * len(locales)
    cl = os.path.join(work, f"{shape}-clause-{pages}")
    hu = os.path.join(work, f"{shape}-hugo-{pages}")
    t0 = time.perf_counter()
    make_c(cl, units)
    make_h(hu, units)  # also in a dry run, which checks the generator
    gen = time.perf_counter() - t0
    load = [os.getloadavg()[0]]
    c_runs, h_runs = [], []
    for r in range(runs):
        order = ["clause", "hugo"] if r % 2 == 0 else ["hugo", "clause"]
        for tool in order:
            if tool == "hugo" and not hugo:
                continue
            quiet_disk()
            if tool == "clause":
                c_runs.append(run([CLAUSE, "build", "--root", cl, "--output", os.path.join(cl, f"output-{r}")]))
            else:
                h_runs.append(run([hugo, "--quiet", "--source", hu, "--destination", os.path.join(hu, f"public-{r}")]))
    out = os.path.join(cl, f"output-{runs - 1}")
    n = len(glob.glob(os.path.join(out, c_glob)))
    if n != pages:
        raise BenchError(f"Clause wrote {n} pages into {out}, not {pages}")
    if hugo:
        public = os.path.join(hu, f"public-{runs - 1}")
        n = len(glob.glob(os.path.join(public, h_glob)))
        if n != pages:
            raise BenchError(f"Hugo wrote {n} pages into {public}, not {pages}")
    noop, changed = [], []
    for r in range(runs):
        quiet_disk()
        noop.append(run([CLAUSE, "build", "--root", cl, "--output", out], expect="up to date")["s"])
    if shape == "platform":
        for r in range(runs):
            # A different portal each time, so that every rebuild has one portal to render.
            write(os.path.join(cl, "sites", f"p{(r + 1) % units:05d}", "cookies.toml"), f'remove = ["YSC"]\n# {r}\n')
            quiet_disk()
            changed.append(run([CLAUSE, "build", "--root", cl, "--output", out],
                               expect=r"\b1 portals? rebuilt")["s"])
    load.append(os.getloadavg()[0])
    return summarize({"shape": shape, "pages": pages, "units": units, "generate_s": gen, "load": load,
                      "clause": c_runs, "hugo": h_runs, "noop_s": noop, "one_portal_s": changed})


def summarize(res):
    """Adds the median, min and max of every number, and the throughput ratios."""
    pages, c_runs, h_runs = res["pages"], res["clause"], res["hugo"]
    for tool in ("clause", "hugo"):
        rs = res[tool]
        if rs:
            res[tool + "_stats"] = {
                "s": spread([x["s"] for x in rs]),
                "pps": spread([pages / x["s"] for x in rs]),
                "mib": spread([x["mib"] for x in rs]),
                "cpu": spread([x["user"] + x["sys"] for x in rs]),
                "user": spread([x["user"] for x in rs]),
                "sys": spread([x["sys"] for x in rs]),
            }
    if h_runs:
        c, h = res["clause_stats"]["s"], res["hugo_stats"]["s"]
        pairs = [hr["s"] / cr["s"] for cr, hr in zip(c_runs, h_runs)]
        res["ratio"] = {"median": h["median"] / c["median"], "best": h["min"] / c["min"],
                        "min": min(pairs), "max": max(pairs)}
    return res


def example_site(work, runs):
    """Full builds of this repository's example site, each into a fresh folder."""
    times = []
    for i in range(runs):
        times.append(run([CLAUSE, "build", "--root", ROOT, "--output", os.path.join(work, f"example-{i}")])["s"])
    return spread(times)


def fmt(x, digits):
    return f"{x:,.{digits}f}"


def print_block(r):
    """Every number of one shape and size: median, best and spread."""
    what = (f"{r['units']:,} documents x 2 locales" if r["shape"] == "single"
            else f"{r['units']:,} portals x 3 locales")
    print(f"\n{r['shape']}, {r['pages']:,} pages ({what}); generated in {r['generate_s']:.0f} s; "
          f"load average {r['load'][0]:.1f} -> {r['load'][1]:.1f}")
    print(f"  {'':30} {'median':>9} {'best':>9}   min-max")
    rows = []
    for tool in ("clause", "hugo"):
        st = r.get(tool + "_stats")
        if not st:
            continue
        name = tool.capitalize()
        rows += [(f"{name} wall s", st["s"], "min", 2), (f"{name} pages/s", st["pps"], "max", 0),
                 (f"{name} peak MiB", st["mib"], "min", 0), (f"{name} CPU s (user+sys)", st["cpu"], "min", 2),
                 (f"{name}   of which system s", st["sys"], "min", 2)]
    for label, st, best, d in rows:
        print(f"  {label:30} {fmt(st['median'], d):>9} {fmt(st[best], d):>9}   {fmt(st['min'], d)}-{fmt(st['max'], d)}")
    if "ratio" in r:
        q = r["ratio"]
        print(f"  {'throughput Clause/Hugo x':30} {q['median']:>9.2f} {q['best']:>9.2f}   "
              f"{q['min']:.2f}-{q['max']:.2f} (run by run)")
        m = r["hugo_stats"]["mib"]["median"] / r["clause_stats"]["mib"]["median"]
        print(f"  {'peak memory Hugo/Clause x':30} {m:>9.1f}")
    for label, xs in [("Clause no-op rebuild s", r["noop_s"]), ("Clause 1 portal changed s", r["one_portal_s"])]:
        if xs:
            st = spread(xs)
            print(f"  {label:30} {st['median']:>9.3f} {st['min']:>9.3f}   {st['min']:.3f}-{st['max']:.3f}")
    per_page = r["clause_stats"]["s"]["median"] / r["pages"] * 1e6
    print(f"  Clause cost per page: {per_page:.0f} µs (median)")
    sys.stdout.flush()


def rng(st, d):
    return f"{fmt(st['median'], d)} ({fmt(st['min'], d)}–{fmt(st['max'], d)})"


def print_table(rows):
    """One Markdown row per shape and size: medians, with (min–max)."""
    print("\n| shape | pages | Clause s | Hugo s | throughput Clause/Hugo: median · best · run by run "
          "| CPU s Clause / Hugo | peak MiB Clause / Hugo | no-op rebuild s | load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        c, h, q = r["clause_stats"], r.get("hugo_stats"), r.get("ratio")
        hugo_s = rng(h["s"], 2) if h else "–"
        ratio = f"{q['median']:.1f} × · {q['best']:.1f} × · {q['min']:.1f}–{q['max']:.1f} ×" if q else "–"
        cpu = f"{c['cpu']['median']:.2f} / " + (f"{h['cpu']['median']:.2f}" if h else "–")
        memory = f"{c['mib']['median']:,.0f} / " + (f"{h['mib']['median']:,.0f}" if h else "–")
        print(f"| {r['shape']} | {r['pages']:,} | {rng(c['s'], 2)} | {hugo_s} | {ratio} | {cpu} | {memory} | "
              f"{rng(spread(r['noop_s']), 3)} | {r['load'][0]:.1f}–{r['load'][1]:.1f} |")


def stale_binary():
    """True when a Rust source, the lock file or the built-in theme is newer than the binary."""
    built = os.path.getmtime(CLAUSE)
    for pattern in ("src/**/*.rs", "themes/default/**/*", "Cargo.lock", "Cargo.toml"):
        for p in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            if os.path.isfile(p) and os.path.getmtime(p) > built:
                return True
    return False


def version_of(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.split()
    except OSError as e:
        sys.exit(f"cannot run {cmd[0]}: {e}")
    return out[1] if len(out) > 1 else "?"


def main():
    global CLAUSE, IN_MEMORY, NO_WAIT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", metavar="PAGES",
                    help="pages per site, for both shapes (default 3000 30000; --quick: 300)")
    ap.add_argument("--portals", type=int, action="append",
                    help="portals of the platform (repeatable; 3 pages each): replaces --sizes for the platform")
    ap.add_argument("--only", choices=["single", "platform"], help="measure one shape only")
    ap.add_argument("--runs", type=int,
                    help="builds per tool, shape and size, alternated (default 3; --quick: 1)")
    ap.add_argument("--example-runs", type=int, help="builds of the example site (default 15; --quick: 3)")
    ap.add_argument("--dir", help="where to generate and build (default: the system's temporary folder); "
                    "/dev/shm measures the tools without the disk")
    ap.add_argument("--quick", action="store_true", help="small sizes and one run: a smoke test")
    ap.add_argument("--dry-run", action="store_true",
                    help="generate the sites and build them with Clause once, without Hugo (implies --quick): for CI")
    ap.add_argument("--clause", default=CLAUSE, help="the Clause binary (default target/release/clause)")
    ap.add_argument("--hugo", default=shutil.which("hugo"), help="the Hugo binary (default: hugo on PATH)")
    ap.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    ap.add_argument("--keep", action="store_true", help="keep the generated sites and outputs")
    args = ap.parse_args()
    quick = args.quick or args.dry_run
    runs = args.runs if args.runs is not None else (1 if quick else 3)
    if runs < 1:
        ap.error("--runs must be at least 1")
    sizes = args.sizes or ([300] if quick else [3000, 30000])
    example_runs = args.example_runs if args.example_runs is not None else (3 if quick else 15)
    if example_runs < 1 or any(n < 1 for n in sizes + (args.portals or [])):
        ap.error("sizes, portals and runs must be at least 1")
    work_list = []
    if args.only != "platform":
        work_list += [("single", max(1, n // len(SINGLE_LOCALES))) for n in sizes]
    if args.only != "single":
        work_list += [("platform", n) for n in (args.portals or [max(1, n // len(LOCALES)) for n in sizes])]
    # Smaller sites first: an interrupted run has reported them.
    work_list.sort(key=lambda w: w[1] * len(SHAPES[w[0]][0]))

    CLAUSE = os.path.abspath(args.clause)
    if not os.access(CLAUSE, os.X_OK):
        sys.exit(f"error: no Clause binary at {CLAUSE}\nhelp: build it first: cargo build --release")
    hugo = None
    if not args.dry_run:
        if not args.hugo or not os.access(args.hugo, os.X_OK):
            sys.exit("error: Hugo is not installed (no `hugo` on PATH)\n"
                     "help: apt-get install hugo, or --hugo PATH; --dry-run measures Clause alone")
        hugo = os.path.abspath(args.hugo)
    if args.dir and not os.path.isdir(args.dir):
        sys.exit(f"error: --dir {args.dir} is not a folder")
    if args.dry_run and not args.dir and os.access("/dev/shm", os.W_OK) and file_system("/dev/shm") == "tmpfs":
        args.dir = "/dev/shm"  # a dry run measures nothing: no need to wait for a busy disk
    if stale_binary():
        print(f"warning: {CLAUSE} is older than the sources: rebuild it (cargo build --release)\n", flush=True)

    started = time.perf_counter()
    work = tempfile.mkdtemp(prefix="clause-bench-", dir=args.dir)
    kind = file_system(work)
    IN_MEMORY = kind in ("tmpfs", "ramfs")
    NO_WAIT = args.dry_run
    rows = []
    try:
        print(f"Clause {version_of([CLAUSE, '--version'])} ({CLAUSE})"
              + (f" against Hugo {version_of([hugo, 'version'])} ({hugo})" if hugo else ", dry run without Hugo")
              + f"; {os.cpu_count()} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
              f"sites in {work} ({kind}); {runs} run(s) each", flush=True)
        for shape, units in work_list:
            r = bench(shape, units, work, runs, hugo)
            rows.append(r)
            print_block(r)
        ex = example_site(work, example_runs)
        print(f"\nexample site (2 pages, {example_runs} builds): median {ex['median'] * 1000:.1f} ms, "
              f"best {ex['min'] * 1000:.1f} ms, {ex['min'] * 1000:.1f}-{ex['max'] * 1000:.1f} ms (process wall time)")
        for shape in ("single", "platform"):
            rs = [r for r in rows if r["shape"] == shape]
            if len(rs) > 1:
                print(f"Clause cost per page ({shape}, median): " + ", ".join(
                    f"{r['clause_stats']['s']['median'] / r['pages'] * 1e6:.0f} µs at {r['pages']:,} pages" for r in rs))
        print_table(rows)
        if args.dry_run:
            # The Hugo columns of the report, with Clause's runs standing in for Hugo's, so
            # that a dry run checks them too; not printed: they are not a measurement.
            stand_ins = [summarize(dict(r, hugo=r["clause"])) for r in rows]
            with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
                for r in stand_ins:
                    print_block(r)
                print_table(stand_ins)
        print("\nmedian (min–max) of the runs; the best time is the min. Throughput: Hugo's time over Clause's, "
              "of the medians, of the best runs, and run by run (min–max). CPU: user + system, median. "
              "Memory: peak RSS, median. no-op: Clause rebuilding with nothing changed. "
              "load: 1-minute load average before and after.")
        print(f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
              f"benchmark wall time {time.perf_counter() - started:.0f} s")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump({"clause": version_of([CLAUSE, "--version"]),
                           "hugo": version_of([hugo, "version"]) if hugo else None,
                           "cores": os.cpu_count(), "file_system": kind, "runs": runs,
                           "results": rows, "example_site_s": ex}, f, indent=1)
    except BenchError as e:
        sys.exit(f"error: {e}")
    except KeyboardInterrupt:
        sys.exit("interrupted")
    finally:
        if args.keep:
            print(f"kept {work}")
        elif quick:
            shutil.rmtree(work, ignore_errors=True)
        else:
            # Deleting hundreds of thousands of files takes minutes on some disks: left to a
            # background process, so that the benchmark's own time is what it reports.
            rm = subprocess.Popen(["rm", "-rf", "--", work], start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"removing {work} in the background (process {rm.pid}); on a disk, let it finish "
                  "before the next run: its deletions slow builds down")


if __name__ == "__main__":
    main()
