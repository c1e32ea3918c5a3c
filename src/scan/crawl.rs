//! Which pages a scan visits: the start address, then pages of the same site from its
//! `sitemap.xml` and from links, breadth first, up to a limit.

use std::collections::{HashSet, VecDeque};

use url::Url;

use crate::audit::party_of;
use crate::inventory::Party;

/// Which links a scan may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Pages of the start address's site only (see [`same_site`]).
    SameSite,
    /// Any http(s) page the site links to.
    Anywhere,
}

/// Extensions of files that are not pages: a browser would download or merely display
/// them, and they set nothing a page does not.
const NOT_PAGES: [&str; 24] = [
    "7z", "avi", "css", "csv", "doc", "docx", "gif", "gz", "ico", "jpeg", "jpg", "js", "json",
    "mp3", "mp4", "pdf", "png", "ppt", "pptx", "svg", "webp", "xls", "xlsx", "zip",
];

/// Whether `url` is on the site of `start`: the same registrable domain by the Public
/// Suffix List (the audit's first-party rule, so subdomains are in and `other.github.io`
/// is out), on the same port (another port is another server: `http` and `https` on
/// their default ports are one site).
pub fn same_site(url: &Url, start: &Url) -> bool {
    let same_host = match (url.host_str(), start.host_str()) {
        (Some(a), Some(b)) => party_of(a, b) == Party::First,
        _ => false,
    };
    same_host && url.port() == start.port()
}

/// The address as a page to visit: http(s) only, without its fragment (the same page),
/// and not a file that is not a page. `None` when it is not one to visit.
pub fn page_address(raw: &str, base: &Url) -> Option<Url> {
    let mut url = base.join(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    let last = url.path_segments()?.next_back().unwrap_or("");
    if let Some((_, ext)) = last.rsplit_once('.') {
        if NOT_PAGES.contains(&ext.to_ascii_lowercase().as_str()) {
            return None;
        }
    }
    Some(url)
}

/// The pages to visit, in breadth-first order, never more than the limit.
#[derive(Debug)]
pub struct Crawl {
    start: Url,
    scope: Scope,
    limit: usize,
    queue: VecDeque<Url>,
    known: HashSet<String>,
    handed_out: usize,
}

impl Crawl {
    /// A crawl that begins at `start`.
    pub fn new(start: Url, scope: Scope, limit: usize) -> Self {
        let mut c = Crawl {
            start: start.clone(),
            scope,
            limit,
            queue: VecDeque::new(),
            known: HashSet::new(),
            handed_out: 0,
        };
        c.offer_url(start);
        c
    }

    /// Offers addresses found on a page (or in the sitemap), resolved against `base`:
    /// those in scope and not seen yet are queued, in order.
    pub fn offer<'a>(&mut self, links: impl IntoIterator<Item = &'a str>, base: &Url) {
        for link in links {
            if let Some(url) = page_address(link, base) {
                self.offer_url(url);
            }
        }
    }

    fn offer_url(&mut self, url: Url) {
        if self.scope == Scope::SameSite && !same_site(&url, &self.start) {
            return;
        }
        if self.known.insert(url.as_str().to_string()) {
            self.queue.push_back(url);
        }
    }

    /// Whether a page at `url` belongs to the crawl (a page that went elsewhere by a
    /// redirect, a `<meta http-equiv=refresh>` or a script is not recorded as the site's).
    pub fn in_scope(&self, url: &Url) -> bool {
        self.scope == Scope::Anywhere || same_site(url, &self.start)
    }

    /// Marks an address as visited (where a page redirected to), so that it is not
    /// queued again.
    pub fn visited(&mut self, url: &Url) {
        let mut u = url.clone();
        u.set_fragment(None);
        self.known.insert(u.as_str().to_string());
    }

    /// The next page to visit, while the limit allows.
    pub fn next_page(&mut self) -> Option<Url> {
        if self.handed_out >= self.limit {
            return None;
        }
        let next = self.queue.pop_front()?;
        self.handed_out += 1;
        Some(next)
    }

    /// How many pages the scan will visit, as far as it knows now.
    pub fn expected(&self) -> usize {
        (self.handed_out + self.queue.len()).min(self.limit)
    }
}

/// Addresses in a sitemap (`<urlset>`) and nested sitemaps (`<sitemapindex>`). Text that
/// is not a sitemap gives nothing: a missing sitemap is common and not an error.
pub fn sitemap_entries(xml: &str) -> (Vec<String>, Vec<String>) {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return (Vec::new(), Vec::new());
    };
    let root = doc.root_element();
    let locs = |parent: &str| -> Vec<String> {
        root.children()
            .filter(|n| n.tag_name().name() == parent)
            .flat_map(|n| n.children().filter(|c| c.tag_name().name() == "loc"))
            .filter_map(|loc| loc.text().map(|t| t.trim().to_string()))
            .filter(|t| !t.is_empty())
            .collect()
    };
    match root.tag_name().name() {
        "urlset" => (locs("url"), Vec::new()),
        "sitemapindex" => (Vec::new(), locs("sitemap")),
        _ => (Vec::new(), Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn only_pages_of_the_site_are_queued_breadth_first() {
        let start = u("http://www.example.org/");
        let mut c = Crawl::new(start.clone(), Scope::SameSite, 5);
        assert_eq!(c.next_page(), Some(start.clone()));
        c.offer(
            [
                "/a",
                "b#top",
                "https://shop.example.org/x",
                "https://example.org/y",
                "http://other.example.com/z",
                "mailto:dpo@example.org",
                "javascript:alert(1)",
                "/report.PDF",
                "/a#again",
                "/",
            ],
            &start,
        );
        let rest: Vec<String> = std::iter::from_fn(|| c.next_page())
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            rest,
            [
                "http://www.example.org/a",
                "http://www.example.org/b",
                // one registrable domain is one site, as the audit's first party: a
                // sibling subdomain and the parent domain are in
                "https://shop.example.org/x",
                "https://example.org/y",
            ]
        );
    }

    #[test]
    fn the_limit_counts_every_page_handed_out() {
        let start = u("http://127.0.0.1:8000/");
        let mut c = Crawl::new(start.clone(), Scope::SameSite, 2);
        assert_eq!(c.expected(), 1);
        c.offer(["/1", "/2", "/3"], &start);
        assert_eq!(c.expected(), 2);
        assert!(c.next_page().is_some());
        assert!(c.next_page().is_some());
        assert_eq!(c.next_page(), None);
    }

    #[test]
    fn another_port_or_a_public_suffix_is_another_site() {
        let start = u("http://127.0.0.1:8000/");
        assert!(same_site(&u("http://127.0.0.1:8000/a"), &start));
        assert!(!same_site(&u("http://127.0.0.1:8001/a"), &start));
        assert!(!same_site(&u("http://localhost:8000/a"), &start));
        assert!(!same_site(&u("http://10.0.0.1:8000/a"), &start));
        let site = u("https://www.example.co.uk/");
        assert!(same_site(&u("http://shop.example.co.uk/"), &site));
        assert!(same_site(&u("https://example.co.uk/x"), &site));
        assert!(!same_site(&u("https://other.co.uk/"), &site));
        assert!(!same_site(&u("https://www.example.co.uk:8443/"), &site));
        let pages = u("https://user.github.io/");
        assert!(!same_site(&u("https://other.github.io/"), &pages));
    }

    #[test]
    fn off_site_pages_only_when_asked() {
        let start = u("http://127.0.0.1:8000/");
        let mut c = Crawl::new(start.clone(), Scope::Anywhere, 5);
        c.next_page();
        c.offer(["http://localhost:9000/", "ftp://127.0.0.1/x"], &start);
        assert_eq!(c.next_page(), Some(u("http://localhost:9000/")));
        assert_eq!(c.next_page(), None);
    }

    #[test]
    fn sitemaps_and_indexes_are_read() {
        let set = r#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc> http://a.org/1 </loc></url><url><loc>http://a.org/2</loc><lastmod>2026-01-01</lastmod></url></urlset>"#;
        assert_eq!(
            sitemap_entries(set),
            (
                vec!["http://a.org/1".into(), "http://a.org/2".into()],
                vec![]
            )
        );
        let index = r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://a.org/s1.xml</loc></sitemap></sitemapindex>"#;
        assert_eq!(
            sitemap_entries(index),
            (vec![], vec!["http://a.org/s1.xml".into()])
        );
        assert_eq!(
            sitemap_entries("<html><body>Not found</body></html>"),
            (vec![], vec![])
        );
        assert_eq!(sitemap_entries("not xml <"), (vec![], vec![]));
    }
}
