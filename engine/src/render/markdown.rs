//! The plan as GitHub-flavoured Markdown, for a pull-request comment (`infra show -markdown`):
//! a heading and the `Plan:` counts; a `[!CAUTION]` alert listing every destroy and replace with
//! its reason; one collapsible `<details>` per changed instance holding its diff as a `diff` code
//! block; drift in its own `<details>`; output changes. A plan without changes is one line.
//!
//! The layout is the tera template `templates/plan.md.tera`; this module builds its context.
//! Each diff is the text renderer's block for the instance ([`super::text::render_change`])
//! with its action symbols moved to column 0 (`~`, `-/+` and `+/-` become `!`), so GitHub colours
//! the lines. Symbols are told from content by rendering each block twice, plain and coloured:
//! only action symbols are coloured, so a heredoc line starting with `- ` stays content.
//!
//! Invariants:
//! - No sensitive value is written: diffs come from the text renderer, which prints
//!   `(sensitive value)`; summaries and lists hold addresses, names and reasons only.
//! - The result is valid GFM: every code fence is longer than any backtick run in its content,
//!   text inside `<summary>` is HTML-escaped, inline code uses `code_span`, control characters
//!   are shown as their Unicode pictures.
//! - The result is at most [`MarkdownOptions::max_chars`] long (in UTF-16 code units, never
//!   fewer than characters). A plan that does not fit keeps the heading, the counts and a note
//!   saying what was left out and where the full plan is, then fills the room in this order:
//!   the caution list's addresses, every other address (a destroy or replace is not listed
//!   twice), the caution list's reasons, the diffs; each from the start, as far as it fits,
//!   before the next gets any. It is never cut inside a code block or a `<details>` block.

use std::collections::HashMap;
use std::sync::LazyLock;

use infra_lang::{Path, PathStep};
use serde::Serialize;

use super::text::{self, TextOptions};
use crate::addrs::InstanceKey;
use crate::plan::model::{Action, OutputChange, Plan, Reason, ReplaceOrder, ResourceChange};

/// The longest body GitHub accepts for an issue or pull-request comment.
pub const COMMENT_LIMIT: usize = 65_536;

/// The default [`MarkdownOptions::max_chars`]: [`COMMENT_LIMIT`] less room for a hidden marker
/// (used to find and update an earlier comment) and a footer added by whoever posts it.
pub const DEFAULT_MAX_CHARS: usize = 60_000;

/// How to render Markdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// Shown in the heading, e.g. the working directory of the root module.
    pub title: Option<String>,
    /// The CI run that holds the full plan; linked from the truncation note.
    pub run_url: Option<String>,
    /// The saved plan file, named in the truncation note (`infra show PLANFILE`).
    pub plan_file: Option<String>,
    /// The longest result, in UTF-16 code units.
    pub max_chars: usize,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions {
            title: None,
            run_url: None,
            plan_file: None,
            max_chars: DEFAULT_MAX_CHARS,
        }
    }
}

/// The plan as GitHub-flavoured Markdown, at most `opts.max_chars` long, ending in a newline
/// (empty for a limit of 0).
pub fn render_markdown(plan: &Plan, opts: &MarkdownOptions) -> String {
    let max = opts.max_chars;
    if max == 0 {
        return String::new();
    }
    let model = Model::new(plan, opts);
    let (units, cautions) = (model.units.len(), model.caution.len());
    let all = Budget {
        cautioned: cautions,
        reasons: cautions,
        listed: units,
        detailed: units,
    };
    let full = model.render(&all, None);
    if measure(&full) <= max {
        return full;
    }
    // Too long: fill the space by priority, each part as far as it fits before the next gets
    // any: the caution list's addresses, the other addresses, the caution's reasons, the diffs.
    let full_chars = full.chars().count();
    let render = |b: Budget| model.render(&b, Some(full_chars));
    let mut b = Budget {
        cautioned: 0,
        reasons: 0,
        listed: 0,
        detailed: 0,
    };
    let mut best = render(b);
    if measure(&best) > max {
        // Not even the headings fit (a tiny limit): the counts and the note, cut to the limit.
        let mut t = format!(
            "**Plan:** {}\n\n{}",
            model.summary,
            model.note(&b, full_chars)
        );
        while measure(&t) + 1 > max && t.pop().is_some() {}
        return format!("{}\n", t.trim_end());
    }
    type Part = fn(&mut Budget) -> &mut usize;
    let parts: [(Part, usize); 4] = [
        (|b| &mut b.cautioned, cautions),
        (|b| &mut b.listed, units),
        (|b| &mut b.reasons, cautions),
        (|b| &mut b.detailed, units),
    ];
    for (part, total) in parts {
        let (n, t) = largest_fitting(best, total, max, |x| {
            let mut b = b;
            *part(&mut b) = x;
            render(b)
        });
        *part(&mut b) = n;
        best = t;
        if n < total {
            break;
        }
    }
    best
}

/// Given `fits0 = render(0)` that fits, the largest `x` in `0..=hi` whose rendering fits, and
/// that rendering (binary search: more `x` is longer).
fn largest_fitting(
    fits0: String,
    hi: usize,
    max: usize,
    render: impl Fn(usize) -> String,
) -> (usize, String) {
    let (mut lo, mut hi, mut best) = (0, hi, fits0);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        let t = render(mid);
        if measure(&t) <= max {
            lo = mid;
            best = t;
        } else {
            hi = mid - 1;
        }
    }
    (lo, best)
}

/// Length as GitHub may count it: UTF-16 code units (never fewer than characters).
fn measure(s: &str) -> usize {
    s.encode_utf16().count()
}

// ---------------------------------------------------------------------------------------------
// The model: everything the template shows, computed once

/// How much of the plan a rendering shows: the first `cautioned` entries of the caution list,
/// the first `reasons` of them with their reason; the first `detailed` units with their diff,
/// the next `listed` by address only, the rest counted.
#[derive(Clone, Copy, Debug)]
struct Budget {
    cautioned: usize,
    reasons: usize,
    listed: usize,
    detailed: usize,
}

/// Where a unit goes in a rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// With its diff.
    Detailed,
    /// Only in the caution list.
    InCaution,
    /// In its section's list of addresses.
    Listed,
    /// Only counted.
    Unlisted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    /// An index into [`GROUPS`].
    Group(usize),
    Drift,
    Outputs,
}

/// The sections of resource changes, in order: icon and title.
const GROUPS: [(&str, &str); 5] = [
    ("➕", "Create"),
    ("🔧", "Update in place"),
    ("🔁", "Replace"),
    ("❌", "Destroy"),
    ("📋", "Other changes"),
];
const CREATE: usize = 0;
const UPDATE: usize = 1;
const REPLACE: usize = 2;
const DESTROY: usize = 3;
const OTHER: usize = 4;
const DRIFT_ICON: &str = "🔀";
const OUTPUTS_ICON: &str = "📤";

/// One instance, drift entry or output: shown with its diff, or listed by address.
struct Unit {
    section: Section,
    /// Its index in the caution list.
    caution: Option<usize>,
    icon: &'static str,
    addr: String,
    /// Plain words after the address in a `<summary>` ("will be created").
    what: String,
    /// Markdown after the address in a list, when the section does not say it.
    note: Option<String>,
    /// The body of the `diff` code block (no trailing newline).
    diff: String,
}

struct CautionItem {
    icon: &'static str,
    addr: String,
    /// Markdown.
    what: String,
}

struct Model {
    one_line: bool,
    no_changes: Option<String>,
    heading: &'static str,
    title: Option<String>,
    summary: String,
    caution_lead: String,
    caution: Vec<CautionItem>,
    units: Vec<Unit>,
    run_url: Option<String>,
    plan_file: String,
}

impl Model {
    fn new(plan: &Plan, opts: &MarkdownOptions) -> Model {
        let shown: Vec<&ResourceChange> =
            plan.changes.iter().filter(|c| text::is_shown(c)).collect();
        let drift: Vec<&ResourceChange> = plan
            .drift
            .iter()
            .filter(|c| !matches!(c.action, Action::NoOp | Action::Read))
            .collect();
        let mut outputs: Vec<&OutputChange> = plan
            .outputs
            .iter()
            .filter(|o| o.action != Action::NoOp)
            .collect();
        outputs.sort_by(|a, b| a.name.cmp(&b.name));
        let title = opts
            .title
            .as_deref()
            .map(clean_title)
            .filter(|t| !t.is_empty());

        let mut units: Vec<Unit> = Vec::new();
        let mut by_group: Vec<Vec<Unit>> = (0..GROUPS.len()).map(|_| Vec::new()).collect();
        for c in &shown {
            let u = change_unit(c);
            if let Section::Group(g) = u.section {
                by_group[g].push(u);
            }
        }
        units.extend(by_group.into_iter().flatten());
        units.extend(drift.iter().map(|c| drift_unit(c)));
        units.extend(outputs.iter().map(|o| output_unit(o)));

        let caution: Vec<CautionItem> = shown
            .iter()
            .filter(|c| matches!(c.action, Action::Delete | Action::Replace(_)))
            .map(|c| CautionItem {
                icon: if c.action == Action::Delete {
                    GROUPS[DESTROY].0
                } else {
                    GROUPS[REPLACE].0
                },
                addr: c.addr.to_string(),
                what: caution_words(c),
            })
            .collect();
        let in_caution: HashMap<&str, usize> = caution
            .iter()
            .enumerate()
            .map(|(i, c)| (c.addr.as_str(), i))
            .collect();
        for u in &mut units {
            if matches!(u.section, Section::Group(REPLACE | DESTROY)) {
                u.caution = in_caution.get(u.addr.as_str()).copied();
            }
        }
        let deletes = shown.iter().filter(|c| c.action == Action::Delete).count();
        let replaces = caution.len() - deletes;
        let caution_lead = match (deletes, replaces) {
            (d, 0) => format!("This plan destroys {}:", plural(d, "resource", "resources")),
            (0, r) => format!(
                "This plan replaces {} (destroying the current {}):",
                plural(r, "resource", "resources"),
                if r == 1 { "object" } else { "objects" }
            ),
            (d, r) => format!(
                "This plan destroys {} and replaces {}:",
                plural(d, "resource", "resources"),
                thousands(r)
            ),
        };

        let no_changes = (shown.is_empty() && outputs.is_empty()).then(|| {
            let rest = if plan.destroy {
                "No objects need to be destroyed."
            } else {
                "Your infrastructure matches the configuration."
            };
            match (&title, drift.is_empty()) {
                (Some(t), true) => format!("**No changes** in {}. {rest}", code_span(t)),
                _ => format!("**No changes.** {rest}"),
            }
        });
        let (add, change, destroy) = plan.counts();
        let (import, forget) = plan.import_forget_counts();
        let import = if import > 0 {
            format!("{} to import, ", thousands(import))
        } else {
            String::new()
        };
        let forget = if forget > 0 {
            format!(", {} to forget", thousands(forget))
        } else {
            String::new()
        };
        let summary = format!(
            "{import}{} to add, {} to change, {} to destroy{forget}.",
            thousands(add),
            thousands(change),
            thousands(destroy)
        );
        Model {
            one_line: no_changes.is_some() && drift.is_empty(),
            no_changes,
            heading: if plan.destroy {
                "infra destroy plan"
            } else {
                "infra plan"
            },
            title,
            summary,
            caution_lead,
            caution,
            units,
            run_url: opts
                .run_url
                .as_deref()
                .map(url_for_link)
                .filter(|u| !u.is_empty()),
            plan_file: opts
                .plan_file
                .as_deref()
                .map(shell_word)
                .unwrap_or_else(|| "PLANFILE".to_string()),
        }
    }

    /// Where each unit goes under budget `b`. `truncated`: an undetailed destroy or replace that
    /// the caution list names is not listed again.
    fn places(&self, b: &Budget, truncated: bool) -> Vec<Place> {
        let mut listed = 0;
        self.units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                if i < b.detailed {
                    Place::Detailed
                } else if truncated && u.caution.is_some_and(|c| c < b.cautioned) {
                    Place::InCaution
                } else if listed < b.listed {
                    listed += 1;
                    Place::Listed
                } else {
                    Place::Unlisted
                }
            })
            .collect()
    }

    fn render(&self, b: &Budget, truncated_from: Option<usize>) -> String {
        let section = |icon: &'static str, title: &'static str| SectionView {
            icon,
            title,
            ..SectionView::default()
        };
        let mut groups: Vec<SectionView> = GROUPS.iter().map(|(i, t)| section(i, t)).collect();
        let mut drift = section(DRIFT_ICON, "");
        let mut outputs = section(OUTPUTS_ICON, "");
        for (u, place) in self
            .units
            .iter()
            .zip(self.places(b, truncated_from.is_some()))
        {
            let s = match u.section {
                Section::Group(g) => &mut groups[g],
                Section::Drift => &mut drift,
                Section::Outputs => &mut outputs,
            };
            s.count += 1;
            match place {
                Place::Detailed => s.detailed.push(Detailed {
                    icon: u.icon,
                    addr: &u.addr,
                    what: &u.what,
                    fence: fence(&u.diff),
                    diff: &u.diff,
                }),
                Place::InCaution => s.in_caution += 1,
                Place::Listed => s.listed.push(Listed {
                    icon: u.icon,
                    addr: &u.addr,
                    note: u.note.as_deref(),
                }),
                Place::Unlisted => s.unlisted += 1,
            }
        }
        for s in groups.iter_mut().chain([&mut drift, &mut outputs]) {
            s.shown = s.detailed.len();
        }
        // Outputs share one code block.
        outputs.diff = outputs
            .detailed
            .iter()
            .map(|d| d.diff)
            .collect::<Vec<_>>()
            .join("\n");
        outputs.fence = fence(&outputs.diff);
        outputs.detailed.clear();
        groups.retain(|g| g.count > 0);
        let cautioned = b.cautioned.min(self.caution.len());
        let view = View {
            one_line: self.one_line,
            no_changes: self.no_changes.as_deref(),
            heading: self.heading,
            title: self.title.as_deref(),
            summary: &self.summary,
            caution: (!self.caution.is_empty()).then(|| CautionView {
                lead: &self.caution_lead,
                items: self.caution[..cautioned]
                    .iter()
                    .enumerate()
                    .map(|(i, c)| CautionEntry {
                        icon: c.icon,
                        addr: &c.addr,
                        what: (i < b.reasons).then_some(c.what.as_str()),
                    })
                    .collect(),
                more: self.caution.len() - cautioned,
            }),
            note: truncated_from.map(|n| self.note(b, n)),
            groups,
            drift: (drift.count > 0).then_some(drift),
            outputs: (outputs.count > 0).then_some(outputs),
        };
        let ctx = tera::Context::from_serialize(&view).expect("the Markdown view serializes");
        let out = TEMPLATES
            .render("plan.md.tera", &ctx)
            .expect("the Markdown template renders");
        format!("{}\n", out.trim_end())
    }

    /// The truncation note: how long the full plan is, what is left out, where to see it all.
    fn note(&self, b: &Budget, full_chars: usize) -> String {
        let (mut resources, mut outputs, mut omitted, mut omitted_outputs, mut unlisted) =
            (0, 0, 0, 0, 0);
        for (u, place) in self.units.iter().zip(self.places(b, true)) {
            if u.section == Section::Outputs {
                outputs += 1;
                omitted_outputs += usize::from(place != Place::Detailed);
            } else {
                resources += 1;
                omitted += usize::from(place != Place::Detailed);
            }
            unlisted += usize::from(place == Place::Unlisted);
        }
        let uncautioned = self.caution.len().saturating_sub(b.cautioned);
        let unexplained = b
            .cautioned
            .min(self.caution.len())
            .saturating_sub(b.reasons);
        let are = |n: usize| if n == 1 { "is" } else { "are" };
        let mut left_out = Vec::new();
        if omitted > 0 {
            left_out.push(format!(
                "{} of {} {} omitted",
                thousands(omitted),
                plural(resources, "resource diff", "resource diffs"),
                are(omitted)
            ));
        }
        if omitted_outputs > 0 {
            left_out.push(format!(
                "{} of {} {} shown without {}",
                thousands(omitted_outputs),
                plural(outputs, "output change", "output changes"),
                are(omitted_outputs),
                if omitted_outputs == 1 {
                    "its value"
                } else {
                    "their values"
                }
            ));
        }
        if unlisted > 0 {
            left_out.push(format!(
                "{} {} not listed at all",
                plural(unlisted, "change", "changes"),
                are(unlisted)
            ));
        }
        if unexplained > 0 {
            left_out.push(format!(
                "{} in the caution below {} shown without {}",
                plural(
                    unexplained,
                    "destroy or replacement",
                    "destroys and replacements"
                ),
                are(unexplained),
                if unexplained == 1 {
                    "its reason"
                } else {
                    "their reasons"
                }
            ));
        }
        if uncautioned > 0 {
            left_out.push(format!(
                "{} {} not listed in the caution below",
                plural(
                    uncautioned,
                    "destroy or replacement",
                    "destroys and replacements"
                ),
                are(uncautioned)
            ));
        }
        let command = code_span(&format!("infra show {}", self.plan_file));
        let see = match &self.run_url {
            Some(url) => format!("See the full plan in the [CI run]({url}) or run {command}."),
            None => format!("Run {command} to see the full plan."),
        };
        format!(
            "The full plan is {} characters, more than a comment can hold; {}. {see}",
            thousands(full_chars),
            left_out.join("; ")
        )
    }
}

fn change_unit(c: &ResourceChange) -> Unit {
    let moved = c.prev_addr.as_ref().filter(|p| **p != c.addr);
    let (group, icon, what, note): (usize, &'static str, String, Option<String>) = match &c.action {
        Action::Create => (CREATE, GROUPS[CREATE].0, "will be created".into(), None),
        Action::Update => (
            UPDATE,
            GROUPS[UPDATE].0,
            "will be updated in-place".into(),
            None,
        ),
        Action::Replace(_) => {
            let what = match &c.reason {
                Some(Reason::Tainted) => "is tainted, so must be replaced",
                Some(Reason::ReplaceTriggeredBy(_)) => {
                    "will be replaced due to changes in replace_triggered_by"
                }
                _ => "must be replaced",
            };
            (REPLACE, GROUPS[REPLACE].0, what.into(), None)
        }
        Action::Delete => (DESTROY, GROUPS[DESTROY].0, "will be destroyed".into(), None),
        Action::Read => (
            OTHER,
            "📖",
            "will be read during apply".into(),
            Some("will be read during apply".into()),
        ),
        Action::Forget => (
            OTHER,
            "👋",
            "will no longer be managed by infra".into(),
            Some("will no longer be managed by infra (the object is kept)".into()),
        ),
        Action::NoOp => match (moved, &c.importing) {
            (Some(p), _) => (
                OTHER,
                "🚚",
                format!("has moved from {p}"),
                Some(format!("has moved from {}", code_span(&p.to_string()))),
            ),
            (None, Some(_)) => (
                OTHER,
                "📥",
                "will be imported".into(),
                Some("will be imported".into()),
            ),
            (None, None) => (
                OTHER,
                "▫",
                "has no changes".into(),
                Some("has no changes".into()),
            ),
        },
    };
    let diff = diff_body(
        &text::render_change(c, &TextOptions { color: false }),
        &text::render_change(c, &TextOptions { color: true }),
    );
    Unit {
        section: Section::Group(group),
        caution: None,
        icon,
        addr: c.addr.to_string(),
        what,
        note,
        diff,
    }
}

fn drift_unit(c: &ResourceChange) -> Unit {
    let what = if c.action == Action::Delete {
        "has been deleted"
    } else {
        "has changed"
    };
    let diff = diff_body(
        &text::render_drift(c, &TextOptions { color: false }),
        &text::render_drift(c, &TextOptions { color: true }),
    );
    Unit {
        section: Section::Drift,
        caution: None,
        icon: DRIFT_ICON,
        addr: c.addr.to_string(),
        what: what.into(),
        note: Some(what.into()),
        diff,
    }
}

fn output_unit(o: &OutputChange) -> Unit {
    let diff = diff_body(
        &text::render_output_change_lines(&[o], &TextOptions { color: false }),
        &text::render_output_change_lines(&[o], &TextOptions { color: true }),
    );
    Unit {
        section: Section::Outputs,
        caution: None,
        icon: "",
        addr: o.name.clone(),
        what: String::new(),
        note: None,
        diff,
    }
}

/// Why a destroy or replace happens, as Markdown after the address in the caution list.
fn caution_words(c: &ResourceChange) -> String {
    match &c.action {
        Action::Replace(order) => {
            let what = match &c.reason {
                Some(Reason::Tainted) => "is tainted, so must be replaced".to_string(),
                Some(Reason::ReplaceTriggeredBy(r)) => {
                    format!(
                        "will be replaced because {} changes, as `replace_triggered_by` asks",
                        code_span(r)
                    )
                }
                Some(Reason::CannotUpdate(paths)) if !paths.is_empty() => {
                    let names: Vec<String> =
                        paths.iter().map(|p| code_span(&path_text(p))).collect();
                    format!(
                        "must be replaced because {} cannot be updated in place",
                        and_list(&names)
                    )
                }
                _ => "must be replaced".to_string(),
            };
            let order = match order {
                ReplaceOrder::DestroyBeforeCreate => "destroy, then create",
                ReplaceOrder::CreateBeforeDestroy => "create the replacement, then destroy",
            };
            format!("{what} ({order})")
        }
        _ => match (&c.reason, &c.addr.key) {
            (Some(Reason::NoResourceConfig), _) => {
                format!(
                    "will be destroyed because {} is not in the configuration",
                    code_span(&c.addr.resource.to_string())
                )
            }
            (Some(Reason::CountIndex), InstanceKey::Int(i)) => {
                format!("will be destroyed because index {i} is out of range for `count`")
            }
            (Some(Reason::EachKey), key @ InstanceKey::Str(_)) => {
                let key = key.to_string();
                let key = key
                    .strip_prefix('[')
                    .and_then(|k| k.strip_suffix(']'))
                    .unwrap_or(&key);
                format!(
                    "will be destroyed because key {} is not in the `for_each` map",
                    code_span(key)
                )
            }
            (Some(Reason::DestroyMode), _) => "will be destroyed (destroy plan)".to_string(),
            _ => "will be destroyed".to_string(),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The template and its context

static TEMPLATES: LazyLock<tera::Tera> = LazyLock::new(|| {
    let mut t = tera::Tera::default();
    t.autoescape_on(vec![]);
    t.register_filter(
        "html",
        |v: &tera::Value, _: &HashMap<String, tera::Value>| {
            Ok(tera::Value::String(html(&value_text(v))))
        },
    );
    t.register_filter(
        "thousands",
        |v: &tera::Value, _: &HashMap<String, tera::Value>| {
            Ok(v.as_u64()
                .map_or_else(|| v.clone(), |n| tera::Value::String(thousands(n as usize))))
        },
    );
    t.register_filter(
        "code",
        |v: &tera::Value, _: &HashMap<String, tera::Value>| {
            Ok(tera::Value::String(code_span(&value_text(v))))
        },
    );
    t.add_raw_templates(vec![
        ("macros.md.tera", include_str!("templates/macros.md.tera")),
        ("plan.md.tera", include_str!("templates/plan.md.tera")),
    ])
    .expect("the Markdown templates compile");
    t
});

fn value_text(v: &tera::Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

#[derive(Serialize)]
struct View<'a> {
    one_line: bool,
    no_changes: Option<&'a str>,
    heading: &'a str,
    title: Option<&'a str>,
    summary: &'a str,
    caution: Option<CautionView<'a>>,
    note: Option<String>,
    groups: Vec<SectionView<'a>>,
    drift: Option<SectionView<'a>>,
    outputs: Option<SectionView<'a>>,
}

#[derive(Serialize)]
struct CautionView<'a> {
    lead: &'a str,
    items: Vec<CautionEntry<'a>>,
    more: usize,
}

#[derive(Serialize)]
struct CautionEntry<'a> {
    icon: &'a str,
    addr: &'a str,
    what: Option<&'a str>,
}

#[derive(Serialize, Default)]
struct SectionView<'a> {
    icon: &'a str,
    title: &'a str,
    count: usize,
    /// How many are shown with their diff.
    shown: usize,
    detailed: Vec<Detailed<'a>>,
    listed: Vec<Listed<'a>>,
    in_caution: usize,
    unlisted: usize,
    /// Outputs only: the diffs of the detailed outputs, in one code block.
    diff: String,
    fence: String,
}

#[derive(Serialize)]
struct Detailed<'a> {
    icon: &'a str,
    addr: &'a str,
    what: &'a str,
    fence: String,
    diff: &'a str,
}

#[derive(Serialize)]
struct Listed<'a> {
    icon: &'a str,
    addr: &'a str,
    note: Option<&'a str>,
}

// ---------------------------------------------------------------------------------------------
// Text to Markdown

/// The body of a `diff` code block from one block of Terraform-style text, rendered `plain` and
/// `colored` (the same lines; only action symbols and headings are coloured). A line whose first
/// non-blank is a coloured `+`, `-`, `~`, `-/+` or `+/-` gets `+`, `-` or `!` in column 0 and
/// keeps its width; other lines are kept (they start with a space, or are empty).
fn diff_body(plain: &str, colored: &str) -> String {
    let plain = plain.trim_end_matches('\n');
    let colored = colored.trim_end_matches('\n');
    let (p, c): (Vec<&str>, Vec<&str>) =
        (plain.split('\n').collect(), colored.split('\n').collect());
    if p.len() != c.len() {
        return printable(plain);
    }
    let lines: Vec<String> = p.iter().zip(&c).map(|(p, c)| diff_line(p, c)).collect();
    printable(&lines.join("\n"))
}

fn diff_line(plain: &str, colored: &str) -> String {
    let n = colored.len() - colored.trim_start_matches(' ').len();
    let symbol_here = colored[n..].starts_with("\x1b[3")
        && plain.len() > n
        && plain.as_bytes()[..n].iter().all(|b| *b == b' ');
    if !symbol_here {
        return plain.to_string();
    }
    let rest = &plain[n..];
    let len = rest.find(' ').unwrap_or(rest.len());
    let mark = match &rest[..len] {
        "+" => '+',
        "-" => '-',
        "~" | "-/+" | "+/-" => '!',
        _ => return plain.to_string(),
    };
    format!(
        "{mark}{}{}{}",
        &plain[..n],
        " ".repeat(len - 1),
        &rest[len..]
    )
}

/// Control characters (other than newline and tab) as their Unicode pictures (`␛` for ESC), so
/// no carriage return starts a line and no escape sequence reaches the page.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            '\u{80}'..='\u{9f}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// A code fence longer than any run of backticks in `body` (at least three).
fn fence(body: &str) -> String {
    "`".repeat(longest_run(body, '`').max(2) + 1)
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == ch { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Inline code showing `s` exactly: delimited by more backticks than any run inside, padded with
/// a space where CommonMark would otherwise eat one or join a backtick to the delimiter.
pub(crate) fn code_span(s: &str) -> String {
    let s = printable(s).replace('\n', " ");
    let ticks = "`".repeat(longest_run(&s, '`') + 1);
    let pad = s.starts_with('`')
        || s.ends_with('`')
        || (s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty());
    let pad = if pad { " " } else { "" };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

/// Text for HTML content (`<summary>`): `&`, `<` and `>` escaped, control characters shown.
fn html(s: &str) -> String {
    printable(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A URL usable as a Markdown link destination: spaces, brackets, quotes, backslashes and
/// control characters percent-encoded.
fn url_for_link(u: &str) -> String {
    let mut out = String::new();
    for c in u.trim().chars() {
        match c {
            ' ' | '<' | '>' | '(' | ')' | '"' | '`' | '\\' | '\u{0}'..='\u{1f}' | '\u{7f}' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// A path as a shell word: as is when made of safe characters, else single-quoted.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+=:,@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A title on one line, at most 200 characters.
fn clean_title(t: &str) -> String {
    let t = printable(t.trim());
    if t.chars().count() > 200 {
        format!("{}…", t.chars().take(199).collect::<String>())
    } else {
        t
    }
}

/// An attribute path as written in configuration: `triggers["k"]`, `rule[0].name`.
fn path_text(p: &Path) -> String {
    let mut out = String::new();
    for (i, step) in p.iter().enumerate() {
        match step {
            PathStep::Attr(a) if i == 0 => out.push_str(a),
            PathStep::Attr(a) => {
                out.push('.');
                out.push_str(a);
            }
            PathStep::Index(n) => out.push_str(&format!("[{n}]")),
            PathStep::Key(k) => {
                out.push_str(&format!("[{}]", serde_json::Value::String(k.clone())))
            }
        }
    }
    out
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `65536` as `65,536`.
fn thousands(n: usize) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|g| g.iter().collect())
        .collect();
    groups.join(",")
}
