//! The reader of `content/cookies.toml` (and of a portal's `sites/<id>/cookies.toml`): the
//! spanned TOML read into the model of [`crate::inventory`], every problem reported with its
//! place, a portal's file laid over the shared one.

use std::collections::HashMap;
use std::ops::Range;

use super::{
    compile_regex, parse_duration, Category, Consent, Cookie, CookieName, Definition, Duration,
    Exemption, Inventory, LegalBasis, Party, Pattern, Provider, Role, Storage, Transfer, Unit,
};
use crate::decode::{self, Fields, LocaleSet, Reader, Spanned, Val};
use crate::diagnostics::{suggest, Diagnostic, Diagnostics, ErrorReported, FileId};
use crate::legal::{self, Zone};

const TOP: [&str; 4] = ["definitions", "categories", "providers", "cookies"];
const TOP_OVERLAY: [&str; 5] = [
    "definitions",
    "categories",
    "providers",
    "cookies",
    "remove",
];
const DEFINITION: [&str; 3] = ["id", "term", "text"];
const CATEGORY: [&str; 5] = [
    "title",
    "description",
    "consent",
    "legal_basis",
    "exemption",
];
const PROVIDER: [&str; 6] = [
    "name",
    "url",
    "privacy_policy",
    "country",
    "role",
    "transfer",
];
const COOKIE: [&str; 12] = [
    "names",
    "provider",
    "category",
    "function",
    "purpose",
    "duration",
    "duration_note",
    "party",
    "storage",
    "domain",
    "data",
    "retention",
];

/// Reads and validates the inventory. `Err` only when the file is not TOML: with other
/// errors it returns what could be read, so that the prose can still be checked against it
/// (the errors are in `diags`, and the build stops on them).
pub fn load(
    text: &str,
    file: FileId,
    locales: &[String],
    diags: &mut Diagnostics,
) -> Result<Inventory, ErrorReported> {
    let root = decode::parse(text, file, 0, diags)?;
    let layer = Layer {
        file,
        text,
        root: &root,
    };
    load_layers(&layer, None, locales.into(), diags)
}

/// Fields whose value may be a table of translations.
const LOCALIZED: [&str; 9] = [
    "term",
    "text",
    "title",
    "description",
    "name",
    "function",
    "purpose",
    "duration_note",
    "data",
];

/// The locales an inventory file has texts for (the keys of its tables of translations).
pub fn locales_used(root: &Spanned<Val>) -> Vec<String> {
    fn walk(v: &Spanned<Val>, out: &mut std::collections::BTreeSet<String>) {
        match &v.value {
            Val::Table(entries) => {
                for (k, x) in entries {
                    match &x.value {
                        Val::Table(tr) if LOCALIZED.contains(&k.value.as_str()) => {
                            out.extend(tr.iter().map(|(l, _)| l.value.clone()));
                        }
                        _ => walk(x, out),
                    }
                }
            }
            Val::Array(items) => items.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(root, &mut out);
    out.into_iter().collect()
}

/// Reads an inventory on its own, as `clause diff` compares them: its texts are kept in
/// every locale it has (those of `site_locales` when given), so that an old revision
/// written before a locale was added still loads.
pub fn load_standalone(
    text: &str,
    file: FileId,
    site_locales: Option<&[String]>,
    diags: &mut Diagnostics,
) -> Result<(Inventory, Vec<String>), ErrorReported> {
    let root = decode::parse(text, file, 0, diags)?;
    let used = locales_used(&root);
    let required: Vec<String> = match site_locales {
        Some(site) => used.iter().filter(|l| site.contains(l)).cloned().collect(),
        None => used.clone(),
    };
    let set = LocaleSet {
        required: &required,
        known: &used,
        // An old revision was published as it was: compare it, do not judge it again.
        check_texts: false,
    };
    let layer = Layer {
        file,
        text,
        root: &root,
    };
    let inv = load_layers(&layer, None, set, diags)?;
    Ok((inv, required))
}

/// One inventory file, parsed: the shared `content/cookies.toml`, or a portal's
/// `sites/<id>/cookies.toml` that changes it.
pub struct Layer<'a> {
    /// The file.
    pub file: FileId,
    /// Its text, to point inside strings.
    pub text: &'a str,
    /// Its parsed contents.
    pub root: &'a Spanned<Val>,
}

/// A raw entry and the file it comes from.
type Item<'v> = (FileId, &'v Spanned<Val>);

/// A raw `[categories.<id>]` or `[providers.<id>]` table, by id, with its file.
type Named<'v> = (String, (FileId, Spanned<String>, &'v Spanned<Val>));

/// The string value of `key` in a raw table, before validation (to merge layers by id).
fn peek_str<'v>(v: &'v Spanned<Val>, key: &str) -> Option<&'v str> {
    let Val::Table(entries) = &v.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.value == key)
        .and_then(|(_, x)| match &x.value {
            Val::Str(s) => Some(s.as_str()),
            _ => None,
        })
}

/// The `id` of a raw entry and where it is written, before validation.
fn peek_id(v: &Spanned<Val>) -> Option<(&str, Range<usize>)> {
    let Val::Table(entries) = &v.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.value == "id")
        .and_then(|(_, x)| match &x.value {
            Val::Str(s) => Some((s.as_str(), x.span.clone())),
            _ => None,
        })
}

/// The names of a raw `[[cookies]]` entry, before validation.
fn peek_names(v: &Spanned<Val>) -> Vec<&str> {
    let Val::Table(entries) = &v.value else {
        return Vec::new();
    };
    entries
        .iter()
        .find(|(k, _)| k.value == "names")
        .map(|(_, x)| match &x.value {
            Val::Array(items) => items
                .iter()
                .filter_map(|i| match &i.value {
                    Val::Str(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default()
}

fn replace_or_push<'v, K: PartialEq>(list: &mut Vec<(K, Item<'v>)>, key: K, item: Item<'v>) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = item,
        None => list.push((key, item)),
    }
}

/// Reads and validates an inventory made of a shared file and the files that change it, in
/// order. A later layer's definition, category or provider with the same id replaces the
/// earlier one; its cookies replace the earlier cookies that share a name; its `remove`
/// list drops earlier cookies by name. `Err` only when a file is not a table: with other
/// errors it returns what could be read (the errors are in `diags`).
pub fn load_layers(
    first: &Layer,
    overlay: Option<&Layer>,
    locales: LocaleSet,
    diags: &mut Diagnostics,
) -> Result<Inventory, ErrorReported> {
    let layers: Vec<&Layer> = std::iter::once(first).chain(overlay).collect();
    let mut r = Reader {
        file: first.file,
        diags,
    };
    let mut defs: Vec<(String, Item)> = Vec::new();
    let mut cats: Vec<Named> = Vec::new();
    let mut provs: Vec<Named> = Vec::new();
    let mut cookies: Vec<Item> = Vec::new();
    let mut any_cookies = false;
    let mut anonymous = 0usize;
    for (i, layer) in layers.iter().enumerate() {
        r.file = layer.file;
        let known: &[&str] = if i == 0 { &TOP } else { &TOP_OVERLAY };
        let fields = r.table(layer.root, "the inventory", known, "[[cookies]]")?;
        // Within one file an id may be declared once; a later file replaces it.
        let mut declared_here: HashMap<&str, Range<usize>> = HashMap::new();
        for item in array(&mut r, &fields, "definitions", "[[definitions]]") {
            if let Some((id, span)) = peek_id(item) {
                if let Some(first) = declared_here.get(id) {
                    r.diags.push(
                        Diagnostic::error(format!("definition `{id}` is declared twice"))
                            .at(layer.file, span, "declared again")
                            .also(layer.file, first.clone(), "first declared here")
                            .help("give each definition its own `id`, or remove one of them"),
                    );
                    continue;
                }
                declared_here.insert(id, span);
            }
            // An entry without a readable id cannot replace anything: keep it apart.
            let key = peek_str(item, "id").map_or_else(
                || {
                    anonymous += 1;
                    format!("\0{anonymous}")
                },
                str::to_string,
            );
            replace_or_push(&mut defs, key, (layer.file, item));
        }
        for (id, v) in named_tables(&mut r, &fields, "categories") {
            let key = id.value.clone();
            match cats.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = (layer.file, id, v),
                None => cats.push((key, (layer.file, id, v))),
            }
        }
        for (id, v) in named_tables(&mut r, &fields, "providers") {
            let key = id.value.clone();
            match provs.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = (layer.file, id, v),
                None => provs.push((key, (layer.file, id, v))),
            }
        }
        let own = array(&mut r, &fields, "cookies", "[[cookies]]");
        any_cookies |= fields.get("cookies").is_some();
        if i > 0 {
            let replaced: std::collections::HashSet<&str> =
                own.iter().flat_map(peek_names).collect();
            let mut removed: Vec<Spanned<String>> = Vec::new();
            if let Some(v) = fields.get("remove") {
                removed = decode::strings(&mut r, v, "remove").unwrap_or_default();
            }
            for name in &removed {
                let exists = cookies
                    .iter()
                    .any(|(_, c)| peek_names(c).contains(&name.value.as_str()));
                if !exists {
                    let all: Vec<&str> = cookies.iter().flat_map(|(_, c)| peek_names(c)).collect();
                    let help = suggest(&name.value, all.iter().copied()).map_or_else(
                        || {
                            "list only names of the shared inventory (content/cookies.toml)"
                                .to_string()
                        },
                        |s| format!("did you mean `{s}`?"),
                    );
                    r.error(
                        &name.span,
                        format!(
                            "`remove` names `{}`, which no shared cookie has",
                            name.value
                        ),
                        "not a shared cookie",
                        help,
                    );
                }
            }
            cookies.retain(|(_, c)| {
                !peek_names(c)
                    .iter()
                    .any(|n| replaced.contains(n) || removed.iter().any(|x| x.value == *n))
            });
        }
        cookies.extend(own.iter().map(|c| (layer.file, c)));
    }

    let mut inv = Inventory {
        file: first.file,
        definitions: Vec::new(),
        categories: Vec::new(),
        providers: Vec::new(),
        cookies: Vec::new(),
        rejected: Vec::new(),
    };
    for (_, (file, item)) in &defs {
        r.file = *file;
        if let Ok(d) = read_definition(&mut r, item, locales, &inv.definitions) {
            inv.definitions.push(d);
        }
    }
    // Ids declared with errors still count as declared, so that a cookie using them
    // does not get a second, misleading "unknown id" error.
    let mut declared = Declared::default();
    for (key, (file, id, v)) in &cats {
        r.file = *file;
        declared.categories.push(key.clone());
        // A category's id is its section's anchor: it may not be one of the page's own,
        // nor the anchor of a definition (`def-<id>`).
        let shadows = if crate::markdown::PAGE_IDS.contains(&key.as_str()) {
            Some("an id of the page itself".to_string())
        } else {
            key.strip_prefix("def-")
                .filter(|d| inv.definitions.iter().any(|x| x.id == *d))
                .map(|d| format!("the anchor of the definition `{d}`"))
        };
        if let Some(what) = shadows {
            r.error(
                &id.span,
                format!("category id `{key}` is already {what}"),
                "the anchor of this category's section",
                "an id names one element of the page: rename the category".into(),
            );
        }
        match read_category(&mut r, id, v, locales) {
            Ok(c) => inv.categories.push(c),
            Err(e) => {
                declared.failed.insert(key.clone(), e);
                inv.rejected.push(key.clone());
            }
        }
    }
    for (key, (file, id, v)) in &provs {
        r.file = *file;
        declared.providers.push(key.clone());
        match read_provider(&mut r, id, v, locales) {
            Ok(p) => inv.providers.push(p),
            Err(e) => {
                declared.failed.insert(key.clone(), e);
            }
        }
    }
    let mut seen: HashMap<String, (FileId, Range<usize>)> = HashMap::new();
    for (file, item) in &cookies {
        r.file = *file;
        let text = layers
            .iter()
            .find(|l| l.file == *file)
            .map_or("", |l| l.text);
        let names = Names {
            text,
            seen: &mut seen,
        };
        if let Ok(c) = read_cookie(&mut r, item, locales, &inv, &declared, names) {
            inv.cookies.push(c);
        }
    }
    if !any_cookies {
        r.diags.push(
            Diagnostic::warning("the inventory declares no cookie")
                .at(first.file, 0..0, "no [[cookies]] entry in this file")
                .help("add a `[[cookies]]` entry for each cookie the site sets"),
        );
    }
    // Every page that loads a consent banner downloads its patterns: each is bounded
    // (`jsregex::MAX_LEN`), and so is their sum.
    let total: usize = crate::export::js_patterns(&inv)
        .iter()
        .flatten()
        .map(|p| match p {
            crate::export::JsPattern::Exact(n) | crate::export::JsPattern::Regex(n) => n.len(),
        })
        .sum();
    if total > crate::export::MAX_PATTERNS_LEN {
        r.diags.push(
            Diagnostic::warning(format!(
                "the cookie patterns take {} KiB once written for the consent banners, more than the {} KiB a banner should make every page download",
                total / 1024,
                crate::export::MAX_PATTERNS_LEN / 1024
            ))
            .at(first.file, 0..0, "the patterns of this inventory")
            .help("Unicode classes (`\\w`, `\\d`, `\\b`, `\\pL`) become long lists of ranges: where cookie names are ASCII, write `[A-Za-z0-9_]`, `[0-9]` or `(?-u:\\b)`, or merge patterns into one"),
        );
    }
    Ok(inv)
}

/// Every category and provider id written in the file, valid or not.
#[derive(Default)]
struct Declared {
    categories: Vec<String>,
    providers: Vec<String>,
    /// The ids of categories and providers that have errors, reported.
    failed: HashMap<String, ErrorReported>,
}

fn array<'v>(r: &mut Reader, f: &Fields<'v>, key: &str, example: &str) -> &'v [Spanned<Val>] {
    match f.get(key) {
        Some(Spanned {
            value: Val::Array(items),
            ..
        }) => items,
        Some(v) => {
            r.wrong_type(v, key, "a list of tables", example);
            &[]
        }
        None => &[],
    }
}

fn named_tables<'v>(
    r: &mut Reader,
    f: &Fields<'v>,
    key: &str,
) -> Vec<(Spanned<String>, &'v Spanned<Val>)> {
    match f.get(key) {
        Some(Spanned {
            value: Val::Table(entries),
            ..
        }) => {
            let mut out = Vec::new();
            for (k, v) in entries {
                if !crate::content::is_slug(&k.value) {
                    r.error(
                        &k.span,
                        format!("`{}` is not a valid identifier", k.value),
                        "invalid identifier",
                        "identifiers are used in links: use lowercase letters, digits, `-` and `_`"
                            .into(),
                    );
                    continue;
                }
                out.push((k.clone(), v));
            }
            out
        }
        Some(v) => {
            r.wrong_type(v, key, "a table of tables", &format!("[{key}.some-id]"));
            Vec::new()
        }
        None => Vec::new(),
    }
}

fn read_definition(
    r: &mut Reader,
    v: &Spanned<Val>,
    locales: LocaleSet,
    existing: &[Definition],
) -> Result<Definition, ErrorReported> {
    let f = r.table(v, "a definition", &DEFINITION, "[[definitions]]")?;
    let id = f
        .require(r, "id", "\"necessary\"")
        .and_then(|x| decode::string(r, x, "id"));
    let term = f
        .require(r, "term", "\"Necessary cookies\"")
        .and_then(|x| decode::localized(r, x, "term", locales));
    let text = f
        .require(r, "text", "\"…\"")
        .and_then(|x| decode::localized(r, x, "text", locales));
    let id = id?;
    if !crate::content::is_slug(&id.value) {
        return Err(r.error(
            &id.span,
            format!("`{}` is not a valid identifier", id.value),
            "invalid identifier",
            "identifiers are used in links: use lowercase letters, digits, `-` and `_`".into(),
        ));
    }
    if existing.iter().any(|d| d.id == id.value) {
        return Err(r.error(
            &id.span,
            format!("definition `{}` is declared twice", id.value),
            "declared again",
            "give each definition its own `id`".into(),
        ));
    }
    Ok(Definition {
        id: id.value,
        term: term?,
        text: text?,
    })
}

fn read_category(
    r: &mut Reader,
    id: &Spanned<String>,
    v: &Spanned<Val>,
    locales: LocaleSet,
) -> Result<Category, ErrorReported> {
    let f = r.table(v, "a category", &CATEGORY, "[categories.necessary]")?;
    let title = f
        .require(r, "title", "\"Necessary cookies\"")
        .and_then(|x| decode::localized(r, x, "title", locales));
    let description = match f.get("description") {
        Some(x) => decode::localized(r, x, "description", locales).map(Some),
        None => Ok(None),
    };
    let consent = f
        .require(r, "consent", "\"required\"")
        .and_then(|x| decode::choice(r, x, "consent", &Consent::ALL.map(|c| (c.as_str(), c))));
    let basis = optional_choice(
        r,
        &f,
        "legal_basis",
        &LegalBasis::ALL.map(|b| (b.as_str(), b)),
    );
    let exemption = optional_choice(r, &f, "exemption", &Exemption::ALL.map(|e| (e.as_str(), e)));
    let consent = consent?;
    let (legal_basis, exemption) = (basis?, exemption?);
    if consent == Consent::Required {
        // Consent is the basis of what a visitor is asked to accept (Article 5(3)
        // ePrivacy): no other basis can stand in for it.
        if let Some((span, b)) = legal_basis
            .clone()
            .filter(|(_, b)| *b != LegalBasis::Consent)
        {
            return Err(r.error(
                &span,
                format!(
                    "category `{}` needs consent, so its legal basis is consent, not \"{}\"",
                    id.value,
                    b.as_str()
                ),
                "not the basis of a category that needs consent",
                "write `legal_basis = \"consent\"` (or remove the line: it is implied), or make the category `consent = \"exempt\"` if its cookies truly need no consent".into(),
            ));
        }
        if let Some((span, e)) = exemption.clone() {
            return Err(r.error(
                &span,
                format!(
                    "category `{}` needs consent, so it cannot be exempt as \"{}\"",
                    id.value,
                    e.as_str()
                ),
                "an exemption on a category that needs consent",
                "remove `exemption`, or make the category `consent = \"exempt\"` if its cookies meet the exemption's conditions".into(),
            ));
        }
    }
    Ok(Category {
        id: id.value.clone(),
        file: r.file,
        span: id.span.clone(),
        title: title?,
        description: description?,
        consent,
        legal_basis: match legal_basis {
            Some((_, b)) => Some(b),
            None if consent == Consent::Required => Some(LegalBasis::Consent),
            None => None,
        },
        exemption: exemption.map(|(_, e)| e),
    })
}

/// An optional key whose value is one of a few words, and where it is written.
fn optional_choice<T: Copy>(
    r: &mut Reader,
    f: &Fields,
    key: &str,
    options: &[(&str, T)],
) -> Result<Option<(Range<usize>, T)>, ErrorReported> {
    match f.get(key) {
        None => Ok(None),
        Some(x) => decode::choice(r, x, key, options).map(|t| Some((x.span.clone(), t))),
    }
}

fn read_url(r: &mut Reader, f: &Fields, key: &str) -> Result<Option<String>, ErrorReported> {
    let Some(v) = f.get(key) else { return Ok(None) };
    let s = decode::string(r, v, key)?;
    match url::Url::parse(&s.value) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "mailto") => Ok(Some(u.to_string())),
        _ => Err(r.error(
            &s.span,
            format!(
                "`{key}` must be an http(s) or mailto address, not \"{}\"",
                s.value
            ),
            "not a web or mail address",
            "write the full address, e.g. \"https://example.org/privacy\"".into(),
        )),
    }
}

fn read_provider(
    r: &mut Reader,
    id: &Spanned<String>,
    v: &Spanned<Val>,
    locales: LocaleSet,
) -> Result<Provider, ErrorReported> {
    let f = r.table(v, "a provider", &PROVIDER, "[providers.acme]")?;
    let name = f
        .require(r, "name", "\"Acme\"")
        .and_then(|x| decode::localized(r, x, "name", locales));
    let url = read_url(r, &f, "url");
    let privacy_policy = read_url(r, &f, "privacy_policy");
    let country = read_country(r, &f);
    let role = optional_choice(r, &f, "role", &Role::ALL.map(|x| (x.as_str(), x)));
    let transfer = optional_choice(r, &f, "transfer", &Transfer::ALL.map(|x| (x.as_str(), x)));
    let (country, transfer) = (country?, transfer?);
    check_transfer(r, id, country.as_ref(), transfer.as_ref())?;
    Ok(Provider {
        id: id.value.clone(),
        name: name?,
        url: url?,
        privacy_policy: privacy_policy?,
        country: country.map(|c| c.value),
        role: role?.map(|(_, x)| x),
        transfer: transfer.map(|(_, t)| t),
    })
}

/// `country`: an ISO 3166-1 alpha-2 code, in upper case.
fn read_country(r: &mut Reader, f: &Fields) -> Result<Option<Spanned<String>>, ErrorReported> {
    let Some(v) = f.get("country") else {
        return Ok(None);
    };
    let s = decode::string(r, v, "country")?;
    if legal::is_country(&s.value) {
        return Ok(Some(s));
    }
    let help = match legal::suggest(&s.value) {
        Some(code) => format!(
            "did you mean `{code}` ({})?",
            legal::name(code, "en").unwrap_or(code)
        ),
        None => "write the ISO 3166-1 alpha-2 code of the country where the provider is established, in capitals, e.g. \"FR\", \"IE\", \"US\"".into(),
    };
    Err(r.error(
        &s.span,
        format!("`{}` is not a country code", s.value),
        "not an ISO 3166-1 alpha-2 code",
        help,
    ))
}

/// A provider's `transfer` against its `country`: none inside the EEA, the right words for
/// an adequacy decision and the Data Privacy Framework, and a warning when data leaves the
/// EEA for a country without adequacy and nothing says how.
fn check_transfer(
    r: &mut Reader,
    id: &Spanned<String>,
    country: Option<&Spanned<String>>,
    transfer: Option<&(Range<usize>, Transfer)>,
) -> Result<(), ErrorReported> {
    let Some(country) = country else {
        if let Some((span, _)) = transfer {
            r.diags.push(
                Diagnostic::warning(format!(
                    "provider `{}` has a `transfer` but no `country`",
                    id.value
                ))
                .at(r.file, span.clone(), "a transfer to where?")
                .help("add the country where the provider is established, e.g. `country = \"US\"`, so that the page says where the data goes"),
            );
        }
        return Ok(());
    };
    let code = country.value.as_str();
    let named = legal::name(code, "en").unwrap_or(code);
    let zone = legal::zone(code);
    match (zone, transfer) {
        (Zone::Eea, Some((span, t))) => Err(r.error(
            span,
            format!(
                "provider `{}` is in {named}, inside the EEA, so `transfer = \"{}\"` says nothing true",
                id.value,
                t.as_str()
            ),
            "no transfer inside the EEA",
            "remove `transfer`: data that stays in the European Economic Area needs no safeguard (if it goes on to another country, declare the provider that receives it there)".into(),
        )),
        (Zone::Dpf | Zone::Other, Some((span, Transfer::Adequacy))) => {
            let help = if zone == Zone::Dpf {
                "for a provider certified under the EU-US Data Privacy Framework write `transfer = \"dpf\"`; otherwise name its safeguard, e.g. `transfer = \"scc\"`".to_string()
            } else {
                format!(
                    "name the safeguard, e.g. `transfer = \"scc\"`; the countries with an adequacy decision are listed in data/transfers.toml (checked {})",
                    legal::checked()
                )
            };
            Err(r.error(
                span,
                format!("the European Commission has no adequacy decision for {named}"),
                "no adequacy decision for this country",
                help,
            ))
        }
        (Zone::Adequacy | Zone::Other, Some((span, Transfer::Dpf))) => Err(r.error(
            span,
            format!(
                "the EU-US Data Privacy Framework covers organisations in the United States, not in {named}"
            ),
            "not a safeguard for this country",
            "name the safeguard of this transfer, e.g. `transfer = \"scc\"`, or correct `country`".into(),
        )),
        (Zone::Dpf | Zone::Other, None) => {
            r.diags.push(
                Diagnostic::warning(format!(
                    "provider `{}` is in {named}, outside the EEA and without an adequacy decision, but has no `transfer`",
                    id.value
                ))
                .at(r.file, country.span.clone(), "data leaves the EEA here")
                .help(if zone == Zone::Dpf {
                    "say what protects the data: `transfer = \"dpf\"` (EU-US Data Privacy Framework), \"scc\", \"bcr\" or \"derogation\""
                } else {
                    "say what protects the data: `transfer = \"scc\"` (standard contractual clauses), \"bcr\" or \"derogation\""
                }),
            );
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Resolves a provider or category id: `ids` are the valid ones (their index is returned),
/// `declared` every one written in the file; `table` is where they are declared
/// (`providers`, `categories`), as the user must write it.
fn reference(
    r: &mut Reader,
    f: &Fields,
    key: &str,
    (ids, declared): (&[&str], &[String]),
    (what, table): (&str, &str),
    failed: &HashMap<String, ErrorReported>,
) -> Result<usize, ErrorReported> {
    let v = f.require(r, key, "\"…\"")?;
    let s = decode::string(r, v, key)?;
    if let Some(i) = ids.iter().position(|x| *x == s.value) {
        return Ok(i);
    }
    if declared.contains(&s.value) {
        if let Some(e) = failed.get(&s.value) {
            // Declared with an error, which is already reported.
            return Err(*e);
        }
    }
    let help = match suggest(&s.value, ids.iter().copied()) {
        Some(x) => format!("did you mean `{x}`?"),
        None if ids.is_empty() => format!("declare it first with a `[{table}.{}]` table", s.value),
        None => format!(
            "declared {table}: {}; or declare `[{table}.{}]`",
            ids.join(", "),
            s.value
        ),
    };
    Err(r.error(
        &s.span,
        format!("unknown {what} `{}`", s.value),
        &format!("no {what} has this id"),
        help,
    ))
}

/// What reading the names of a cookie needs besides its table: the text of its file (to
/// point inside a pattern) and the names already declared.
struct Names<'t, 's> {
    text: &'t str,
    seen: &'s mut HashMap<String, (FileId, Range<usize>)>,
}

fn read_names(r: &mut Reader, f: &Fields, names: Names) -> Result<Vec<CookieName>, ErrorReported> {
    let Names { text, seen } = names;
    let v = f.require(r, "names", "[\"sessionid\"]")?;
    let list = decode::strings(r, v, "names")?;
    if list.is_empty() {
        return Err(r.error(
            &v.span,
            "`names` is empty".into(),
            "no name",
            "list the cookie's name, e.g. `names = [\"sessionid\"]`".into(),
        ));
    }
    let mut out = Vec::new();
    let mut failed = Ok(());
    for n in list {
        let name = n.value.as_str();
        if let Some(expr) = name.strip_prefix("re:") {
            match compile_regex(expr) {
                Ok(rust) => {
                    let js = match crate::jsregex::anchored(expr) {
                        Ok(js) => js,
                        Err(e) => {
                            let span = decode::part_span(text, &n, 3..name.len());
                            failed = Err(untranslatable(r, span, name, &e));
                            continue;
                        }
                    };
                    if let Some((hits, of)) = crate::inventory::catch_all(&rust) {
                        let label = if hits == 0 {
                            "matches the empty name".to_string()
                        } else {
                            format!("matches {hits} of {of} common cookie names")
                        };
                        r.diags.push(
                            Diagnostic::warning(format!(
                                "`{name}` declares almost any cookie name"
                            ))
                            .at(r.file, n.span.clone(), label)
                            .help("a pattern this broad declares cookies nobody reviewed and hides them from `clause audit`: list the names, a prefix (`_ga_*`) or a narrower expression; to declare one name exactly that starts with `re:` or ends with `*`, write `re:` and the name with `\\` before each special character (`re:re:\\.\\*`)"),
                        );
                    }
                    if seen
                        .insert(name.to_string(), (r.file, n.span.clone()))
                        .is_none()
                    {
                        out.push(CookieName {
                            name: name.to_string(),
                            pattern: Pattern::Regex { rust, js },
                        });
                    }
                }
                Err(e) => {
                    failed = Err(r.error(
                        &n.span,
                        format!("`{name}` is not a valid regular expression: {e}"),
                        "invalid regular expression",
                        "after `re:` write a regular expression that matches whole names, e.g. `re:_hjSession_[0-9]+`".into(),
                    ));
                }
            }
            continue;
        }
        let body = name.strip_suffix('*').unwrap_or(name);
        if !crate::inventory::is_valid_name_body(body) {
            failed = Err(r.error(
                &n.span,
                format!("`{name}` is not a valid cookie name"),
                "invalid cookie name",
                "a cookie name has no spaces or `; , = \" ( ) < > @ : / [ ] ? { }`; a trailing `*` means \"any name starting with\", and `re:` starts a regular expression (to declare such a name exactly, write `re:` and the name with `\\` before each of `. * + ? ( ) [ ] { } | ^ $ \\`)".into(),
            ));
            continue;
        }
        if let Some((first_file, first)) = seen.get(name) {
            let (first_file, first) = (*first_file, first.clone());
            failed = Err(r.diags.error(
                Diagnostic::error(format!("cookie `{name}` is declared twice"))
                    .at(r.file, n.span.clone(), "declared again here")
                    .also(first_file, first, "first declared here")
                    .help("keep one entry per cookie name: merge the two entries"),
            ));
            continue;
        }
        seen.insert(name.to_string(), (r.file, n.span.clone()));
        out.push(CookieName {
            name: name.to_string(),
            pattern: if name.ends_with('*') {
                Pattern::Prefix
            } else {
                Pattern::Exact
            },
        });
    }
    failed.map(|()| out)
}

/// Reports a `re:` pattern that Rust accepts but the consent banners could not be given.
fn untranslatable(
    r: &mut Reader,
    span: Range<usize>,
    name: &str,
    why: &crate::jsregex::Untranslatable,
) -> ErrorReported {
    use crate::jsregex::Untranslatable;
    let (message, label, help) = match why {
        Untranslatable::TooLarge { len } => (
            format!(
                "`{name}` is too large for the consent banners: written for JavaScript it takes {len} characters, at most {} are allowed",
                crate::jsregex::MAX_LEN
            ),
            "too large once written for JavaScript",
            "Unicode classes (`\\w`, `\\d`, `\\s`, `\\b`, `\\pL`) are written for JavaScript as every range they cover: where cookie names are ASCII, write `[A-Za-z0-9_]`, `[0-9]` or `(?-u:\\b)` instead, or turn Unicode off for the whole pattern with `(?-u)`",
        ),
        other => (
            format!("`{name}` cannot be written for the consent banners: {other}"),
            "not expressible in JavaScript",
            "write the pattern with classes, alternatives and repetitions of characters, e.g. `re:_hjSession_[0-9]+`",
        ),
    };
    r.error(&span, message, label, help.to_string())
}

fn read_cookie(
    r: &mut Reader,
    v: &Spanned<Val>,
    locales: LocaleSet,
    inv: &Inventory,
    declared: &Declared,
    names: Names,
) -> Result<Cookie, ErrorReported> {
    // Named in its messages ("cookie `_ga` has no `purpose`"): an entry is found by name.
    let what = match peek_names(v).as_slice() {
        [] => "a cookie".to_string(),
        [one] => format!("cookie `{one}`"),
        several => {
            let quoted: Vec<String> = several.iter().map(|n| format!("`{n}`")).collect();
            format!("the entry of cookies {}", crate::text::preview(&quoted, 3))
        }
    };
    let f = r.table(v, &what, &COOKIE, "[[cookies]]")?;
    let names = read_names(r, &f, names);
    let provider_ids: Vec<&str> = inv.providers.iter().map(|p| p.id.as_str()).collect();
    let category_ids: Vec<&str> = inv.categories.iter().map(|c| c.id.as_str()).collect();
    let provider = reference(
        r,
        &f,
        "provider",
        (provider_ids.as_slice(), declared.providers.as_slice()),
        ("provider", "providers"),
        &declared.failed,
    );
    let category = reference(
        r,
        &f,
        "category",
        (category_ids.as_slice(), declared.categories.as_slice()),
        ("category", "categories"),
        &declared.failed,
    );
    let function = f
        .require(r, "function", "\"Authentication\"")
        .and_then(|x| decode::localized(r, x, "function", locales));
    let purpose = f
        .require(r, "purpose", "\"To remember the user\"")
        .and_then(|x| decode::localized(r, x, "purpose", locales));
    let duration = f
        .require(r, "duration", "\"13 months\"")
        .and_then(|x| decode::string(r, x, "duration"))
        .and_then(|s| {
            parse_duration(&s.value).map_err(|e| r.error(&s.span, e.message, e.label, e.help))
        });
    let duration_note = match f.get("duration_note") {
        Some(x) => decode::localized(r, x, "duration_note", locales).map(Some),
        None => Ok(None),
    };
    let party = match f.get("party") {
        None => Ok(Party::First),
        Some(x) => decode::choice(r, x, "party", &Party::ALL.map(|p| (p.as_str(), p))),
    };
    let storage = optional_choice(r, &f, "storage", &Storage::ALL.map(|x| (x.as_str(), x)));
    let domain = read_domain(r, &f);
    let data = match f.get("data") {
        Some(x) => decode::localized(r, x, "data", locales).map(Some),
        None => Ok(None),
    };
    let retention = match f.get("retention") {
        Some(x) => decode::string(r, x, "retention").and_then(|s| {
            parse_duration(&s.value)
                .map(|d| Some((s.span.clone(), d)))
                .map_err(|e| r.error(&s.span, e.message, e.label, e.help))
        }),
        None => Ok(None),
    };
    let (category, duration, party, retention) = (category?, duration?, party?, retention?);
    if inv.categories[category].exemption == Some(Exemption::AudienceMeasurement) {
        audience_measurement(
            r,
            &f,
            &inv.categories[category],
            (duration, party, &retention),
        );
    }
    Ok(Cookie {
        names: names?,
        provider: provider?,
        category,
        function: function?,
        purpose: purpose?,
        duration,
        duration_note: duration_note?,
        party,
        storage: storage?.map_or(Storage::Cookie, |(_, x)| x),
        domain: domain?,
        data: data?,
        retention: retention.map(|(_, d)| d),
    })
}

/// `domain`: the host that sets the cookie, e.g. `www.youtube.com` (a leading `.`, as
/// browsers show cookie domains, is accepted).
fn read_domain(r: &mut Reader, f: &Fields) -> Result<Option<String>, ErrorReported> {
    let Some(v) = f.get("domain") else {
        return Ok(None);
    };
    let s = decode::string(r, v, "domain")?;
    let host = s.value.strip_prefix('.').unwrap_or(&s.value);
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if plain && url::Host::parse(host).is_ok() {
        return Ok(Some(s.value));
    }
    let help = match url::Url::parse(&s.value).ok().and_then(|u| u.host_str().map(str::to_string)) {
        Some(h) => format!("write the host alone: `domain = \"{h}\"`"),
        None => "write the host that sets it, e.g. `domain = \"www.youtube.com\"` (no `https://`, path or port)".into(),
    };
    Err(r.error(
        &s.span,
        format!("`{}` is not a host name", s.value),
        "not a host name",
        help,
    ))
}

/// The longest a cookie may live, and the longest its data may be kept, for audience
/// measurement to be exempt from consent (CNIL deliberation 2020-091, art. 5).
const AUDIENCE_LIFETIME: Duration = Duration::Fixed(13, Unit::Month);
const AUDIENCE_RETENTION: Duration = Duration::Fixed(25, Unit::Month);

/// The conditions of the audience-measurement exemption, each a warning on the cookie:
/// a lifetime of at most 13 months, data kept at most 25 months (and said), first party.
fn audience_measurement(
    r: &mut Reader,
    f: &Fields,
    category: &Category,
    (duration, party, retention): (Duration, Party, &Option<(Range<usize>, Duration)>),
) {
    let secs = |d: Duration| crate::audit::duration_seconds(d).unwrap_or(0);
    let id = &category.id;
    let help_exempt = format!(
        "meet the condition, or make category `{id}` `consent = \"required\"` (without `exemption`)"
    );
    let mut warn = |span: Range<usize>, message: String, label: &str, help: String| {
        r.diags.push(
            Diagnostic::warning(message)
                .at(r.file, span, label)
                .also(
                    category.file,
                    category.span.clone(),
                    "exempt as audience measurement",
                )
                .help(help),
        );
    };
    if secs(duration) > secs(AUDIENCE_LIFETIME) {
        let span = f.get("duration").map_or(f.span.clone(), |v| v.span.clone());
        warn(
            span,
            format!("a cookie of category `{id}` lives {duration}: audience measurement is exempt from consent only for cookies that live at most 13 months"),
            "longer than 13 months",
            help_exempt.clone(),
        );
    }
    match retention {
        Some((span, d)) if secs(*d) > secs(AUDIENCE_RETENTION) => warn(
            span.clone(),
            format!("a cookie of category `{id}` has its data kept {d}: audience measurement is exempt from consent only when the data is kept at most 25 months"),
            "longer than 25 months",
            help_exempt.clone(),
        ),
        Some(_) => {}
        None => warn(
            f.span.clone(),
            format!("a cookie of category `{id}` does not say how long its data is kept: audience measurement is exempt from consent only when the data is kept at most 25 months"),
            "no `retention`",
            "add `retention = \"25 months\"` (or less): how long the statistics it collects are kept".into(),
        ),
    }
    if party == Party::Third {
        let span = f.get("party").map_or(f.span.clone(), |v| v.span.clone());
        warn(
            span,
            format!("a cookie of category `{id}` is set by another site: audience measurement is exempt from consent only for first-party cookies"),
            "a third-party cookie",
            help_exempt,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Sources;
    use crate::inventory::{Duration, Party, Unit};

    fn load_str(text: &str) -> (Option<Inventory>, Diagnostics) {
        let mut s = Sources::default();
        let id = s.add("cookies.toml", text);
        let mut d = Diagnostics::default();
        let locales = vec!["en".to_string(), "fr".to_string()];
        (load(text, id, &locales, &mut d).ok(), d)
    }

    const GOOD: &str = r#"
[categories.necessary]
title = { en = "Necessary", fr = "Nécessaires" }
consent = "exempt"

[providers.ods]
name = "Opendatasoft"

[[cookies]]
names = ["sessionid"]
provider = "ods"
category = "necessary"
function = "Authentication"
purpose = { en = "To remember you", fr = "Pour se souvenir de vous" }
duration = "2 weeks"
"#;

    #[test]
    fn a_good_inventory_loads() {
        let (inv, d) = load_str(GOOD);
        assert!(d.is_empty(), "{d:?}");
        let inv = inv.expect("loads");
        assert_eq!(inv.cookies.len(), 1);
        assert_eq!(inv.cookies[0].duration, Duration::Fixed(2, Unit::Week));
        assert_eq!(inv.cookies[0].party, Party::First);
    }

    #[test]
    fn provider_links_must_be_web_or_mail_addresses() {
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "/relative",
        ] {
            let text = GOOD.replace(
                "name = \"Opendatasoft\"",
                &format!("name = \"O\"\nurl = \"{bad}\""),
            );
            let (_, d) = load_str(&text);
            let messages: Vec<&str> = d.iter().map(|x| x.message.as_str()).collect();
            assert_eq!(
                messages,
                [format!(
                    "`url` must be an http(s) or mailto address, not \"{bad}\""
                )],
                "{bad}"
            );
        }
        let ok = GOOD.replace(
            "name = \"Opendatasoft\"",
            "name = \"O\"\nprivacy_policy = \"mailto:dpo@example.org\"",
        );
        assert!(load_str(&ok).1.is_empty());
    }

    #[test]
    fn every_cookie_problem_is_reported() {
        let bad = GOOD.replace("category = \"necessary\"", "category = \"necesary\"")
            + "\n[[cookies]]\nnames = [\"sessionid\"]\nprovider = \"nobody\"\ncategory = \"necessary\"\nfunction = \"x\"\npurpse = \"y\"\nduration = \"2 fortnights\"\n";
        let (_, d) = load_str(&bad);
        assert!(d.has_errors());
        let messages: Vec<&str> = d.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown category `necesary`",
                "unknown key `purpse` in cookie `sessionid`",
                "cookie `sessionid` is declared twice",
                "unknown provider `nobody`",
                "`2 fortnights` is not a duration",
            ]
        );
    }

    #[test]
    fn a_definition_declared_twice_in_one_file_is_an_error_with_both_places() {
        let def = |text: &str| {
            format!("[[definitions]]\nid = \"cookie\"\nterm = \"Cookie\"\ntext = \"{text}\"\n")
        };
        let text = format!("{}{}{GOOD}", def("first"), def("second"));
        let (_, d) = load_str(&text);
        let all: Vec<&Diagnostic> = d.iter().collect();
        assert_eq!(all.len(), 1, "{d:?}");
        assert_eq!(all[0].message, "definition `cookie` is declared twice");
        let places: Vec<usize> = all[0]
            .primary
            .iter()
            .chain(all[0].secondary.iter())
            .map(|l| l.span.start)
            .collect();
        assert_eq!(
            places,
            [
                text.rfind("\"cookie\"").expect("second"),
                text.find("\"cookie\"").expect("first")
            ]
        );
        // A portal's own file replacing a shared definition is what layers are for.
        let mut s = Sources::default();
        let shared_text = format!("{}{GOOD}", def("shared"));
        let own_text = def("portal");
        let shared_id = s.add("content/cookies.toml", shared_text.clone());
        let own_id = s.add("sites/a/cookies.toml", own_text.clone());
        let mut d = Diagnostics::default();
        let shared = decode::parse(&shared_text, shared_id, 0, &mut d).expect("toml");
        let own = decode::parse(&own_text, own_id, 0, &mut d).expect("toml");
        let locales = vec!["en".to_string(), "fr".to_string()];
        let inv = load_layers(
            &Layer {
                file: shared_id,
                text: &shared_text,
                root: &shared,
            },
            Some(&Layer {
                file: own_id,
                text: &own_text,
                root: &own,
            }),
            locales.as_slice().into(),
            &mut d,
        )
        .expect("loads");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(inv.definitions.len(), 1);
        assert_eq!(inv.definitions[0].text.get("fr"), "portal");
    }

    #[test]
    fn a_category_may_not_take_an_id_of_the_page() {
        for (id, what) in [
            ("main", "an id of the page itself"),
            ("def-cookie", "the anchor of the definition `cookie`"),
        ] {
            let text = format!(
                "[[definitions]]\nid = \"cookie\"\nterm = \"C\"\ntext = \"T\"\n{}",
                GOOD.replace("necessary", id)
            );
            let (_, d) = load_str(&text);
            let all: Vec<&str> = d.iter().map(|x| x.message.as_str()).collect();
            assert_eq!(all, [format!("category id `{id}` is already {what}")]);
        }
    }
}
