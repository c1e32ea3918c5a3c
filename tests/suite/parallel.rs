//! One site on every core: the pages of a single site are rendered and written by several
//! threads (`--jobs`), and the output, byte for byte, and the diagnostics, line for line,
//! are those of one thread. A build holds the pages it is rendering, not the whole site,
//! and a page costs the same work (allocations) in a site of 100 or 1,000 documents.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{clause, copy_dir, fixture, published};

/// The three-locale fixture with `docs` more documents in every locale: headings, both
/// kinds of sections, parameters, a definitions list; and files of its own in `static/`.
fn legal_centre(dir: &Path, docs: usize) -> PathBuf {
    let root = dir.join("site");
    copy_dir(&fixture("i18n"), &root);
    for (n, locale) in ["en", "de", "nl"].iter().enumerate() {
        for i in 0..docs {
            let section = match i % 3 {
                0 => "{{ cookies }}",
                1 => "{{ cookies analytics }}\n\n{{ definitions }}",
                _ => "{{ cookies necessary }}",
            };
            let text = format!(
                "+++\ntitle = \"Notice {i} ({locale})\"\nupdated = 2026-0{}-1{}\n+++\n\n\
                 The service *{i}* of {{{{ shop }}}} uses cookies.\n\n\
                 ## Scope {{#scope}}\n\nThis notice covers [service {i}](https://example.org/{i}/).\n\n\
                 ## Your choices\n\n- accept\n- refuse\n\n### Details {n}\n\n{section}\n",
                1 + n,
                i % 10
            );
            fs::write(
                root.join(format!("content/{locale}/notice-{i:03}.md")),
                text,
            )
            .expect("write");
        }
    }
    fs::create_dir_all(root.join("static/.well-known")).expect("mkdir");
    fs::write(root.join("static/robots.txt"), "User-agent: *\n").expect("write");
    fs::write(root.join("static/.well-known/security.txt"), "Contact: x\n").expect("write");
    root
}

fn build(root: &Path, out: &Path, jobs: &str) -> String {
    let o = clause()
        .args(["build", "--jobs", jobs, "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "-j{jobs}: {stderr}");
    stderr
}

fn check(root: &Path, jobs: &str) -> (Option<i32>, String) {
    let o = clause()
        .args(["check", "--jobs", jobs, "--root"])
        .arg(root)
        .output()
        .expect("runs");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The marker's list of files, without the times at which they were written.
fn listed(out: &Path) -> Vec<String> {
    fs::read_to_string(out.join(".clause-output"))
        .expect("marker")
        .lines()
        .filter_map(|l| l.strip_prefix("file "))
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            let size = parts.next().unwrap_or_default();
            let _time = parts.next();
            format!("{size} {}", parts.next().unwrap_or_default())
        })
        .collect()
}

#[test]
fn one_site_builds_the_same_bytes_on_any_number_of_threads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = legal_centre(tmp.path(), 40);
    let one = tmp.path().join("one");
    let four = tmp.path().join("four");
    let said = build(&root, &one, "1");
    build(&root, &four, "4");
    let files = published(&one);
    // 42 documents in 3 locales, the index, the sitemap, the exports, the theme's CSS and
    // the site's own files.
    assert!(files.len() > 126, "{}", files.len());
    assert!(said.contains("built 126 pages in 3 locales"), "{said}");
    assert_eq!(files, published(&four));
    assert_eq!(listed(&one), listed(&four));
    assert_eq!(listed(&one).len(), files.len());
}

/// Problems found while loading (in the prose) and while rendering (a template that fails
/// on every page) are reported in document order, whatever the number of threads.
#[test]
fn problems_come_in_the_same_order_on_any_number_of_threads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = legal_centre(tmp.path(), 30);
    for i in (0..30).step_by(7) {
        for locale in ["en", "nl"] {
            let path = root.join(format!("content/{locale}/notice-{i:03}.md"));
            let text = fs::read_to_string(&path).expect("read");
            fs::write(
                &path,
                text.replace("{{ shop }}", &format!("{{{{ shop_{i} }}}}")),
            )
            .expect("write");
        }
    }
    let (code, one) = check(&root, "1");
    assert_eq!(code, Some(1), "{one}");
    assert_eq!(check(&root, "4"), (Some(1), one.clone()));
    let at = |needle: &str| {
        one.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {one}"))
    };
    let order: Vec<usize> = [0, 7, 14, 21, 28]
        .iter()
        .flat_map(|i| {
            [
                at(&format!("content/en/notice-{i:03}.md")),
                at(&format!("content/nl/notice-{i:03}.md")),
            ]
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{one}");

    // A theme whose page template fails on every page, naming the page.
    let root = legal_centre(&tmp.path().join("theme"), 30);
    fs::create_dir_all(root.join("themes/default/templates")).expect("mkdir");
    fs::write(
        root.join("themes/default/templates/page.html"),
        "{% extends \"base.html\" %}{% block body %}{{ throw(message=\"cannot show \" ~ title) }}{% endblock body %}\n",
    )
    .expect("write");
    let (code, one) = check(&root, "1");
    assert_eq!(code, Some(1), "{one}");
    assert_eq!(check(&root, "4"), (Some(1), one.clone()));
    let at = |needle: &str| {
        one.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {one}"))
    };
    let order: Vec<usize> = (0..30)
        .flat_map(|i| ["en", "de", "nl"].map(|l| at(&format!("cannot show Notice {i} ({l})"))))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{one}");
}

/// The peak resident memory of `clause build` on `root`, in KiB: from the kernel's
/// account of the child (`wait4`), not sampled. Linux counts in a process's peak the
/// memory of the one it was forked from, and this test binary runs many tests at once, so
/// the build is started by a small Python process that reports its children's peak.
#[cfg(target_os = "linux")]
fn peak_memory_kib(root: &Path, out: &Path) -> i64 {
    let bin = assert_cmd::cargo::cargo_bin("clause");
    let o = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
             print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        )
        .arg(bin)
        .arg("build")
        .arg("--root")
        .arg(root)
        .arg("--output")
        .arg(out)
        .env("RAYON_NUM_THREADS", "2")
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&o.stdout);
    let (status, peak) = text.trim().split_once(' ').expect("status and peak");
    assert_eq!(status, "0", "{}", String::from_utf8_lossy(&o.stderr));
    peak.parse().expect("KiB")
}

/// Pages are written as they are rendered: a build of 600 pages of 200 table rows each
/// (about 60 MB) holds a fraction of them at any time. Holding the rendered site until
/// the end, as Clause did, takes more than the whole output.
#[cfg(target_os = "linux")]
#[test]
fn a_large_site_is_written_as_it_is_rendered() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("site");
    fs::create_dir_all(&root).expect("mkdir");
    fs::write(
        root.join("site.toml"),
        "title = \"Many\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n",
    )
    .expect("write");
    let mut inventory = String::from(
        "[categories.necessary]\ntitle = \"Necessary\"\nconsent = \"exempt\"\n\n[providers.site]\nname = \"Example\"\nurl = \"https://example.org/\"\n\n",
    );
    for i in 0..200 {
        inventory.push_str(&format!(
            "[[cookies]]\nnames = [\"cookie_{i}\", \"other_{i}_*\"]\nprovider = \"site\"\ncategory = \"necessary\"\nfunction = \"Function number {i} of the site\"\npurpose = \"To remember something about the visitor, number {i}, from one page to another\"\nduration = \"{} months\"\n\n",
            i % 12 + 1
        ));
    }
    fs::create_dir_all(root.join("content")).expect("mkdir");
    fs::write(root.join("content/cookies.toml"), inventory).expect("write");
    for locale in ["en", "fr"] {
        fs::create_dir_all(root.join("content").join(locale)).expect("mkdir");
        for i in 0..300 {
            fs::write(
                root.join(format!("content/{locale}/doc-{i:04}.md")),
                format!("+++\ntitle = \"Document {i}\"\n+++\n\nSome prose.\n\n{{{{ cookies }}}}\n"),
            )
            .expect("write");
        }
    }
    let out = tmp.path().join("out");
    let peak = peak_memory_kib(&root, &out);
    let written: u64 = published(&out).iter().map(|(_, b)| b.len() as u64).sum();
    assert!(written > 50 << 20, "{written} bytes written");
    let peak_bytes = u64::try_from(peak).expect("positive") * 1024;
    assert!(
        peak_bytes < written / 2,
        "peak memory {peak} KiB for {} KiB written",
        written / 1024
    );
}

/// Allocations made on the threads of the pool [`allocations_per_page`] builds: the other
/// tests of this binary, which run at the same time, are not counted.
static ALLOCATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

thread_local! {
    /// Whether this thread's allocations are counted. No destructor, so the allocator may
    /// read it at any time, even while the thread ends.
    static COUNTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The system's allocator, counting the allocations of the threads marked [`COUNTED`].
struct Counting;

fn count() {
    if COUNTED.get() {
        ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

// SAFETY: every call is passed on unchanged to the system's allocator.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        count();
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        count();
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// The allocations per page of loading and rendering (in memory, nothing written) a site of
/// `documents` documents in two locales, each linking another by its file name, in raw
/// HTML too, on one thread.
fn allocations_per_page(documents: usize) -> u64 {
    let mut files = std::collections::BTreeMap::new();
    files.insert(
        "site.toml".to_string(),
        b"title = \"Centre\"\nbase_url = \"https://example.org/\"\nlocales = [\"en\", \"fr\"]\n"
            .to_vec(),
    );
    files.insert(
        "content/cookies.toml".to_string(),
        b"[categories.necessary]\ntitle = \"Necessary\"\nconsent = \"exempt\"\n\n\
          [providers.site]\nname = \"Example\"\nurl = \"https://example.org/\"\n\n\
          [[cookies]]\nnames = [\"session\"]\nprovider = \"site\"\ncategory = \"necessary\"\n\
          function = \"Session\"\npurpose = \"To keep you signed in\"\nduration = \"1 day\"\n"
            .to_vec(),
    );
    for locale in ["en", "fr"] {
        for i in 0..documents {
            let next = (i + 1) % documents;
            files.insert(
                format!("content/{locale}/doc-{i:04}.md"),
                format!(
                    "+++\ntitle = \"Document {i}\"\nupdated = 2026-11-29\n+++\n\n\
                     See [the next one](doc-{next:04}.md) and <a href=\"doc-{i:04}.md\">this one</a>.\n\n\
                     ## Scope\n\nSome *prose*.\n\n{{{{ cookies }}}}\n"
                )
                .into_bytes(),
            );
        }
    }
    let input = clause::input::Input::Memory(files);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .start_handler(|_| COUNTED.set(true))
        .build()
        .expect("a pool");
    let before = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed);
    let pages = pool.install(|| {
        let loaded = clause::site::load(&input);
        assert!(!loaded.diags.has_errors(), "{:?}", loaded.diags);
        let site = &loaded.sites[0];
        let (problems, failed) = clause::render::render_each::<()>(site, &|_| Ok(()));
        assert!(problems.is_empty() && failed.is_none(), "{problems:?}");
        site.pages.len() as u64
    });
    assert_eq!(pages, 2 * documents as u64);
    (ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed) - before) / pages
}

/// A page costs the same work whatever the number of documents: the allocations per page
/// of loading and rendering a site of 1,000 documents are those of a site of 100. When each
/// document's sanitizer was given its own copy of the list of the site's documents, a
/// document cost one more allocation per document of the site, and a site of 15,000
/// documents a locale took 45 s instead of 7 (benches/README.md). Work is counted, not time.
#[test]
fn the_work_per_page_does_not_grow_with_the_documents() {
    let small = allocations_per_page(100);
    let large = allocations_per_page(1_000);
    assert!(
        large * 100 < small * 115,
        "{small} allocations a page with 100 documents, {large} with 1,000"
    );
}
