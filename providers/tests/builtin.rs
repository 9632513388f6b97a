//! End-to-end tests of the built-in providers through the `Provider` trait: plan create, apply,
//! plan again (no-op), forced replacement, import, and registry lookups.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use infra_lang::{Number, PathStep, Type, Value};
use infra_providers::builtin::random::DEFAULT_SPECIAL;
use infra_providers::{PlannedState, Provider, Registry, Schema};

fn provider(source: &str) -> Arc<dyn Provider> {
    match Registry::builtin().get(source) {
        Some(p) => p,
        None => panic!("no provider {source}"),
    }
}

fn random() -> Arc<dyn Provider> {
    provider("hashicorp/random")
}

fn schema_of(p: &dyn Provider, ty: &str) -> Schema {
    p.resource_schema(ty).expect("schema").clone()
}

/// A configuration object: the given attributes, every other schema attribute null.
fn config(p: &dyn Provider, ty: &str, set: &[(&str, Value)]) -> Value {
    let schema = schema_of(p, ty);
    let mut attrs: BTreeMap<String, Value> =
        schema.attributes.iter().map(|(k, a)| (k.clone(), Value::Null(a.ty.clone()))).collect();
    for (k, v) in set {
        assert!(attrs.contains_key(*k), "{ty} has no attribute {k}");
        attrs.insert(k.to_string(), v.clone());
    }
    Value::Object(attrs)
}

/// What the engine proposes on update: configuration, with computed attributes the
/// configuration leaves null taken from the prior state.
fn proposed(p: &dyn Provider, ty: &str, cfg: &Value, prior: &Value) -> Value {
    let schema = schema_of(p, ty);
    let mut attrs = cfg.as_entries().cloned().unwrap_or_default();
    for (name, a) in &schema.attributes {
        if a.computed && attrs.get(name).map(Value::is_null).unwrap_or(true) {
            if let Some(v) = prior.get_attr(name) {
                attrs.insert(name.clone(), v);
            }
        }
    }
    Value::Object(attrs)
}

fn null() -> Value {
    Value::null()
}

fn n(i: i64) -> Value {
    Value::Number(Number::from(i))
}

fn s(v: &str) -> Value {
    Value::string(v)
}

fn get(v: &Value, name: &str) -> Value {
    v.get_attr(name).unwrap_or_else(|| panic!("no attribute {name} in {v:?}"))
}

fn get_str(v: &Value, name: &str) -> String {
    match get(v, name) {
        Value::String(s) => s,
        other => panic!("{name} is not a known string: {other:?}"),
    }
}

fn string_map(entries: &[(&str, &str)]) -> Value {
    Value::Map(Type::String, entries.iter().map(|(k, v)| (k.to_string(), s(v))).collect())
}

fn attr_path(name: &str) -> Vec<PathStep> {
    vec![PathStep::Attr(name.into())]
}

/// Plans a create and applies it, checking the apply result has the schema's attributes.
async fn create(p: &dyn Provider, ty: &str, cfg: &Value) -> (PlannedState, Value) {
    let plan = p.plan_resource(ty, &null(), cfg).expect("plan create");
    assert!(plan.requires_replace.is_empty());
    let state = p.apply_resource(ty, &null(), &plan.planned).await.expect("apply create");
    assert!(state.is_wholly_known(), "apply left unknowns: {state:?}");
    let schema = schema_of(p, ty);
    let keys: Vec<&String> = state.as_entries().expect("object").keys().collect();
    assert_eq!(keys, schema.attributes.keys().collect::<Vec<_>>());
    (plan, state)
}

/// Asserts that planning the same configuration against `state` is a no-op, whether the engine
/// proposes the bare configuration or the configuration with prior computed values copied in.
fn assert_noop(p: &dyn Provider, ty: &str, cfg: &Value, state: &Value) {
    for prop in [cfg.clone(), proposed(p, ty, cfg, state)] {
        let plan = p.plan_resource(ty, state, &prop).expect("plan");
        assert!(plan.requires_replace.is_empty(), "{:?}", plan.requires_replace);
        assert_eq!(&plan.planned, state);
    }
}

/// Plans `cfg` against `state` and returns the plan, checking that both proposal styles (bare
/// configuration, configuration plus prior computed values) plan the same.
fn replan(p: &dyn Provider, ty: &str, cfg: &Value, state: &Value) -> PlannedState {
    let bare = p.plan_resource(ty, state, cfg).expect("plan update");
    let prop = proposed(p, ty, cfg, state);
    let copied = p.plan_resource(ty, state, &prop).expect("plan update");
    assert_eq!(bare, copied, "proposal styles disagree");
    bare
}

// ---------------------------------------------------------------- registry

#[test]
fn registry_finds_providers_by_short_and_full_source() {
    let r = Registry::builtin();
    assert_eq!(
        r.sources(),
        vec!["registry.terraform.io/cloudflare/cloudflare", "registry.terraform.io/hashicorp/null", "registry.terraform.io/hashicorp/random", "registry.terraform.io/hashicorp/tls", "registry.terraform.io/integrations/github", "terraform.io/builtin/terraform"]
    );
    for (src, full) in [
        ("hashicorp/null", "registry.terraform.io/hashicorp/null"),
        ("registry.terraform.io/hashicorp/null", "registry.terraform.io/hashicorp/null"),
        ("hashicorp/random", "registry.terraform.io/hashicorp/random"),
        ("Registry.Terraform.io/HashiCorp/Random", "registry.terraform.io/hashicorp/random"),
        ("terraform.io/builtin/terraform", "terraform.io/builtin/terraform"),
        ("hashicorp/tls", "registry.terraform.io/hashicorp/tls"),
    ] {
        assert_eq!(r.get(src).map(|p| p.source()), Some(full), "{src}");
    }
    assert!(r.get("null").is_none());
    assert!(r.get("hashicorp/aws").is_none());
    assert_eq!(Registry::normalize_source("hashicorp/null"), "registry.terraform.io/hashicorp/null");
    assert_eq!(r.default_source_for_local_name("null").as_deref(), Some("registry.terraform.io/hashicorp/null"));
    assert_eq!(r.default_source_for_local_name("random").as_deref(), Some("registry.terraform.io/hashicorp/random"));
    assert_eq!(r.default_source_for_local_name("terraform").as_deref(), Some("terraform.io/builtin/terraform"));
}

#[tokio::test]
async fn unknown_resource_types_are_errors() {
    let p = random();
    let err = p.plan_resource("random_nope", &null(), &Value::object([("a", n(1))])).unwrap_err();
    assert!(err.to_string().contains("random_nope"), "{err}");
    assert!(p.apply_resource("random_nope", &null(), &null()).await.is_err());
}

// ---------------------------------------------------------------- null

#[tokio::test]
async fn null_resource_lifecycle() {
    let p = provider("hashicorp/null");
    let cfg = config(&*p, "null_resource", &[("triggers", string_map(&[("a", "1")]))]);
    let (plan, state) = create(&*p, "null_resource", &cfg).await;
    assert_eq!(get(&plan.planned, "id"), Value::Unknown(Type::String));
    assert_eq!(get(&plan.planned, "triggers"), string_map(&[("a", "1")]));
    let id = get_str(&state, "id");
    assert!(id.parse::<i64>().is_ok_and(|i| i >= 0), "id {id} is not a non-negative int64");

    assert_noop(&*p, "null_resource", &cfg, &state);

    let changed = config(&*p, "null_resource", &[("triggers", string_map(&[("a", "2")]))]);
    let plan = replan(&*p, "null_resource", &changed, &state);
    assert_eq!(plan.requires_replace, vec![attr_path("triggers")]);
    assert_eq!(get(&plan.planned, "id"), Value::Unknown(Type::String));
    let replaced = p.apply_resource("null_resource", &state, &plan.planned).await.unwrap();
    assert!(get(&replaced, "id").is_known());

    assert_eq!(p.read_resource("null_resource", &state).await.unwrap(), Some(state.clone()));
    assert!(p.apply_resource("null_resource", &state, &null()).await.unwrap().is_null());
}

#[tokio::test]
async fn null_data_source_copies_inputs() {
    let p = provider("hashicorp/null");
    let schema = p.schema().data_sources["null_data_source"].clone();
    let mut cfg: BTreeMap<String, Value> =
        schema.attributes.iter().map(|(k, a)| (k.clone(), Value::Null(a.ty.clone()))).collect();
    cfg.insert("inputs".into(), string_map(&[("x", "y")]));
    let out = p.read_data_source("null_data_source", &Value::Object(cfg.clone())).await.unwrap();
    assert_eq!(get(&out, "outputs"), string_map(&[("x", "y")]));
    assert_eq!(get(&out, "id"), s("static"));
    assert_eq!(get(&out, "has_computed_default"), s("default"));
    assert!(get_str(&out, "random").parse::<i64>().is_ok());

    cfg.insert("has_computed_default".into(), s("mine"));
    let out = p.read_data_source("null_data_source", &Value::Object(cfg)).await.unwrap();
    assert_eq!(get(&out, "has_computed_default"), s("mine"));
    assert!(p.read_data_source("nope", &null()).await.is_err());
}

// ---------------------------------------------------------------- random_string / random_password

const BOOL_DEFAULTS: [&str; 5] = ["special", "upper", "lower", "numeric", "number"];
const MIN_DEFAULTS: [&str; 4] = ["min_lower", "min_upper", "min_numeric", "min_special"];

#[tokio::test]
async fn random_string_plan_fills_defaults_and_leaves_result_unknown() {
    let p = random();
    let cfg = config(&*p, "random_string", &[("length", n(16))]);
    let plan = p.plan_resource("random_string", &null(), &cfg).unwrap();
    for name in BOOL_DEFAULTS {
        assert_eq!(get(&plan.planned, name), Value::Bool(true), "{name}");
    }
    for name in MIN_DEFAULTS {
        assert_eq!(get(&plan.planned, name), n(0), "{name}");
    }
    assert_eq!(get(&plan.planned, "result"), Value::Unknown(Type::String));
    assert_eq!(get(&plan.planned, "id"), Value::Unknown(Type::String));
    assert!(get(&plan.planned, "override_special").is_null());
    assert!(get(&plan.planned, "keepers").is_null());
}

#[tokio::test]
async fn random_string_honours_min_counts_and_classes() {
    let p = random();
    let cfg = config(
        &*p,
        "random_string",
        &[("length", n(24)), ("min_upper", n(5)), ("min_lower", n(5)), ("min_numeric", n(5)), ("min_special", n(5))],
    );
    for _ in 0..10 {
        let (_, state) = create(&*p, "random_string", &cfg).await;
        let r = get_str(&state, "result");
        assert_eq!(get_str(&state, "id"), r);
        assert_eq!(r.chars().count(), 24);
        assert!(r.chars().filter(char::is_ascii_uppercase).count() >= 5, "{r}");
        assert!(r.chars().filter(char::is_ascii_lowercase).count() >= 5, "{r}");
        assert!(r.chars().filter(char::is_ascii_digit).count() >= 5, "{r}");
        assert!(r.chars().filter(|c| DEFAULT_SPECIAL.contains(*c)).count() >= 5, "{r}");
        assert!(r.chars().all(|c| c.is_ascii_alphanumeric() || DEFAULT_SPECIAL.contains(c)), "{r}");
    }

    let cfg = config(&*p, "random_string", &[("length", n(64)), ("special", Value::Bool(false)), ("upper", Value::Bool(false))]);
    let (_, state) = create(&*p, "random_string", &cfg).await;
    let r = get_str(&state, "result");
    assert!(r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{r}");

    let cfg = config(
        &*p,
        "random_string",
        &[("length", n(64)), ("upper", Value::Bool(false)), ("lower", Value::Bool(false)), ("numeric", Value::Bool(false)), ("override_special", s("_~"))],
    );
    let (_, state) = create(&*p, "random_string", &cfg).await;
    let r = get_str(&state, "result");
    assert!(r.chars().all(|c| c == '_' || c == '~'), "{r}");
    assert_eq!(get(&state, "number"), Value::Bool(false), "number follows numeric");
}

#[tokio::test]
async fn random_string_deprecated_number_sets_numeric() {
    let p = random();
    let cfg = config(&*p, "random_string", &[("length", n(40)), ("number", Value::Bool(false))]);
    let (plan, state) = create(&*p, "random_string", &cfg).await;
    assert_eq!(get(&plan.planned, "numeric"), Value::Bool(false));
    assert!(!get_str(&state, "result").chars().any(|c| c.is_ascii_digit()));

    let both = config(&*p, "random_string", &[("length", n(4)), ("number", Value::Bool(false)), ("numeric", Value::Bool(true))]);
    let err = p.plan_resource("random_string", &null(), &both).unwrap_err();
    assert!(err.to_string().contains("numeric"), "{err}");

    // Switching numeric off on an existing string replaces it; `number` follows.
    let base = config(&*p, "random_string", &[("length", n(8))]);
    let (_, state) = create(&*p, "random_string", &base).await;
    let off = config(&*p, "random_string", &[("length", n(8)), ("numeric", Value::Bool(false))]);
    let plan = replan(&*p, "random_string", &off, &state);
    assert_eq!(get(&plan.planned, "number"), Value::Bool(false));
    assert!(plan.requires_replace.contains(&attr_path("numeric")));
}

#[tokio::test]
async fn random_string_noop_replace_and_keepers() {
    let p = random();
    let cfg = config(&*p, "random_string", &[("length", n(12)), ("keepers", string_map(&[("k", "1")]))]);
    let (_, state) = create(&*p, "random_string", &cfg).await;
    assert_noop(&*p, "random_string", &cfg, &state);

    let longer = config(&*p, "random_string", &[("length", n(13)), ("keepers", string_map(&[("k", "1")]))]);
    let plan = replan(&*p, "random_string", &longer, &state);
    assert_eq!(plan.requires_replace, vec![attr_path("length")]);
    assert_eq!(get(&plan.planned, "result"), Value::Unknown(Type::String));
    let replaced = p.apply_resource("random_string", &state, &plan.planned).await.unwrap();
    assert_eq!(get_str(&replaced, "result").chars().count(), 13);

    let rekeyed = config(&*p, "random_string", &[("length", n(12)), ("keepers", string_map(&[("k", "2")]))]);
    let plan = replan(&*p, "random_string", &rekeyed, &state);
    assert_eq!(plan.requires_replace, vec![attr_path("keepers")]);
    assert_eq!(get(&plan.planned, "id"), Value::Unknown(Type::String));

    // null -> {} keepers: an in-place update that keeps the result.
    let bare = config(&*p, "random_string", &[("length", n(12))]);
    let (_, bare_state) = create(&*p, "random_string", &bare).await;
    let empty = config(&*p, "random_string", &[("length", n(12)), ("keepers", string_map(&[]))]);
    let plan = replan(&*p, "random_string", &empty, &bare_state);
    assert!(plan.requires_replace.is_empty());
    assert_eq!(get(&plan.planned, "result"), get(&bare_state, "result"));
    assert_eq!(get(&plan.planned, "keepers"), string_map(&[]));
    let updated = p.apply_resource("random_string", &bare_state, &plan.planned).await.unwrap();
    assert_eq!(updated, plan.planned);
}

#[tokio::test]
async fn random_string_rejects_bad_lengths() {
    let p = random();
    for (set, needle) in [
        (vec![("length", n(0))], "at least 1"),
        (vec![("length", n(3)), ("min_upper", n(2)), ("min_lower", n(2))], "sum"),
        (vec![("length", n(3)), ("min_special", n(-1))], "min_special"),
        (vec![("length", Value::Number(Number::from_f64(2.5)))], "whole number"),
        (
            vec![
                ("length", n(3)),
                ("upper", Value::Bool(false)),
                ("lower", Value::Bool(false)),
                ("numeric", Value::Bool(false)),
                ("special", Value::Bool(false)),
            ],
            "character set",
        ),
    ] {
        let cfg = config(&*p, "random_string", &set);
        let err = p.plan_resource("random_string", &null(), &cfg).unwrap_err();
        assert!(err.to_string().contains(needle), "{err} should mention {needle}");
    }
    // Unknown length: validated later, result still unknown.
    let cfg = config(&*p, "random_string", &[("length", Value::Unknown(Type::Number))]);
    let plan = p.plan_resource("random_string", &null(), &cfg).unwrap();
    assert_eq!(get(&plan.planned, "length"), Value::Unknown(Type::Number));
    assert!(p.apply_resource("random_string", &null(), &plan.planned).await.is_err());
}

#[tokio::test]
async fn random_string_import_by_result() {
    let p = random();
    let state = p.import_resource("random_string", "abc-123").await.unwrap();
    assert_eq!(get(&state, "result"), s("abc-123"));
    assert_eq!(get(&state, "id"), s("abc-123"));
    assert_eq!(get(&state, "length"), n(7));
    assert_eq!(get(&state, "special"), Value::Bool(true));
    assert_eq!(get(&state, "min_upper"), n(0));
    assert!(get(&state, "keepers").is_null());
    // A matching configuration then plans no change.
    let cfg = config(&*p, "random_string", &[("length", n(7))]);
    assert_noop(&*p, "random_string", &cfg, &state);
}

#[tokio::test]
async fn random_password_is_sensitive_and_hashed() {
    let p = random();
    let schema = schema_of(&*p, "random_password");
    assert!(schema.attributes["result"].sensitive);
    assert!(schema.attributes["bcrypt_hash"].sensitive);
    assert!(!schema.attributes["id"].sensitive);
    assert!(!schema_of(&*p, "random_string").attributes["result"].sensitive);

    let cfg = config(&*p, "random_password", &[("length", n(20)), ("override_special", s("!#"))]);
    let (plan, state) = create(&*p, "random_password", &cfg).await;
    assert_eq!(get(&plan.planned, "bcrypt_hash"), Value::Unknown(Type::String));
    assert_eq!(get(&state, "id"), s("none"));
    let r = get_str(&state, "result");
    assert_eq!(r.chars().count(), 20);
    assert!(r.chars().all(|c| c.is_ascii_alphanumeric() || c == '!' || c == '#'), "{r}");
    let hash = get_str(&state, "bcrypt_hash");
    assert!(bcrypt::verify(&r, &hash).unwrap());
    assert!(!bcrypt::verify("not it", &hash).unwrap());
    assert_noop(&*p, "random_password", &cfg, &state);

    let imported = p.import_resource("random_password", "s3cret").await.unwrap();
    assert_eq!(get(&imported, "id"), s("none"));
    assert_eq!(get(&imported, "result"), s("s3cret"));
    assert!(bcrypt::verify("s3cret", &get_str(&imported, "bcrypt_hash")).unwrap());
}

// ---------------------------------------------------------------- random_id

fn decode_hex(h: &str) -> Vec<u8> {
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex")).collect()
}

#[tokio::test]
async fn random_id_renderings_agree() {
    let p = random();
    let cfg = config(&*p, "random_id", &[("byte_length", n(8))]);
    let (plan, state) = create(&*p, "random_id", &cfg).await;
    for name in ["id", "b64_url", "b64_std", "hex", "dec"] {
        assert_eq!(get(&plan.planned, name), Value::Unknown(Type::String), "{name}");
    }
    let hex = get_str(&state, "hex");
    assert_eq!(hex.len(), 16);
    let bytes = decode_hex(&hex);
    assert_eq!(URL_SAFE_NO_PAD.decode(get_str(&state, "b64_url")).unwrap(), bytes);
    assert_eq!(STANDARD.decode(get_str(&state, "b64_std")).unwrap(), bytes);
    assert_eq!(get_str(&state, "id"), get_str(&state, "b64_url"));
    let eight: [u8; 8] = bytes.clone().try_into().unwrap();
    assert_eq!(get_str(&state, "dec"), u64::from_be_bytes(eight).to_string());
    assert_noop(&*p, "random_id", &cfg, &state);

    let cfg = config(&*p, "random_id", &[("byte_length", n(4)), ("prefix", s("app-"))]);
    let (_, state) = create(&*p, "random_id", &cfg).await;
    for name in ["b64_url", "b64_std", "hex", "dec"] {
        assert!(get_str(&state, name).starts_with("app-"), "{name}");
    }
    // As in the real provider, `id` is the bare base64url without the prefix.
    assert_eq!(format!("app-{}", get_str(&state, "id")), get_str(&state, "b64_url"));
    let hex = get_str(&state, "hex");
    let bytes = decode_hex(&hex["app-".len()..]);
    assert_eq!(bytes.len(), 4);
    assert_eq!(URL_SAFE_NO_PAD.decode(&get_str(&state, "b64_url")["app-".len()..]).unwrap(), bytes);

    let bigger = config(&*p, "random_id", &[("byte_length", n(5)), ("prefix", s("app-"))]);
    assert_eq!(replan(&*p, "random_id", &bigger, &state).requires_replace, vec![attr_path("byte_length")]);
    let other_prefix = config(&*p, "random_id", &[("byte_length", n(4)), ("prefix", s("web-"))]);
    assert_eq!(replan(&*p, "random_id", &other_prefix, &state).requires_replace, vec![attr_path("prefix")]);

    let zero = config(&*p, "random_id", &[("byte_length", n(0))]);
    assert!(p.plan_resource("random_id", &null(), &zero).is_err());
}

#[tokio::test]
async fn random_id_import() {
    let p = random();
    let state = p.import_resource("random_id", "AQID").await.unwrap();
    assert_eq!(get(&state, "hex"), s("010203"));
    assert_eq!(get(&state, "dec"), s("66051"));
    assert_eq!(get(&state, "b64_std"), s("AQID"));
    assert_eq!(get(&state, "byte_length"), n(3));
    assert!(get(&state, "prefix").is_null());
    let cfg = config(&*p, "random_id", &[("byte_length", n(3))]);
    assert_noop(&*p, "random_id", &cfg, &state);

    let state = p.import_resource("random_id", "my,pre,AQID").await.unwrap();
    assert_eq!(get(&state, "prefix"), s("my,pre"));
    assert_eq!(get(&state, "hex"), s("my,pre010203"));
    assert_eq!(get(&state, "b64_url"), s("my,preAQID"));
    assert_eq!(get(&state, "id"), s("AQID"));
    assert!(p.import_resource("random_id", "!!!").await.is_err());
}

// ---------------------------------------------------------------- random_integer

#[tokio::test]
async fn random_integer_range_seed_and_errors() {
    let p = random();
    let cfg = config(&*p, "random_integer", &[("min", n(1)), ("max", n(6))]);
    let (plan, _) = create(&*p, "random_integer", &cfg).await;
    assert_eq!(get(&plan.planned, "result"), Value::Unknown(Type::Number));
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let (_, state) = create(&*p, "random_integer", &cfg).await;
        let r = get(&state, "result").as_number().and_then(Number::as_i64).unwrap();
        assert!((1..=6).contains(&r));
        assert_eq!(get_str(&state, "id"), r.to_string());
        seen.insert(r);
    }
    assert!(seen.len() > 1, "100 draws gave one value");

    let seeded = config(&*p, "random_integer", &[("min", n(0)), ("max", n(1_000_000)), ("seed", s("abc"))]);
    let (_, a) = create(&*p, "random_integer", &seeded).await;
    let (_, b) = create(&*p, "random_integer", &seeded).await;
    assert_eq!(get(&a, "result"), get(&b, "result"));
    assert_noop(&*p, "random_integer", &seeded, &a);
    let reseeded = config(&*p, "random_integer", &[("min", n(0)), ("max", n(1_000_000)), ("seed", s("abd"))]);
    assert_eq!(replan(&*p, "random_integer", &reseeded, &a).requires_replace, vec![attr_path("seed")]);

    let bad = config(&*p, "random_integer", &[("min", n(10)), ("max", n(5))]);
    let err = p.plan_resource("random_integer", &null(), &bad).unwrap_err().to_string();
    assert!(err.contains("min") && err.contains("max") && err.contains("10") && err.contains('5'), "{err}");

    let same = config(&*p, "random_integer", &[("min", n(-3)), ("max", n(-3))]);
    let (_, state) = create(&*p, "random_integer", &same).await;
    assert_eq!(get(&state, "result"), n(-3));
}

#[tokio::test]
async fn random_integer_import() {
    let p = random();
    let state = p.import_resource("random_integer", "5,1,10").await.unwrap();
    assert_eq!((get(&state, "result"), get(&state, "min"), get(&state, "max")), (n(5), n(1), n(10)));
    assert_eq!(get(&state, "id"), s("5"));
    assert!(get(&state, "seed").is_null());
    let seeded = p.import_resource("random_integer", "5,1,10,xyz").await.unwrap();
    assert_eq!(get(&seeded, "seed"), s("xyz"));
    for bad in ["5,1", "a,1,10", "11,1,10"] {
        assert!(p.import_resource("random_integer", bad).await.is_err(), "{bad}");
    }
}

// ---------------------------------------------------------------- random_shuffle

fn strings(v: &Value) -> Vec<String> {
    v.as_seq().expect("list").iter().map(|x| x.as_str().expect("string").to_string()).collect()
}

#[tokio::test]
async fn random_shuffle_permutes_and_counts() {
    let p = random();
    let input = Value::List(Type::String, ["a", "b", "c", "d", "e"].iter().map(|x| s(x)).collect());
    let cfg = config(&*p, "random_shuffle", &[("input", input.clone())]);
    let (plan, state) = create(&*p, "random_shuffle", &cfg).await;
    let base_state = state.clone();
    assert_eq!(get(&plan.planned, "result"), Value::Unknown(Type::list(Type::String)));
    assert_eq!(get(&state, "id"), s("-"));
    let mut r = strings(&get(&state, "result"));
    r.sort();
    assert_eq!(r, vec!["a", "b", "c", "d", "e"]);
    assert_noop(&*p, "random_shuffle", &cfg, &state);

    let two = config(&*p, "random_shuffle", &[("input", input.clone()), ("result_count", n(2))]);
    let (_, state) = create(&*p, "random_shuffle", &two).await;
    let r = strings(&get(&state, "result"));
    assert_eq!(r.len(), 2);
    assert_ne!(r[0], r[1]);

    let twelve = config(&*p, "random_shuffle", &[("input", input.clone()), ("result_count", n(12))]);
    let (_, state) = create(&*p, "random_shuffle", &twelve).await;
    let r = strings(&get(&state, "result"));
    assert_eq!(r.len(), 12);
    for x in ["a", "b", "c", "d", "e"] {
        let c = r.iter().filter(|y| *y == x).count();
        assert!((2..=3).contains(&c), "{x} appears {c} times in {r:?}");
    }

    let seeded = config(&*p, "random_shuffle", &[("input", input.clone()), ("seed", s("s"))]);
    let (_, a) = create(&*p, "random_shuffle", &seeded).await;
    let (_, b) = create(&*p, "random_shuffle", &seeded).await;
    assert_eq!(get(&a, "result"), get(&b, "result"));

    let changed = config(&*p, "random_shuffle", &[("input", Value::List(Type::String, vec![s("z")]))]);
    assert_eq!(replan(&*p, "random_shuffle", &changed, &base_state).requires_replace, vec![attr_path("input")]);

    let empty = config(&*p, "random_shuffle", &[("input", Value::List(Type::String, vec![])), ("result_count", n(3))]);
    let (_, state) = create(&*p, "random_shuffle", &empty).await;
    assert_eq!(get(&state, "result"), Value::List(Type::String, vec![]));
}

// ---------------------------------------------------------------- random_uuid

#[tokio::test]
async fn random_uuid_lifecycle() {
    let p = random();
    let cfg = config(&*p, "random_uuid", &[]);
    let (_, state) = create(&*p, "random_uuid", &cfg).await;
    let u = get_str(&state, "result");
    assert_eq!(uuid::Uuid::parse_str(&u).unwrap().get_version_num(), 4);
    assert_eq!(get_str(&state, "id"), u);
    assert_noop(&*p, "random_uuid", &cfg, &state);
    let keyed = config(&*p, "random_uuid", &[("keepers", string_map(&[("a", "b")]))]);
    assert_eq!(replan(&*p, "random_uuid", &keyed, &state).requires_replace, vec![attr_path("keepers")]);
    let imported = p.import_resource("random_uuid", &u).await.unwrap();
    assert_eq!(get_str(&imported, "result"), u);
    assert!(p.import_resource("random_uuid", "nope").await.is_err());
    assert!(p.import_resource("random_shuffle", "a").await.is_err());
}

// ---------------------------------------------------------------- terraform_data

#[tokio::test]
async fn terraform_data_lifecycle() {
    let p = provider("terraform.io/builtin/terraform");
    let input = Value::object([("a", n(1)), ("b", Value::Tuple(vec![s("x"), Value::Bool(true)]))]);
    let cfg = config(&*p, "terraform_data", &[("input", input.clone())]);
    let (plan, state) = create(&*p, "terraform_data", &cfg).await;
    assert_eq!(get(&plan.planned, "output"), Value::Unknown(input.ty()));
    assert_eq!(get(&plan.planned, "id"), Value::Unknown(Type::String));
    assert_eq!(get(&state, "output"), input);
    assert!(uuid::Uuid::parse_str(&get_str(&state, "id")).is_ok());
    assert_noop(&*p, "terraform_data", &cfg, &state);

    // Changing input updates in place with an unknown output.
    let cfg2 = config(&*p, "terraform_data", &[("input", s("new"))]);
    let plan = replan(&*p, "terraform_data", &cfg2, &state);
    assert!(plan.requires_replace.is_empty());
    assert_eq!(get(&plan.planned, "output"), Value::Unknown(Type::String));
    assert_eq!(get(&plan.planned, "id"), get(&state, "id"));
    let updated = p.apply_resource("terraform_data", &state, &plan.planned).await.unwrap();
    assert_eq!(get(&updated, "output"), s("new"));
    assert_eq!(get(&updated, "id"), get(&state, "id"));

    // Changing triggers_replace replaces.
    let cfg3 = config(&*p, "terraform_data", &[("input", s("new")), ("triggers_replace", n(1))]);
    let plan = replan(&*p, "terraform_data", &cfg3, &updated);
    assert_eq!(plan.requires_replace, vec![attr_path("triggers_replace")]);
    assert_eq!(get(&plan.planned, "id"), Value::Unknown(Type::String));
    assert_eq!(get(&plan.planned, "output"), Value::Unknown(Type::String));
    let replaced = p.apply_resource("terraform_data", &updated, &plan.planned).await.unwrap();
    assert_ne!(get(&replaced, "id"), get(&updated, "id"));
    assert_eq!(get(&replaced, "triggers_replace"), n(1));

    assert!(p.import_resource("terraform_data", "x").await.is_err());
    assert!(p.apply_resource("terraform_data", &replaced, &null()).await.unwrap().is_null());
}

#[tokio::test]
async fn terraform_data_null_and_unknown_input() {
    let p = provider("terraform.io/builtin/terraform");
    let cfg = config(&*p, "terraform_data", &[]);
    let (plan, state) = create(&*p, "terraform_data", &cfg).await;
    assert!(get(&plan.planned, "output").is_null());
    assert!(get(&state, "output").is_null());

    let cfg = config(&*p, "terraform_data", &[("input", Value::Unknown(Type::String))]);
    let plan = p.plan_resource("terraform_data", &null(), &cfg).unwrap();
    assert_eq!(get(&plan.planned, "output"), Value::Unknown(Type::String));
}
