//! `cloudflare_ruleset`: a zone (or account) ruleset of one phase, with its ordered `rules`
//! (`/zones/{zone_id}/rulesets`, `/accounts/{account_id}/rulesets`).
//!
//! As in v5: create is POST (at most once, see below), update PUT of the whole ruleset, delete
//! DELETE; `zone_id`, `account_id`, `kind`, `name` and `phase` force replacement; import ID
//! `zones/<zone_id>/<ruleset_id>` or `accounts/<account_id>/<ruleset_id>`.
//!
//! Rule identity: when planning, each configured rule is paired with a prior rule by `ref` if
//! it sets one, else by equal content, else (an edited rule) with the prior rule at the same
//! place among the unpaired ones that has the same action. A paired rule keeps its `id` and
//! `ref` (sent back to the API, which then keeps them), and an unchanged one stays exactly as
//! it was; only new rules plan an unknown `id` (and `ref`, unless configured). So inserting one
//! rule plans that rule alone as new.
//!
//! The API's `cache_key.custom_key.query_string.include/exclude` lists (older answers) are
//! read as the `{list = […]}` / `{all = true}` objects of the schema, as v5 does.
//!
//! The `cloudflare_ruleset` data source ([`RulesetData`]) reads one ruleset by `id` (or the
//! deprecated `ruleset_id`) of a zone or an account, as v5's does.

use async_trait::async_trait;
use infra_lang::Value;
use serde_json::{json, Value as J};

use super::api::{segment, Cloudflare};
use super::{op, SCHEMA_VERSION};
use crate::http::HttpError;
use crate::provider::ProviderError;
use crate::rest::idempotent::{create_once, CreateError};
use crate::rest::normalize::{equiv_null_object, equiv_number, Normalizer};
use crate::rest::plan::same_configuration;
use crate::rest::resource::{split_import_id, DataSource, RestResource, TypeSpec};
use crate::rest::schema::{Block, Tweak};

pub const TYPE: &str = "cloudflare_ruleset";
const DOC: &str = include_str!("docs/ruleset.md");
const DATA_DOC: &str = include_str!("docs/data-ruleset.md");

/// Cache-control directives whose `cloudflare_only` defaults to false.
const CACHE_CONTROL_DIRECTIVES: [&str; 13] = [
    "max_age",
    "s_maxage",
    "stale_while_revalidate",
    "stale_if_error",
    "private",
    "no_cache",
    "must_revalidate",
    "proxy_revalidate",
    "must_understand",
    "no_transform",
    "immutable",
    "no_store",
    "public",
];

pub fn spec() -> (TypeSpec, Vec<String>) {
    let f = || Tweak::Default(json!(false));
    let mut overlay: Vec<(&str, Vec<Tweak>)> = vec![
        ("id", vec![Tweak::KeepPrior]),
        ("zone_id", vec![Tweak::ForceNew]),
        ("account_id", vec![Tweak::ForceNew]),
        ("kind", vec![Tweak::ForceNew]),
        ("name", vec![Tweak::ForceNew]),
        ("phase", vec![Tweak::ForceNew]),
        ("description", vec![Tweak::Default(json!(""))]),
        ("rules", vec![Tweak::Default(json!([]))]),
        ("rules.id", vec![Tweak::KeepPrior]),
        ("rules.ref", vec![Tweak::Computed, Tweak::KeepPrior]),
        ("rules.description", vec![Tweak::Default(json!(""))]),
        ("rules.enabled", vec![Tweak::Default(json!(true))]),
        ("rules.logging", vec![Tweak::Computed]),
        ("rules.logging.enabled", vec![Tweak::Computed]),
        ("rules.ratelimit.mitigation_timeout", vec![Tweak::Computed]),
        ("rules.ratelimit.requests_to_origin", vec![f()]),
        (
            "rules.action_parameters.from_value.preserve_query_string",
            vec![f()],
        ),
        ("rules.action_parameters.autominify.css", vec![f()]),
        ("rules.action_parameters.autominify.html", vec![f()]),
        ("rules.action_parameters.autominify.js", vec![f()]),
        (
            "rules.action_parameters.raw_response_fields.preserve_duplicates",
            vec![f()],
        ),
        (
            "rules.action_parameters.response_fields.preserve_duplicates",
            vec![f()],
        ),
    ];
    let directives: Vec<String> = CACHE_CONTROL_DIRECTIVES
        .iter()
        .map(|d| format!("rules.action_parameters.{d}.cloudflare_only"))
        .collect();
    for d in &directives {
        overlay.push((d.as_str(), vec![f()]));
    }
    // `action_parameters = {}` is no parameters: v5 plans an empty object for a rule without
    // them, so adding or removing `{}` is no change.
    let norm = Normalizer::new()
        .rule("rules.ratelimit.period", equiv_number)
        .rule("rules.action_parameters", equiv_null_object);
    let (spec, errors) = TypeSpec::from_doc(TYPE, DOC, SCHEMA_VERSION, &overlay, norm);
    (spec.with_pairing("rules", pair_rules), errors)
}

/// The schema of the `cloudflare_ruleset` data source.
pub fn data_spec() -> (TypeSpec, Vec<String>) {
    TypeSpec::from_doc(TYPE, DATA_DOC, 0, &[], Normalizer::new())
}

fn text(v: &Value, name: &str) -> Option<String> {
    v.get_attr(name)
        .and_then(|v| v.as_str().map(str::to_string))
}

/// Pairs configured rules with prior rules: by `ref`, then by equal configuration, then an
/// edited rule with the unpaired prior rule of the same action in the same order.
pub fn pair_rules(block: &Block, config: &[Value], prior: &[Value]) -> Vec<Option<usize>> {
    let mut used = vec![false; prior.len()];
    let mut out: Vec<Option<usize>> = vec![None; config.len()];
    for (i, c) in config.iter().enumerate() {
        if let Some(r) = text(c, "ref") {
            if let Some(j) = (0..prior.len())
                .find(|&j| !used[j] && text(&prior[j], "ref").as_deref() == Some(r.as_str()))
            {
                used[j] = true;
                out[i] = Some(j);
            }
        }
    }
    for (i, c) in config.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        if let Some(j) =
            (0..prior.len()).find(|&j| !used[j] && same_configuration(block, c, &prior[j]))
        {
            used[j] = true;
            out[i] = Some(j);
        }
    }
    let mut free = (0..prior.len())
        .filter(|&j| !used[j])
        .collect::<Vec<_>>()
        .into_iter();
    for (i, c) in config.iter().enumerate() {
        if out[i].is_some() || c.get_attr("ref").is_some_and(|r| !r.is_null()) {
            continue;
        }
        let action = c.get_attr("action");
        if let Some(j) = free
            .by_ref()
            .find(|&j| prior[j].get_attr("action") == action)
        {
            out[i] = Some(j);
        }
    }
    out
}

/// `query_string.include/exclude` given as lists become `{list}` (or `{all: true}` for `*`).
fn fix_query_strings(ruleset: &mut J) {
    let Some(rules) = ruleset.get_mut("rules").and_then(J::as_array_mut) else {
        return;
    };
    for rule in rules {
        let qs = rule
            .pointer_mut("/action_parameters/cache_key/custom_key/query_string")
            .and_then(J::as_object_mut);
        let Some(qs) = qs else { continue };
        for key in ["include", "exclude"] {
            if let Some(J::Array(items)) = qs.get(key).cloned() {
                let all = items.len() == 1 && items[0] == "*";
                qs.insert(
                    key.into(),
                    if all {
                        json!({"all": true})
                    } else {
                        json!({"list": items})
                    },
                );
            }
        }
    }
}

/// Where a ruleset lives: `zones/<id>` or `accounts/<id>`.
fn scope(v: &Value) -> Result<(String, String), ProviderError> {
    match (text(v, "account_id"), text(v, "zone_id")) {
        (Some(a), _) => Ok(("accounts".into(), a)),
        (None, Some(z)) => Ok(("zones".into(), z)),
        _ => Err(ProviderError::new("Missing required argument")
            .with_detail(format!("{TYPE}: set `zone_id` or `account_id`"))),
    }
}

pub struct Ruleset {
    spec: TypeSpec,
}

impl Ruleset {
    pub fn new(spec: TypeSpec) -> Ruleset {
        Ruleset { spec }
    }

    fn collection(kind: &str, owner: &str) -> String {
        format!("/{kind}/{}/rulesets", segment(owner))
    }

    /// The request body: the configured ruleset, rules with the `id` and `ref` of the rules
    /// they continue.
    fn body(&self, planned: &Value) -> Result<J, ProviderError> {
        let mut body = self.spec.request(planned)?;
        if let Some(o) = body.as_object_mut() {
            o.remove("zone_id");
            o.remove("account_id");
        }
        let planned_rules = planned.get_attr("rules");
        let planned_rules = planned_rules
            .as_ref()
            .and_then(Value::as_seq)
            .unwrap_or_default();
        if let Some(rules) = body.get_mut("rules").and_then(J::as_array_mut) {
            for (rule, p) in rules.iter_mut().zip(planned_rules) {
                if let (Some(id), Some(o)) = (text(p, "id"), rule.as_object_mut()) {
                    o.insert("id".into(), J::String(id));
                }
            }
        }
        Ok(body)
    }

    /// The state for an API ruleset, reconciled with `ours`.
    fn settle(&self, ours: &Value, mut answer: J, kind: &str, owner: &str) -> Value {
        fix_query_strings(&mut answer);
        let mut theirs = self
            .spec
            .from_json(&answer)
            .as_entries()
            .cloned()
            .unwrap_or_default();
        let (id_attr, other) = if kind == "accounts" {
            ("account_id", "zone_id")
        } else {
            ("zone_id", "account_id")
        };
        theirs.insert(id_attr.into(), Value::string(owner));
        theirs.insert(other.into(), Value::Null(infra_lang::Type::String));
        self.spec.reconcile(ours, &Value::Object(theirs))
    }

    async fn find_existing(
        &self,
        api: &Cloudflare,
        kind: &str,
        owner: &str,
        body: &J,
    ) -> Result<Vec<(String, J)>, HttpError> {
        let list = api.get(&Self::collection(kind, owner)).await?;
        let wanted = |k: &str| {
            body.get(k)
                .and_then(J::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let mut out = Vec::new();
        for r in list.as_array().into_iter().flatten() {
            let same = ["name", "kind", "phase"]
                .iter()
                .all(|k| r.get(*k).and_then(J::as_str) == Some(wanted(k).as_str()));
            if !same {
                continue;
            }
            let Some(id) = r.get("id").and_then(J::as_str) else {
                continue;
            };
            let full = api
                .get(&format!(
                    "{}/{}",
                    Self::collection(kind, owner),
                    segment(id)
                ))
                .await?;
            out.push((id.to_string(), full));
        }
        Ok(out)
    }
}

#[async_trait]
impl RestResource<Cloudflare> for Ruleset {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn create(&self, api: &Cloudflare, planned: &Value) -> Result<Value, ProviderError> {
        let (kind, owner) = scope(planned)?;
        let body = self.body(planned)?;
        let path = Self::collection(&kind, &owner);
        let answer = create_once(
            &api.create_policy,
            || api.post(&path, body.clone()),
            || self.find_existing(api, &kind, &owner, &body),
            |e| matches!(e, HttpError::Status { messages, .. } if messages.iter().any(|m| m.contains("(code 20217)"))),
        )
        .await
        .map_err(|e| match e {
            CreateError::Http(h) => api.error(&op("creating", TYPE), &h),
            other => ProviderError::new(format!("creating {TYPE} failed")).with_detail(other.to_string()),
        })?;
        Ok(self.settle(planned, answer, &kind, &owner))
    }

    async fn read(
        &self,
        api: &Cloudflare,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let (kind, owner) = scope(current)?;
        let id = text(current, "id")
            .ok_or_else(|| ProviderError::new(format!("{TYPE}: the state has no id")))?;
        match api
            .get(&format!(
                "{}/{}",
                Self::collection(&kind, &owner),
                segment(&id)
            ))
            .await
        {
            Ok(answer) => Ok(Some(self.settle(current, answer, &kind, &owner))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(api.error(&op("reading", TYPE), &e)),
        }
    }

    async fn update(
        &self,
        api: &Cloudflare,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let (kind, owner) = scope(planned)?;
        let id = text(planned, "id")
            .ok_or_else(|| ProviderError::new(format!("{TYPE}: the state has no id")))?;
        let body = self.body(planned)?;
        let answer = api
            .put(
                &format!("{}/{}", Self::collection(&kind, &owner), segment(&id)),
                body,
            )
            .await
            .map_err(|e| api.error(&op("updating", TYPE), &e))?;
        Ok(self.settle(planned, answer, &kind, &owner))
    }

    async fn delete(&self, api: &Cloudflare, prior: &Value) -> Result<(), ProviderError> {
        let (kind, owner) = scope(prior)?;
        let id = text(prior, "id")
            .ok_or_else(|| ProviderError::new(format!("{TYPE}: the state has no id")))?;
        api.delete(&format!(
            "{}/{}",
            Self::collection(&kind, &owner),
            segment(&id)
        ))
        .await
        .map_err(|e| api.error(&op("deleting", TYPE), &e))
    }

    async fn import(&self, api: &Cloudflare, id: &str) -> Result<Value, ProviderError> {
        let form = "zones/<zone_id>/<ruleset_id> or accounts/<account_id>/<ruleset_id>";
        let parts = split_import_id(id, 3, form)?;
        if parts[0] != "zones" && parts[0] != "accounts" {
            return Err(ProviderError::new("Invalid import ID").with_detail(format!(
                "expected an import ID of the form {form}, got {id:?}"
            )));
        }
        let answer = api
            .get(&format!(
                "{}/{}",
                Self::collection(parts[0], parts[1]),
                segment(parts[2])
            ))
            .await
            .map_err(|e| api.error(&op("importing", TYPE), &e))?;
        Ok(self.settle(&Value::null(), answer, parts[0], parts[1]))
    }
}

/// The `cloudflare_ruleset` data source: one ruleset of a zone or an account by its ID.
pub struct RulesetData {
    spec: TypeSpec,
}

impl RulesetData {
    pub fn new(spec: TypeSpec) -> RulesetData {
        RulesetData { spec }
    }
}

#[async_trait]
impl DataSource<Cloudflare> for RulesetData {
    fn spec(&self) -> &TypeSpec {
        &self.spec
    }

    async fn read(&self, api: &Cloudflare, config: &Value) -> Result<Value, ProviderError> {
        let (kind, owner) = scope(config)?;
        let id = text(config, "id")
            .or_else(|| text(config, "ruleset_id"))
            .ok_or_else(|| {
                ProviderError::new("Missing required argument").with_detail(format!(
                    "data source {TYPE}: set `id`, the ID of the ruleset to read"
                ))
            })?;
        let mut answer = api
            .get(&format!(
                "{}/{}",
                Ruleset::collection(&kind, &owner),
                segment(&id)
            ))
            .await
            .map_err(|e| api.error(&op("reading", TYPE), &e))?;
        fix_query_strings(&mut answer);
        let mut v = self
            .spec
            .from_json(&answer)
            .as_entries()
            .cloned()
            .unwrap_or_default();
        for (name, attr) in &self.spec.block.attrs {
            if !attr.read_only() {
                v.insert(
                    name.clone(),
                    config
                        .get_attr(name)
                        .unwrap_or_else(|| Value::Null(attr.ty())),
                );
            }
        }
        v.insert("id".into(), Value::string(id));
        Ok(Value::Object(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::Type;

    fn rule(spec: &TypeSpec, expr: &str, r#ref: Option<&str>) -> Value {
        let block = spec.block.attr("rules").unwrap().nested().unwrap().1;
        let mut o = block.null_object().as_entries().cloned().unwrap();
        o.insert("expression".into(), Value::string(expr));
        o.insert("action".into(), Value::string("block"));
        if let Some(r) = r#ref {
            o.insert("ref".into(), Value::string(r));
        }
        Value::Object(o)
    }

    fn config(spec: &TypeSpec, rules: Vec<Value>) -> Value {
        let ty = spec
            .block
            .attr("rules")
            .unwrap()
            .nested()
            .unwrap()
            .1
            .object_type();
        spec.object_with([
            ("zone_id", Value::string("z")),
            ("name", Value::string("My ruleset")),
            ("kind", Value::string("zone")),
            ("phase", Value::string("http_request_firewall_custom")),
            ("rules", Value::List(ty, rules)),
        ])
    }

    /// What the API would answer for a planned ruleset: every unknown id/ref filled.
    fn applied(planned: &Value, version: &str) -> Value {
        let mut o = planned.as_entries().cloned().unwrap();
        o.insert("id".into(), Value::string("rs1"));
        o.insert("version".into(), Value::string(version));
        o.insert("last_updated".into(), Value::string(format!("t{version}")));
        let rules = o["rules"].clone();
        let Value::List(t, rs) = rules else {
            panic!("rules")
        };
        let rs = rs
            .into_iter()
            .map(|r| {
                let mut r = r.as_entries().cloned().unwrap();
                let expr = r["expression"].as_str().unwrap().replace(' ', "_");
                if !r["id"].is_known() {
                    r.insert("id".into(), Value::string(format!("id-{expr}")));
                }
                if !r["ref"].is_known() {
                    let id = r["id"].clone();
                    r.insert("ref".into(), id);
                }
                if !r["logging"].is_known() {
                    r.insert("logging".into(), Value::Null(r["logging"].ty()));
                }
                Value::Object(r)
            })
            .collect();
        o.insert("rules".into(), Value::List(t, rs));
        Value::Object(o)
    }

    fn rules_of(v: &Value) -> Vec<Value> {
        v.get_attr("rules").unwrap().as_seq().unwrap().to_vec()
    }

    #[test]
    fn schema_is_complete() {
        let (_, errors) = spec();
        assert!(errors.is_empty(), "{errors:?}");
        let (data, errors) = data_spec();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(data
            .block
            .attr("rules.action_parameters.cache_key")
            .is_some());
        assert!(!data.block.attr("id").unwrap().read_only());
    }

    #[test]
    fn insert_remove_edit_and_reorder_keep_identities() {
        let (s, _) = spec();
        let (a, b, c) = (
            rule(&s, "ip.src eq 1.1.1.1", None),
            rule(&s, "ip.src eq 2.2.2.2", None),
            rule(&s, "ip.src eq 3.3.3.3", None),
        );
        let created = s
            .plan(&Value::null(), &config(&s, vec![a.clone(), b.clone()]))
            .unwrap()
            .planned;
        assert!(!rules_of(&created)[0].get_attr("id").unwrap().is_known());
        let prior = applied(&created, "1");
        let prior_rules = rules_of(&prior);
        // No change: nothing planned.
        assert_eq!(
            s.plan(&prior, &config(&s, vec![a.clone(), b.clone()]))
                .unwrap()
                .planned,
            prior
        );
        // Insert at the front: the old rules stay byte-identical, only the new one is unknown.
        let p = s
            .plan(&prior, &config(&s, vec![c.clone(), a.clone(), b.clone()]))
            .unwrap()
            .planned;
        let rules = rules_of(&p);
        assert_eq!(rules[1], prior_rules[0]);
        assert_eq!(rules[2], prior_rules[1]);
        assert_eq!(rules[0].get_attr("id"), Some(Value::Unknown(Type::String)));
        assert_eq!(rules[0].get_attr("ref"), Some(Value::Unknown(Type::String)));
        assert_eq!(p.get_attr("version"), Some(Value::Unknown(Type::String)));
        assert_eq!(p.get_attr("id"), Some(Value::string("rs1")));
        // Remove the first rule: the second keeps its identity.
        let p = s
            .plan(&prior, &config(&s, vec![b.clone()]))
            .unwrap()
            .planned;
        assert_eq!(rules_of(&p), vec![prior_rules[1].clone()]);
        // Reorder: both rules identical, order swapped.
        let p = s
            .plan(&prior, &config(&s, vec![b.clone(), a.clone()]))
            .unwrap()
            .planned;
        assert_eq!(
            rules_of(&p),
            vec![prior_rules[1].clone(), prior_rules[0].clone()]
        );
        // Edit the second rule: it keeps its id and ref, with the new expression.
        let b2 = rule(&s, "ip.src eq 9.9.9.9", None);
        let p = s
            .plan(&prior, &config(&s, vec![a.clone(), b2]))
            .unwrap()
            .planned;
        let rules = rules_of(&p);
        assert_eq!(rules[0], prior_rules[0]);
        assert_eq!(rules[1].get_attr("id"), prior_rules[1].get_attr("id"));
        assert_eq!(rules[1].get_attr("ref"), prior_rules[1].get_attr("ref"));
        assert_eq!(
            rules[1].get_attr("expression"),
            Some(Value::string("ip.src eq 9.9.9.9"))
        );
    }

    #[test]
    fn refs_pair_rules_whatever_their_content() {
        let (s, _) = spec();
        let one = rule(&s, "ip.src eq 1.1.1.1", Some("one"));
        let two = rule(&s, "ip.src eq 2.2.2.2", Some("two"));
        let prior = applied(
            &s.plan(&Value::null(), &config(&s, vec![one.clone(), two.clone()]))
                .unwrap()
                .planned,
            "1",
        );
        let prior_rules = rules_of(&prior);
        let two_edited = rule(&s, "ip.src eq 4.4.4.4", Some("two"));
        let three = rule(&s, "ip.src eq 3.3.3.3", Some("three"));
        let p = s
            .plan(&prior, &config(&s, vec![two_edited, three, one]))
            .unwrap()
            .planned;
        let rules = rules_of(&p);
        assert_eq!(rules[0].get_attr("id"), prior_rules[1].get_attr("id"));
        assert_eq!(rules[1].get_attr("id"), Some(Value::Unknown(Type::String)));
        assert_eq!(rules[1].get_attr("ref"), Some(Value::string("three")));
        assert_eq!(rules[2], prior_rules[0]);
    }

    #[test]
    fn bodies_carry_identities_and_leave_out_unknowns() {
        let (s, _) = spec();
        let r = Ruleset::new(s);
        let a = rule(&r.spec, "ip.src eq 1.1.1.1", None);
        let prior = applied(
            &r.spec
                .plan(&Value::null(), &config(&r.spec, vec![a.clone()]))
                .unwrap()
                .planned,
            "1",
        );
        let b = rule(&r.spec, "ip.src eq 2.2.2.2", None);
        let planned = r
            .spec
            .plan(&prior, &config(&r.spec, vec![a, b]))
            .unwrap()
            .planned;
        let body = r.body(&planned).unwrap();
        assert_eq!(
            body,
            json!({
                "name": "My ruleset", "kind": "zone", "phase": "http_request_firewall_custom", "description": "",
                "rules": [
                    {"action": "block", "expression": "ip.src eq 1.1.1.1", "description": "", "enabled": true, "ref": "id-ip.src_eq_1.1.1.1", "id": "id-ip.src_eq_1.1.1.1"},
                    {"action": "block", "expression": "ip.src eq 2.2.2.2", "description": "", "enabled": true}
                ]
            })
        );
    }

    #[test]
    fn query_string_lists_become_objects() {
        let mut j = json!({"rules": [{"action_parameters": {"cache_key": {"custom_key": {"query_string": {"include": ["*"], "exclude": ["a", "b"]}}}}}]});
        fix_query_strings(&mut j);
        assert_eq!(
            j.pointer("/rules/0/action_parameters/cache_key/custom_key/query_string")
                .unwrap(),
            &json!({"include": {"all": true}, "exclude": {"list": ["a", "b"]}})
        );
    }
}
