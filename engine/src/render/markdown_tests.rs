//! Snapshot tests of the Markdown renderer, and checks that every rendering is valid GFM (parsed
//! with comrak): balanced `<details>`, closed code fences, escaped summaries, no secret, and
//! within the length limit. Plans are built by hand; snapshots are `render/snapshots/markdown_*`.


use comrak::nodes::{AlertType, NodeValue};
use infra_lang::{PathStep, Type, Value};

use super::markdown::{render_markdown, MarkdownOptions, COMMENT_LIMIT, DEFAULT_MAX_CHARS};
use crate::plan::model::{Action, OutputChange, Plan, Reason, ReplaceOrder, ResourceChange};

const CANARY: &str = "CANARY-s3cr3t";

/// Snapshot named without the module path, as in `render/tests.rs`.
macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

// Plans are built with the text renderer's test helpers.
use super::tests::{addr, change, n, obj, plan, s, smap};

fn output(
    name: &str,
    action: Action,
    before: Value,
    after: Value,
    sensitive: bool,
) -> OutputChange {
    OutputChange {
        name: name.into(),
        action,
        before,
        after,
        sensitive,
    }
}

/// Renders with the default options, checks the result (GFM, length) and returns it.
fn md(p: &Plan) -> String {
    md_with(p, &MarkdownOptions::default())
}

fn md_with(p: &Plan, opts: &MarkdownOptions) -> String {
    let out = render_markdown(p, opts);
    assert!(
        out.encode_utf16().count() <= opts.max_chars,
        "{} > {}",
        out.encode_utf16().count(),
        opts.max_chars
    );
    assert!(out.ends_with('\n') && !out.ends_with("\n\n"), "{out:?}");
    check_gfm(&out);
    out
}

/// What [`check_gfm`] found.
#[derive(Debug, Default)]
struct Gfm {
    details: usize,
    code_blocks: usize,
    alerts: Vec<AlertType>,
}

/// Parses `text` as GitHub-flavoured Markdown and checks that it is what GitHub will show:
/// `<details>` open and close in balance (never below zero in document order), all inside HTML
/// blocks; every code block fenced, closed and a `diff` whose lines start with ` `, `+`, `-`
/// or `!`; summaries with no raw `<`, `>` or `&` but `<code>` tags and entities.
fn check_gfm(text: &str) -> Gfm {
    let arena = comrak::Arena::new();
    let mut o = comrak::Options::default();
    o.extension.table = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.tagfilter = true;
    o.extension.alerts = true;
    let root = comrak::parse_document(&arena, text, &o);
    let mut found = Gfm::default();
    let mut depth: i64 = 0;
    for node in root.descendants() {
        match &node.data.borrow().value {
            NodeValue::HtmlBlock(b) => {
                for line in b.literal.lines() {
                    let opens = line.matches("<details>").count();
                    let closes = line.matches("</details>").count();
                    depth += opens as i64 - closes as i64;
                    assert!(
                        depth >= 0,
                        "</details> without <details> in {line:?}\n{text}"
                    );
                    found.details += opens;
                    if let Some(rest) = line.split_once("<summary>").map(|(_, r)| r) {
                        let (inner, _) = rest
                            .split_once("</summary>")
                            .unwrap_or_else(|| panic!("summary not closed on its line: {line:?}"));
                        check_summary(inner);
                    }
                }
            }
            NodeValue::HtmlInline(h) => {
                panic!("inline HTML {h:?}: a block was not recognised\n{text}")
            }
            NodeValue::Text(t) => assert!(
                !t.contains("details>") && !t.contains("summary>"),
                "HTML shown as text: {t:?}\n{text}"
            ),
            NodeValue::CodeBlock(cb) => {
                assert!(
                    cb.fenced && cb.closed,
                    "unclosed or indented code block {:?}\n{text}",
                    cb.literal
                );
                assert_eq!(cb.info, "diff");
                for line in cb.literal.lines() {
                    assert!(
                        line.is_empty() || line.starts_with([' ', '+', '-', '!']),
                        "diff line {line:?}"
                    );
                }
                found.code_blocks += 1;
            }
            NodeValue::Alert(a) => found.alerts.push(a.alert_type),
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced <details>\n{text}");
    found
}

/// The inside of a `<summary>`: text, entities and `<code>` only.
fn check_summary(inner: &str) {
    let bare = inner.replace("<code>", "").replace("</code>", "");
    assert!(
        !bare.contains('<') && !bare.contains('>'),
        "raw HTML in summary {inner:?}"
    );
    for (i, _) in bare.match_indices('&') {
        let rest = &bare[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "raw & in summary {inner:?}"
        );
    }
}

#[test]
fn create() {
    let after = obj(&[
        ("id", Value::Unknown(Type::String)),
        ("triggers", smap(&[("k", s("v"))])),
        ("count", n(3)),
        // A heredoc holding a code fence and lines that look like diff lines.
        (
            "content",
            s("# Title\n```sh\n- not removed\n+ not added\n```\n~~~\n</details>\n"),
        ),
    ]);
    let p = plan(vec![
        change("local_file.readme", Action::Create, Value::null(), after),
        change(
            "null_resource.e[\"a<b> & `c`\"]",
            Action::Create,
            Value::null(),
            obj(&[("id", Value::Unknown(Type::String))]),
        ),
    ]);
    let m = md(&p);
    assert!(
        m.contains("<code>null_resource.e[\"a&lt;b&gt; &amp; `c`\"]</code>"),
        "{m}"
    );
    assert!(
        m.contains("\n````diff\n"),
        "a fence longer than the heredoc's: {m}"
    );
    // Heredoc content keeps its place: no symbol moved to column 0.
    assert!(m.contains("\n            - not removed\n"), "{m}");
    let g = check_gfm(&m);
    assert_eq!((g.details, g.code_blocks), (2, 2));
    assert!(g.alerts.is_empty());
    snap!("markdown_create", m);
}

#[test]
fn update_in_place() {
    let before = obj(&[
        ("id", s("123")),
        ("b", s("two")),
        ("gone", s("bye")),
        (
            "triggers",
            smap(&[("keep", s("1")), ("removed", s("x")), ("changed", s("old"))]),
        ),
        (
            "list",
            Value::List(Type::String, (1..=4).map(|i| s(&format!("e{i}"))).collect()),
        ),
    ]);
    let after = obj(&[
        ("id", s("123")),
        ("b", s("TWO")),
        ("gone", Value::Null(Type::String)),
        (
            "triggers",
            smap(&[("keep", s("1")), ("added", s("y")), ("changed", s("new"))]),
        ),
        (
            "list",
            Value::List(Type::String, vec![s("e1"), s("E2"), s("e3"), s("e4")]),
        ),
    ]);
    let m = md(&plan(vec![change(
        "null_resource.u",
        Action::Update,
        before,
        after,
    )]));
    assert!(
        m.contains("\n!       b        = \"two\" -> \"TWO\"\n"),
        "{m}"
    );
    snap!("markdown_update", m);
}

fn replace_change(order: ReplaceOrder) -> ResourceChange {
    let before = obj(&[
        ("id", s("5593266827564682068")),
        ("length", n(16)),
        ("special", Value::bool(true)),
        ("triggers", smap(&[("k", s("hello")), ("s", s("same"))])),
    ]);
    let after = obj(&[
        ("id", Value::Unknown(Type::String)),
        ("length", n(20)),
        ("special", Value::bool(true)),
        ("triggers", smap(&[("k", s("hello2")), ("s", s("same"))])),
    ]);
    let mut c = change("random_password.p", Action::Replace(order), before, after);
    c.reason = Some(Reason::CannotUpdate(vec![
        vec![PathStep::Attr("length".into())],
        vec![PathStep::Attr("triggers".into()), PathStep::Key("k".into())],
    ]));
    c
}

#[test]
fn replace() {
    let mut cbd = replace_change(ReplaceOrder::CreateBeforeDestroy);
    cbd.addr = addr("random_password.q");
    let mut tainted = change(
        "null_resource.t",
        Action::Replace(ReplaceOrder::DestroyBeforeCreate),
        obj(&[("id", s("1"))]),
        obj(&[("id", Value::Unknown(Type::String))]),
    );
    tainted.reason = Some(Reason::Tainted);
    let mut triggered = change(
        "null_resource.r",
        Action::Replace(ReplaceOrder::DestroyBeforeCreate),
        obj(&[("id", s("2"))]),
        obj(&[("id", Value::Unknown(Type::String))]),
    );
    triggered.reason = Some(Reason::ReplaceTriggeredBy("null_resource.a.id".into()));
    let m = md(&plan(vec![
        triggered,
        tainted,
        replace_change(ReplaceOrder::DestroyBeforeCreate),
        cbd,
    ]));
    assert!(m.contains("# forces replacement"), "{m}");
    assert!(m.contains("must be replaced because `length` and `triggers[\"k\"]` cannot be updated in place (destroy, then create)"), "{m}");
    assert!(
        m.contains("\n!   resource \"random_password\" \"p\" {\n"),
        "{m}"
    );
    assert_eq!(check_gfm(&m).alerts, vec![AlertType::Caution]);
    snap!("markdown_replace", m);
}

#[test]
fn destroy_with_reasons() {
    let before = |id: &str| obj(&[("id", s(id)), ("triggers", smap(&[("dep", s("x"))]))]);
    let mut gone = change(
        "null_resource.gone",
        Action::Delete,
        before("1"),
        Value::null(),
    );
    gone.reason = Some(Reason::NoResourceConfig);
    let mut counted = change(
        "null_resource.b[2]",
        Action::Delete,
        before("2"),
        Value::null(),
    );
    counted.reason = Some(Reason::CountIndex);
    let mut keyed = change(
        "null_resource.e[\"x\"]",
        Action::Delete,
        before("3"),
        Value::null(),
    );
    keyed.reason = Some(Reason::EachKey);
    let plain = change(
        "module.m[\"a\"].null_resource.p",
        Action::Delete,
        before("4"),
        Value::null(),
    );
    let m = md(&plan(vec![counted, keyed, gone, plain]));
    for reason in [
        "`null_resource.b[2]` will be destroyed because index 2 is out of range for `count`",
        "`null_resource.e[\"x\"]` will be destroyed because key `\"x\"` is not in the `for_each` map",
        "`null_resource.gone` will be destroyed because `null_resource.gone` is not in the configuration",
    ] {
        assert!(m.contains(reason), "{reason}\n{m}");
    }
    snap!("markdown_destroy", m);
}

#[test]
fn destroy_mode() {
    let mut c = change(
        "null_resource.a",
        Action::Delete,
        obj(&[("id", s("1"))]),
        Value::null(),
    );
    c.reason = Some(Reason::DestroyMode);
    let mut p = plan(vec![c]);
    p.destroy = true;
    p.outputs = vec![output(
        "x",
        Action::Delete,
        s("hello"),
        Value::null(),
        false,
    )];
    snap!("markdown_destroy_mode", md(&p));
}

fn drift_plan() -> Plan {
    let mut p = plan(vec![change(
        "null_resource.a",
        Action::Update,
        obj(&[("id", s("1")), ("triggers", smap(&[("k", s("outside"))]))]),
        obj(&[("id", s("1")), ("triggers", smap(&[("k", s("v"))]))]),
    )]);
    p.drift = vec![
        change(
            "null_resource.a",
            Action::Update,
            obj(&[("id", s("1")), ("triggers", smap(&[("k", s("v"))]))]),
            obj(&[("id", s("1")), ("triggers", smap(&[("k", s("outside"))]))]),
        ),
        change(
            "null_resource.d",
            Action::Delete,
            obj(&[("id", s("2"))]),
            Value::null(),
        ),
        // Not drift: refreshed without change.
        change(
            "null_resource.same",
            Action::NoOp,
            obj(&[("id", s("3"))]),
            obj(&[("id", s("3"))]),
        ),
    ];
    p
}

#[test]
fn drift() {
    let m = md(&drift_plan());
    assert!(m.contains("Objects changed outside infra (2)"), "{m}");
    assert!(!m.contains("null_resource.same"), "{m}");
    snap!("markdown_drift", m);
}

#[test]
fn drift_without_changes() {
    let mut p = drift_plan();
    p.changes.clear();
    snap!(
        "markdown_drift_only",
        md_with(
            &p,
            &MarkdownOptions {
                title: Some("envs/prod".into()),
                ..Default::default()
            }
        )
    );
}

fn sensitive_plan() -> Plan {
    let before = obj(&[
        ("id", s("1")),
        ("result", s(&format!("{CANARY}-old")).sensitive()),
        (
            "triggers",
            smap(&[("k", s("v")), ("s", s(&format!("{CANARY}-m1")).sensitive())]),
        ),
        ("whole", smap(&[("a", s(CANARY))]).sensitive()),
        ("multi", s(&format!("line1\n{CANARY}\nline3\n")).sensitive()),
    ]);
    let after = obj(&[
        ("id", s("1")),
        ("result", s(&format!("{CANARY}-new")).sensitive()),
        (
            "triggers",
            smap(&[
                ("k", s("v2")),
                ("s", s(&format!("{CANARY}-m2")).sensitive()),
            ]),
        ),
        (
            "whole",
            smap(&[("a", s(CANARY)), ("b", s(CANARY))]).sensitive(),
        ),
        (
            "multi",
            s(&format!("line1\n{CANARY}!\nline3\n")).sensitive(),
        ),
    ]);
    let created = obj(&[
        ("id", Value::Unknown(Type::String)),
        (
            "list",
            Value::List(Type::String, vec![s("ok"), s(CANARY).sensitive()]),
        ),
        (
            "json",
            s(&format!("{{\"password\": \"{CANARY}\"}}")).sensitive(),
        ),
    ]);
    let mut replaced = change(
        "null_resource.r",
        Action::Replace(ReplaceOrder::DestroyBeforeCreate),
        obj(&[("id", s("7")), ("secret", s(CANARY).sensitive())]),
        obj(&[
            ("id", Value::Unknown(Type::String)),
            ("secret", s(&format!("{CANARY}!")).sensitive()),
        ]),
    );
    replaced.reason = Some(Reason::CannotUpdate(vec![vec![PathStep::Attr(
        "secret".into(),
    )]]));
    let mut p = plan(vec![
        change("random_password.p", Action::Update, before, after),
        change("null_resource.c", Action::Create, Value::null(), created),
        change(
            "null_resource.d",
            Action::Delete,
            obj(&[("id", s("9")), ("secret", s(CANARY).sensitive())]),
            Value::null(),
        ),
        replaced,
        // A whole object marked sensitive.
        change(
            "null_resource.w",
            Action::Update,
            obj(&[("id", s(CANARY))]).sensitive(),
            obj(&[("id", s(&format!("{CANARY}2")))]).sensitive(),
        ),
    ]);
    p.drift = vec![change(
        "null_resource.old",
        Action::Update,
        obj(&[("id", s("1")), ("secret", s(CANARY).sensitive())]),
        obj(&[
            ("id", s("1")),
            ("secret", s(&format!("{CANARY}-drifted")).sensitive()),
        ]),
    )];
    p.outputs = vec![
        output("x", Action::Create, Value::null(), s("hello"), false),
        output(
            "y",
            Action::Update,
            s(CANARY).sensitive(),
            s(&format!("{CANARY}2")).sensitive(),
            true,
        ),
        output("z", Action::Create, Value::null(), s(CANARY), true),
        // Not declared sensitive, but the value is marked.
        output(
            "m",
            Action::Update,
            s("plain"),
            s(CANARY).sensitive(),
            false,
        ),
        output(
            "gone",
            Action::Delete,
            s(CANARY).sensitive(),
            Value::null(),
            true,
        ),
    ];
    p.variables.insert("secret".into(), s(CANARY).sensitive());
    p
}

#[test]
fn sensitive_values_never_shown() {
    let p = sensitive_plan();
    let m = md(&p);
    assert!(
        !m.contains("s3cr3t") && !m.contains("CANARY"),
        "canary leaked:\n{m}"
    );
    // Truncated renderings too.
    for max in [3_000, 1_500, 800, 300] {
        let t = md_with(
            &p,
            &MarkdownOptions {
                max_chars: max,
                ..Default::default()
            },
        );
        assert!(!t.contains("s3cr3t"), "canary leaked at {max}:\n{t}");
    }
    snap!("markdown_sensitive", m);
}

#[test]
fn unknowns() {
    let before = obj(&[
        ("id", s("1")),
        ("triggers", smap(&[("a", s("x")), ("b", s("y"))])),
        ("value", s("old")),
    ]);
    let after = obj(&[
        ("id", s("1")),
        ("triggers", Value::Unknown(Type::map(Type::String))),
        ("value", Value::Unknown(Type::String)),
    ]);
    let mut read = change(
        "data.null_data_source.d",
        Action::Read,
        Value::null(),
        obj(&[
            ("inputs", smap(&[("a", Value::Unknown(Type::String))])),
            ("outputs", Value::Unknown(Type::map(Type::String))),
        ]),
    );
    read.reason = Some(Reason::ConfigUnknown);
    let mut p = plan(vec![
        read,
        change("null_resource.u", Action::Update, before, after),
    ]);
    p.outputs = vec![output(
        "u",
        Action::Create,
        Value::null(),
        Value::unknown(),
        false,
    )];
    snap!("markdown_unknowns", md(&p));
}

#[test]
fn outputs_only() {
    let mut p = plan(vec![]);
    p.outputs = vec![
        output("x", Action::Create, Value::null(), s("hello"), false),
        output(
            "m",
            Action::Update,
            smap(&[("a", s("1"))]),
            smap(&[("a", s("2"))]),
            false,
        ),
        output("gone", Action::Delete, n(1), Value::null(), false),
        output("same", Action::NoOp, n(1), n(1), false),
    ];
    let m = md(&p);
    assert!(!m.contains("same"), "{m}");
    snap!("markdown_outputs", m);
}

#[test]
fn other_changes() {
    let v = obj(&[("id", s("1"))]);
    let mut moved = change("null_resource.new", Action::NoOp, v.clone(), v.clone());
    moved.prev_addr = Some(addr("null_resource.old"));
    let mut imported = change("null_resource.i", Action::NoOp, v.clone(), v.clone());
    imported.importing = Some("i-123".into());
    let forgotten = change("null_resource.f", Action::Forget, v.clone(), Value::null());
    let p = plan(vec![forgotten, imported, moved]);
    let m = md(&p);
    assert!(
        m.contains("**Plan:** 1 to import, 0 to add, 0 to change, 0 to destroy, 1 to forget."),
        "{m}"
    );
    snap!("markdown_other", m);
}

#[test]
fn no_changes_is_one_line() {
    let v = obj(&[("id", s("1"))]);
    let p = plan(vec![change("null_resource.a", Action::NoOp, v.clone(), v)]);
    let m = md(&p);
    assert_eq!(
        m,
        "**No changes.** Your infrastructure matches the configuration.\n"
    );
    let titled = md_with(
        &p,
        &MarkdownOptions {
            title: Some("envs/prod".into()),
            ..Default::default()
        },
    );
    assert_eq!(
        titled,
        "**No changes** in `envs/prod`. Your infrastructure matches the configuration.\n"
    );
    let mut destroy = plan(vec![]);
    destroy.destroy = true;
    assert_eq!(
        md(&destroy),
        "**No changes.** No objects need to be destroyed.\n"
    );
    snap!("markdown_no_changes", m);
}

/// Every kind of section at once; the sample in the docs.
fn mixed_plan() -> Plan {
    let mut gone = change(
        "null_resource.gone",
        Action::Delete,
        obj(&[("id", s("1"))]),
        Value::null(),
    );
    gone.reason = Some(Reason::NoResourceConfig);
    let mut p = plan(vec![
        change(
            "aws_s3_bucket.b[\"logs\"]",
            Action::Create,
            Value::null(),
            obj(&[("bucket", s("logs")), ("arn", Value::Unknown(Type::String))]),
        ),
        change(
            "null_resource.u",
            Action::Update,
            obj(&[("id", s("1")), ("triggers", smap(&[("v", s("1"))]))]),
            obj(&[("id", s("1")), ("triggers", smap(&[("v", s("2"))]))]),
        ),
        replace_change(ReplaceOrder::DestroyBeforeCreate),
        gone,
    ]);
    p.drift = vec![change(
        "null_resource.d",
        Action::Delete,
        obj(&[("id", s("2"))]),
        Value::null(),
    )];
    p.outputs = vec![output(
        "bucket_arn",
        Action::Create,
        Value::null(),
        Value::unknown(),
        false,
    )];
    p
}

#[test]
fn mixed() {
    let m = md_with(
        &mixed_plan(),
        &MarkdownOptions {
            title: Some("envs/prod".into()),
            ..Default::default()
        },
    );
    let g = check_gfm(&m);
    assert_eq!(
        (g.details, g.code_blocks, g.alerts.as_slice()),
        (5, 6, [AlertType::Caution].as_slice())
    );
    // The caution comes before any diff.
    assert!(m.find("[!CAUTION]") < m.find("<details>"), "{m}");
    snap!("markdown_mixed", m);
}

fn big_plan(n: usize) -> Plan {
    let mut changes = Vec::new();
    for i in 0..n {
        let a = format!("null_resource.r[{i}]");
        let c = match i % 4 {
            0 => change(
                &a,
                Action::Create,
                Value::null(),
                obj(&[
                    ("id", Value::Unknown(Type::String)),
                    ("triggers", smap(&[("i", s(&i.to_string()))])),
                ]),
            ),
            1 => change(
                &a,
                Action::Update,
                obj(&[
                    ("id", s(&i.to_string())),
                    ("triggers", smap(&[("i", s("old"))])),
                ]),
                obj(&[
                    ("id", s(&i.to_string())),
                    ("triggers", smap(&[("i", s("new"))])),
                ]),
            ),
            2 => {
                let mut c = change(
                    &a,
                    Action::Delete,
                    obj(&[("id", s(&i.to_string()))]),
                    Value::null(),
                );
                c.reason = Some(Reason::CountIndex);
                c
            }
            _ => {
                let mut c = replace_change(ReplaceOrder::DestroyBeforeCreate);
                c.addr = addr(&a);
                c
            }
        };
        changes.push(c);
    }
    let mut p = plan(changes);
    p.outputs = vec![output(
        "x",
        Action::Create,
        Value::null(),
        s("hello"),
        false,
    )];
    p
}

#[test]
fn too_large_for_one_comment() {
    let p = big_plan(2_000);
    let opts = MarkdownOptions {
        title: Some("envs/prod".into()),
        run_url: Some("https://github.com/o/r/actions/runs/42".into()),
        plan_file: Some("tfplan".into()),
        ..Default::default()
    };
    let m = md_with(&p, &opts);
    let len = m.encode_utf16().count();
    assert!(
        len <= DEFAULT_MAX_CHARS && DEFAULT_MAX_CHARS < COMMENT_LIMIT,
        "{len}"
    );
    // Close to the limit: the budget is used, not wasted.
    assert!(len > DEFAULT_MAX_CHARS - 2_000, "{len}");
    assert!(m.starts_with("### infra plan for `envs/prod`\n\n**Plan:** 1,000 to add, 500 to change, 1,000 to destroy.\n"), "{m}");
    // The caution lists every destroy and replace.
    for i in (2..2_000).step_by(4) {
        assert!(m.contains(&format!("> - ❌ `null_resource.r[{i}]`")), "{i}");
    }
    for i in (3..2_000).step_by(4) {
        assert!(m.contains(&format!("> - 🔁 `null_resource.r[{i}]`")), "{i}");
    }
    assert!(
        m.contains("[CI run](https://github.com/o/r/actions/runs/42)")
            && m.contains("`infra show tfplan`"),
        "{m}"
    );
    // Some diffs are shown, and the note counts those that are not.
    let g = check_gfm(&m);
    assert_eq!(g.code_blocks, g.details, "{g:?}");
    let note = m
        .lines()
        .find(|l| l.starts_with("> The full plan is "))
        .expect("a truncation note");
    assert!(
        note.contains(&format!(
            "{} of 2,000 resource diffs are omitted",
            thousands_of(2_000 - g.details)
        )),
        "{note}"
    );
    // Every address is shown, named in the caution, listed, or counted as not listed.
    let listed = m
        .lines()
        .filter(|l| l.starts_with("- ") && l.contains("`null_resource.r["))
        .count();
    let count = |phrase: &str| -> usize {
        m.lines()
            .filter(|l| l.starts_with("- ") && l.ends_with(phrase))
            .map(|l| {
                l[2..]
                    .trim_start_matches("…and ")
                    .split(' ')
                    .next()
                    .unwrap()
                    .replace(',', "")
                    .parse::<usize>()
                    .unwrap()
            })
            .sum()
    };
    let (in_caution, unlisted) = (count(" in the caution above"), count(" not listed"));
    assert_eq!(
        in_caution, 1_000,
        "every destroy and replace is named in the caution"
    );
    assert_eq!(
        g.details + listed + in_caution + unlisted,
        2_000,
        "{g:?} {listed} {in_caution} {unlisted}"
    );
    // The snapshot: the head, then the sections' headings and summary lines.
    let head: Vec<&str> = m.lines().take(10).collect();
    let tail: Vec<&str> = m
        .lines()
        .skip(10)
        .filter(|l| {
            l.starts_with("#### ")
                || l.ends_with(" in the caution above")
                || l.ends_with(" not listed")
        })
        .collect();
    snap!(
        "markdown_truncated",
        format!("{}\n…\n{}\n", head.join("\n"), tail.join("\n"))
    );
}

fn thousands_of(n: usize) -> String {
    let s = n.to_string();
    if s.len() > 3 {
        format!("{},{}", &s[..s.len() - 3], &s[s.len() - 3..])
    } else {
        s
    }
}

#[test]
fn every_limit_gives_valid_markdown() {
    // From every diff down to a caution list cut short, then the bare counts.
    let p = big_plan(40);
    let full = md(&p).encode_utf16().count();
    let mut levels = std::collections::BTreeSet::new();
    for max in (100..=full + 10).rev().step_by(53) {
        let m = md_with(
            &p,
            &MarkdownOptions {
                max_chars: max,
                ..Default::default()
            },
        );
        let level = if !m.contains("The full plan is") {
            "full"
        } else if !m.contains("#### ") {
            "counts only"
        } else if m.contains("> - …and") {
            "caution cut"
        } else if m.contains(" not listed") {
            "addresses cut"
        } else if m.contains("shown without their reasons") {
            "reasons cut"
        } else if !m.contains("<details>") {
            "addresses only"
        } else {
            "some diffs"
        };
        levels.insert(level);
        assert!(m.contains("40 to add") || m.contains("20 to add"), "{m}");
    }
    assert_eq!(levels.len(), 7, "{levels:?}");
}

#[test]
fn drift_and_outputs_are_truncated_too() {
    let mut p = big_plan(8);
    p.drift = drift_plan().drift;
    let m = md_with(
        &p,
        &MarkdownOptions {
            max_chars: 3_500,
            ..Default::default()
        },
    );
    assert!(m.contains("The full plan is"), "{m}");
    assert!(
        m.contains("Objects changed outside infra (2)") && m.contains("- `x`"),
        "{m}"
    );
    assert!(
        m.contains("1 of 1 output change is shown without its value"),
        "{m}"
    );
}

#[test]
fn title_and_url_are_escaped() {
    let opts = MarkdownOptions {
        title: Some("envs/`prod`\n<b>".into()),
        run_url: Some("https://ci.example/run?a=1 (x)".into()),
        plan_file: Some("my plan".into()),
        max_chars: 1_200,
    };
    let m = md_with(&big_plan(8), &opts);
    assert!(
        m.starts_with("### infra plan for ``envs/`prod` <b>``\n"),
        "{m}"
    );
    assert!(
        m.contains("[CI run](https://ci.example/run?a=1%20%28x%29)"),
        "{m}"
    );
    assert!(m.contains("`infra show 'my plan'`"), "{m}");
}
