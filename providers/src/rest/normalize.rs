//! Semantic equality: after a create, update or read, [`reconcile`] keeps *our* representation
//! (the planned or prior value) wherever the API's answer means the same thing, and takes the
//! API's value everywhere else. That is what makes the state stable (no perpetual diff) and the
//! engine's post-apply check pass (every known planned value is returned as planned), while
//! real drift still shows.
//!
//! Rules, attribute by attribute (dotted paths through nested attributes, no indexes):
//! * a planned unknown takes the API's value;
//! * equal values, or values a [`Normalizer`] rule for that path calls equivalent, keep ours;
//! * an optional, non-computed attribute we left null stays null when the API answers with an
//!   empty value (`""`, `false`, `[]`, `{}`, an object of empties) or the attribute's declared
//!   `api_default`;
//! * an empty value of ours stays when the API omits it (answers null);
//! * at plan time ([`keep_equivalent`]), an unset optional attribute keeps a prior value that
//!   is empty or the `api_default` (what an import reads back);
//! * nested attributes are reconciled member by member (lists by position, sets by matching
//!   elements, maps by key), so one changed member does not replace its siblings.
//!
//! The `equiv_*` functions are reusable rules (letter case, trailing dots, IP address forms,
//! quoting, JSON text, numbers, dynamic values, empty vs null).

use std::collections::BTreeMap;
use std::sync::Arc;

use infra_lang::Value;

use crate::rest::schema::{Attr, Block, Kind, Nesting};

/// An equivalence between our value and the API's for one attribute.
pub type Equiv = Arc<dyn Fn(&Value, &Value) -> bool + Send + Sync>;

/// The equivalence rules of one resource type, by attribute path.
#[derive(Clone, Default)]
pub struct Normalizer {
    rules: BTreeMap<String, Vec<Equiv>>,
}

impl std::fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Normalizer")
            .field("paths", &self.rules.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Normalizer {
    pub fn new() -> Normalizer {
        Normalizer::default()
    }

    /// Adds an equivalence for the attribute at `path` (e.g. `name`, `rules.expression`).
    pub fn rule(
        mut self,
        path: &str,
        eq: impl Fn(&Value, &Value) -> bool + Send + Sync + 'static,
    ) -> Normalizer {
        self.rules
            .entry(path.to_string())
            .or_default()
            .push(Arc::new(eq));
        self
    }

    /// The paths that have rules (checked against the schema by tests).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.rules.keys().map(String::as_str)
    }

    /// Whether a rule for `path` calls the two values equivalent.
    pub fn equivalent(&self, path: &str, ours: &Value, theirs: &Value) -> bool {
        self.rules
            .get(path)
            .is_some_and(|rules| rules.iter().any(|r| r(ours, theirs)))
    }
}

/// Our value where the API's means the same, the API's elsewhere (see the module docs).
/// `ours` and `theirs` are objects of `block`; a null `ours` returns `theirs`.
pub fn reconcile(block: &Block, norm: &Normalizer, ours: &Value, theirs: &Value) -> Value {
    if ours.is_null() || !ours.is_known() {
        return theirs.clone();
    }
    if theirs.is_null() {
        return theirs.clone();
    }
    object(block, norm, "", ours, theirs, true)
}

/// Like [`reconcile`], but only the [`Normalizer`]'s rules apply (no null/empty rules): used at
/// plan time to keep the prior representation of a configured value that means the same.
pub fn keep_equivalent(block: &Block, norm: &Normalizer, prior: &Value, config: &Value) -> Value {
    if prior.is_null() || config.is_null() {
        return config.clone();
    }
    object(block, norm, "", prior, config, false)
}

/// True when `ours` and `theirs` reconcile to `ours`: the API's answer means what we have.
pub fn semantically_equal(block: &Block, norm: &Normalizer, ours: &Value, theirs: &Value) -> bool {
    ours.is_wholly_known() && reconcile(block, norm, ours, theirs) == *ours
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn object(
    block: &Block,
    norm: &Normalizer,
    prefix: &str,
    ours: &Value,
    theirs: &Value,
    loose: bool,
) -> Value {
    let (Some(o), Some(t)) = (ours.as_entries(), theirs.as_entries()) else {
        return theirs.clone();
    };
    let mut out = BTreeMap::new();
    for (name, attr) in &block.attrs {
        let path = join(prefix, name);
        let ty = attr.ty();
        let ov = o.get(name).cloned().unwrap_or(Value::Null(ty.clone()));
        let tv = t.get(name).cloned().unwrap_or(Value::Null(ty));
        out.insert(name.clone(), value(attr, norm, &path, &ov, &tv, loose));
    }
    Value::Object(out)
}

fn value(
    attr: &Attr,
    norm: &Normalizer,
    path: &str,
    ours: &Value,
    theirs: &Value,
    loose: bool,
) -> Value {
    if !ours.is_known() || ours == theirs {
        return if ours.is_known() {
            ours.clone()
        } else {
            theirs.clone()
        };
    }
    if !theirs.is_known() {
        return theirs.clone();
    }
    // At plan time (not `loose`) equivalence must hold both ways: a rule like "every member we
    // have is in the API's answer" must not hide a member added to the configuration.
    if norm.equivalent(path, ours, theirs) && (loose || norm.equivalent(path, theirs, ours)) {
        return ours.clone();
    }
    if !loose && theirs.is_null() && !attr.computed {
        // Plan time: a configuration that leaves an attribute unset means the prior empty or
        // API-defaulted value (an imported object holds what the API filled in).
        let defaulted = attr
            .api_default
            .as_ref()
            .is_some_and(|d| d == ours || norm.equivalent(path, ours, d));
        if is_empty(ours) || defaulted {
            return ours.clone();
        }
    }
    if loose {
        if ours.is_null() {
            let defaulted = attr
                .api_default
                .as_ref()
                .is_some_and(|d| d == theirs || norm.equivalent(path, theirs, d));
            if !attr.computed && (is_empty(theirs) || defaulted) {
                return ours.clone();
            }
            return theirs.clone();
        }
        if theirs.is_null() && is_empty(ours) {
            return ours.clone();
        }
    }
    if ours.is_null() || theirs.is_null() {
        return theirs.clone();
    }
    match &attr.kind {
        Kind::Nested(nesting, block) => nested(*nesting, block, norm, path, ours, theirs, loose),
        Kind::Value(_) => theirs.clone(),
    }
}

fn nested(
    nesting: Nesting,
    block: &Block,
    norm: &Normalizer,
    path: &str,
    ours: &Value,
    theirs: &Value,
    loose: bool,
) -> Value {
    match nesting {
        Nesting::Single => object(block, norm, path, ours, theirs, loose),
        Nesting::List => match (ours, theirs) {
            (Value::List(_, os), Value::List(t, ts)) if os.len() == ts.len() => Value::List(
                t.clone(),
                os.iter()
                    .zip(ts)
                    .map(|(o, t)| object(block, norm, path, o, t, loose))
                    .collect(),
            ),
            _ => theirs.clone(),
        },
        Nesting::Set => match (ours, theirs) {
            (Value::Set(_, os), Value::Set(t, ts)) => {
                let mut used = vec![false; os.len()];
                let mut all_matched = os.len() == ts.len();
                let mut out = Vec::with_capacity(ts.len());
                for te in ts {
                    let found = os.iter().enumerate().find(|(i, oe)| {
                        !used[*i] && object(block, norm, path, oe, te, loose) == **oe
                    });
                    match found {
                        Some((i, oe)) => {
                            used[i] = true;
                            out.push(oe.clone());
                        }
                        None => {
                            all_matched = false;
                            out.push(te.clone());
                        }
                    }
                }
                if all_matched {
                    ours.clone()
                } else {
                    infra_lang::collections::make_set(t.clone(), out)
                }
            }
            _ => theirs.clone(),
        },
        Nesting::Map => match (ours, theirs) {
            (Value::Map(_, os), Value::Map(t, ts)) if os.keys().eq(ts.keys()) => Value::Map(
                t.clone(),
                os.iter()
                    .map(|(k, o)| (k.clone(), object(block, norm, path, o, &ts[k], loose)))
                    .collect(),
            ),
            _ => theirs.clone(),
        },
    }
}

/// Null, `""`, `false`, an empty collection, or an object whose members are all empty.
pub fn is_empty(v: &Value) -> bool {
    match v.unmarked() {
        Value::Null(_) => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => vs.is_empty(),
        Value::Map(_, m) => m.is_empty(),
        Value::Object(m) => m.values().all(is_empty),
        _ => false,
    }
}

fn strings<'a>(a: &'a Value, b: &'a Value) -> Option<(&'a str, &'a str)> {
    Some((a.unmarked().as_str()?, b.unmarked().as_str()?))
}

/// Strings equal ignoring ASCII letter case.
pub fn equiv_case_insensitive(a: &Value, b: &Value) -> bool {
    strings(a, b).is_some_and(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// Host names equal ignoring letter case and one trailing dot (`Example.com.` = `example.com`).
pub fn equiv_hostname(a: &Value, b: &Value) -> bool {
    strings(a, b).is_some_and(|(x, y)| {
        x.strip_suffix('.')
            .unwrap_or(x)
            .eq_ignore_ascii_case(y.strip_suffix('.').unwrap_or(y))
    })
}

/// The same IP address written differently (`2001:db8::1` = `2001:0DB8:0:0::1`).
pub fn equiv_ip_address(a: &Value, b: &Value) -> bool {
    strings(a, b).is_some_and(|(x, y)| {
        match (x.parse::<std::net::IpAddr>(), y.parse::<std::net::IpAddr>()) {
            (Ok(p), Ok(q)) => p == q,
            _ => false,
        }
    })
}

/// Text equal once surrounding double quotes are removed (`"v=spf1 -all"` = `v=spf1 -all`), as
/// DNS TXT content is returned quoted or not.
pub fn equiv_quoted(a: &Value, b: &Value) -> bool {
    fn unquote(s: &str) -> &str {
        s.strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .filter(|inner| !inner.contains('"'))
            .unwrap_or(s)
    }
    strings(a, b).is_some_and(|(x, y)| unquote(x) == unquote(y))
}

/// Strings holding the same JSON document (key order and spacing aside).
pub fn equiv_json_text(a: &Value, b: &Value) -> bool {
    strings(a, b).is_some_and(|(x, y)| {
        match (
            serde_json::from_str::<serde_json::Value>(x),
            serde_json::from_str::<serde_json::Value>(y),
        ) {
            (Ok(p), Ok(q)) => p == q,
            _ => false,
        }
    })
}

/// An empty collection (or empty object) and null mean the same.
pub fn equiv_empty_is_null(a: &Value, b: &Value) -> bool {
    (a.is_null() && is_empty(b)) || (b.is_null() && is_empty(a))
}

/// Null and an object whose every member is null (`{}` in the configuration of nested
/// attributes) mean the same. Stricter than [`equiv_empty_is_null`]: `{cache = false}` is not
/// null.
pub fn equiv_null_object(a: &Value, b: &Value) -> bool {
    fn all_null(v: &Value) -> bool {
        match v.unmarked() {
            Value::Null(_) => true,
            Value::Object(m) => m.values().all(Value::is_null),
            _ => false,
        }
    }
    (a.is_null() && all_null(b)) || (b.is_null() && all_null(a))
}

/// Dynamic values that mean the same: numbers by value (also a number and its decimal string),
/// lists and tuples by elements, and objects where every member we have is equivalent in the
/// API's answer (members the API adds are defaults it fills in).
pub fn equiv_dynamic(ours: &Value, theirs: &Value) -> bool {
    match (ours.unmarked(), theirs.unmarked()) {
        (Value::Null(_), Value::Null(_)) => true,
        (Value::Number(x), Value::Number(y)) => x.num_eq(y),
        (Value::Number(x), Value::String(s)) | (Value::String(s), Value::Number(x)) => {
            infra_lang::Number::parse(s).is_some_and(|n| n.num_eq(x))
        }
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (o, t) if o.as_seq().is_some() && t.as_seq().is_some() => {
            let (os, ts) = (
                o.as_seq().unwrap_or_default(),
                t.as_seq().unwrap_or_default(),
            );
            os.len() == ts.len() && os.iter().zip(ts).all(|(x, y)| equiv_dynamic(x, y))
        }
        (o, t) if o.as_entries().is_some() && t.as_entries().is_some() => {
            let (os, ts) = (
                o.as_entries().unwrap_or(&EMPTY),
                t.as_entries().unwrap_or(&EMPTY),
            );
            os.iter().all(|(k, v)| match ts.get(k) {
                Some(tv) => equiv_dynamic(v, tv),
                None => v.is_null(),
            })
        }
        _ => false,
    }
}

static EMPTY: BTreeMap<String, Value> = BTreeMap::new();

/// Numbers equal by value (`1` = `1.0`).
pub fn equiv_number(a: &Value, b: &Value) -> bool {
    match (a.unmarked(), b.unmarked()) {
        (Value::Number(x), Value::Number(y)) => x.num_eq(y),
        _ => false,
    }
}

/// A DNS record name as configured (`www`, `@`, `www.example.com`, `WWW.example.com.`) and as
/// the API returns it (the FQDN). With the zone name known the match is exact; without it a
/// name followed by a whole domain (`www` of `www.example.com`) is taken to be the same.
pub fn equiv_dns_name(ours: &str, theirs: &str, zone: Option<&str>) -> bool {
    let norm = |s: &str| s.strip_suffix('.').unwrap_or(s).to_ascii_lowercase();
    let (o, t) = (norm(ours), norm(theirs));
    if o == t {
        return true;
    }
    match zone.map(norm).filter(|z| !z.is_empty()) {
        Some(z) => (t == z && (o == "@" || o.is_empty())) || format!("{o}.{z}") == t,
        // Without the zone: `o` must be followed by a whole domain (`example.com`), so that
        // renaming `www.sub` to `www` is still a change.
        None => {
            o == "@"
                || t.strip_prefix(&o)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(|domain| domain.contains('.'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::schema::Tweak;
    use infra_lang::Type;
    use serde_json::json;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    fn block() -> Block {
        crate::rest::docschema::parse_schema(
            "## Schema\n\n### Required\n\n- `name` (String) n\n\n### Optional\n\n- `comment` (String) c\n- `tags` (Set of String) t\n- `codes` (List of String) c\n- `proxied` (Boolean) p\n- `rules` (Attributes List) r\n- `items` (Attributes Set) i\n\n### Read-Only\n\n- `id` (String) i\n\n### Nested Schema for `rules`\n\nOptional:\n\n- `expression` (String) e\n\nRead-Only:\n\n- `id` (String) i\n\n### Nested Schema for `items`\n\nOptional:\n\n- `host` (String) h\n",
        )
        .unwrap()
    }

    fn obj(pairs: Vec<(&str, Value)>, b: &Block) -> Value {
        let mut o = b.null_object().as_entries().cloned().unwrap();
        for (k, v) in pairs {
            o.insert(k.to_string(), v);
        }
        Value::Object(o)
    }

    #[test]
    fn each_rule() {
        assert!(equiv_case_insensitive(&s("ABC"), &s("abc")));
        assert!(!equiv_case_insensitive(&s("abd"), &s("abc")));
        assert!(equiv_hostname(
            &s("Mail.Example.com."),
            &s("mail.example.com")
        ));
        assert!(!equiv_hostname(
            &s("mail.example.com.."),
            &s("mail.example.com")
        ));
        assert!(equiv_ip_address(
            &s("2001:db8::1"),
            &s("2001:0DB8:0:0:0:0:0:1")
        ));
        assert!(!equiv_ip_address(&s("2001:db8::1"), &s("2001:db8::2")));
        assert!(equiv_quoted(&s("v=spf1 -all"), &s("\"v=spf1 -all\"")));
        assert!(!equiv_quoted(&s("a"), &s("\"b\"")));
        assert!(equiv_json_text(
            &s(r#"{"a":1,"b":2}"#),
            &s(r#"{ "b": 2, "a": 1 }"#)
        ));
        assert!(equiv_empty_is_null(
            &Value::Set(Type::String, vec![]),
            &Value::Null(Type::set(Type::String))
        ));
        assert!(!equiv_empty_is_null(
            &Value::Set(Type::String, vec![s("a")]),
            &Value::null()
        ));
        assert!(equiv_null_object(
            &Value::object([("cache", Value::Null(Type::Bool))]),
            &Value::Null(Type::Dynamic)
        ));
        assert!(!equiv_null_object(
            &Value::object([("cache", Value::Bool(false))]),
            &Value::Null(Type::Dynamic)
        ));
        assert!(equiv_number(
            &Value::number(1),
            &Value::Number(infra_lang::Number::parse("1.0").unwrap())
        ));
        assert!(equiv_dynamic(&Value::number(0), &s("0")));
        assert!(equiv_dynamic(
            &Value::Tuple(vec![s("a")]),
            &Value::List(Type::String, vec![s("a")])
        ));
        assert!(equiv_dynamic(
            &Value::object([("enabled", Value::Bool(true))]),
            &Value::object([
                ("enabled", Value::Bool(true)),
                ("max_age", Value::number(0))
            ])
        ));
        assert!(!equiv_dynamic(
            &Value::object([("enabled", Value::Bool(true))]),
            &Value::object([("enabled", Value::Bool(false))])
        ));
    }

    #[test]
    fn dns_names() {
        assert!(equiv_dns_name(
            "www",
            "www.example.com",
            Some("example.com")
        ));
        assert!(equiv_dns_name(
            "WWW.example.com.",
            "www.example.com",
            Some("example.com")
        ));
        assert!(equiv_dns_name("@", "example.com", Some("example.com")));
        assert!(!equiv_dns_name(
            "www",
            "www.sub.example.com",
            Some("example.com")
        ));
        assert!(!equiv_dns_name(
            "mail",
            "www.example.com",
            Some("example.com")
        ));
        // Without the zone: a leading label sequence.
        assert!(equiv_dns_name("www", "www.example.com", None));
        assert!(!equiv_dns_name("ww", "www.example.com", None));
        assert!(
            !equiv_dns_name("www", "www.sub", None),
            "a rename, not the zone suffix"
        );
    }

    #[test]
    fn keeps_ours_when_equivalent_and_takes_theirs_on_drift() {
        let b = block();
        let norm = Normalizer::new().rule("name", |o, t| {
            strings(o, t).is_some_and(|(o, t)| equiv_dns_name(o, t, Some("example.com")))
        });
        let ours = obj(
            vec![("name", s("www")), ("id", Value::Unknown(Type::String))],
            &b,
        );
        let theirs = obj(
            vec![
                ("name", s("www.example.com")),
                ("id", s("r1")),
                ("comment", s("")),
            ],
            &b,
        );
        let got = reconcile(&b, &norm, &ours, &theirs);
        assert_eq!(got.get_attr("name"), Some(s("www")), "ours kept");
        assert_eq!(got.get_attr("id"), Some(s("r1")), "unknown filled");
        assert_eq!(
            got.get_attr("comment"),
            Some(Value::Null(Type::String)),
            "empty answer to an unset attribute"
        );
        let drift = obj(vec![("name", s("mail.example.com")), ("id", s("r1"))], &b);
        assert_eq!(
            reconcile(&b, &norm, &ours, &drift).get_attr("name"),
            Some(s("mail.example.com"))
        );
    }

    #[test]
    fn api_defaults_and_omitted_empties() {
        let mut b = block();
        b.tweak("codes", &[Tweak::ApiDefault(json!(["200"]))])
            .unwrap();
        let norm = Normalizer::new();
        let ours = obj(
            vec![("name", s("a")), ("tags", Value::Set(Type::String, vec![]))],
            &b,
        );
        let theirs = obj(
            vec![
                ("name", s("a")),
                ("codes", Value::List(Type::String, vec![s("200")])),
            ],
            &b,
        );
        let got = reconcile(&b, &norm, &ours, &theirs);
        assert_eq!(
            got.get_attr("codes"),
            Some(Value::Null(Type::list(Type::String)))
        );
        assert_eq!(got.get_attr("tags"), Some(Value::Set(Type::String, vec![])));
        let other = obj(
            vec![
                ("name", s("a")),
                ("codes", Value::List(Type::String, vec![s("301")])),
            ],
            &b,
        );
        assert_eq!(
            reconcile(&b, &norm, &ours, &other).get_attr("codes"),
            Some(Value::List(Type::String, vec![s("301")]))
        );
    }

    #[test]
    fn nested_members_reconcile_one_by_one() {
        let b = block();
        let rule_block = b.attr("rules").unwrap().nested().unwrap().1.clone();
        let rule = |e: &str, id: Value| {
            Value::Object([("expression".to_string(), s(e)), ("id".to_string(), id)].into())
        };
        let ty = rule_block.object_type();
        let norm = Normalizer::new().rule("rules.expression", |o, t| {
            strings(o, t).is_some_and(|(o, t)| o.trim() == t.trim())
        });
        let ours = obj(
            vec![
                ("name", s("a")),
                (
                    "rules",
                    Value::List(
                        ty.clone(),
                        vec![rule("x ", s("1")), rule("y", Value::Unknown(Type::String))],
                    ),
                ),
            ],
            &b,
        );
        let theirs = obj(
            vec![
                ("name", s("a")),
                (
                    "rules",
                    Value::List(ty.clone(), vec![rule("x", s("1")), rule("y", s("2"))]),
                ),
            ],
            &b,
        );
        let got = reconcile(&b, &norm, &ours, &theirs);
        assert_eq!(
            got.get_attr("rules"),
            Some(Value::List(ty, vec![rule("x ", s("1")), rule("y", s("2"))]))
        );
        // Sets: the same elements in any order keep ours.
        let item_ty = b.attr("items").unwrap().nested().unwrap().1.object_type();
        let item = |h: &str| Value::Object([("host".to_string(), s(h))].into());
        let set = |xs: Vec<Value>| infra_lang::collections::make_set(item_ty.clone(), xs);
        let ours = obj(
            vec![("name", s("a")), ("items", set(vec![item("a"), item("b")]))],
            &b,
        );
        let theirs = obj(
            vec![("name", s("a")), ("items", set(vec![item("b"), item("a")]))],
            &b,
        );
        assert!(semantically_equal(&b, &norm, &ours, &theirs));
    }
}
