//! Engine tests: configuration → graph → plan → apply → state through the library API, against
//! the fake provider of `common` (an in-memory store whose objects tests mutate and whose calls
//! they inspect).

mod common;

use common::*;
use infra_engine::plan::{Action, PlanOptions, Reason, ReplaceOrder};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_apply_then_noop() {
    let env = Env::new();
    env.write(
        r#"
resource "fake_thing" "a" {
  name = "a"
  size = 3
  tags = { env = "test" }
}
resource "fake_thing" "b" {
  name   = "b"
  policy = fake_thing.a.id
}
"#,
    );
    let (config, p) = env.plan().await;
    assert_eq!(pending(&p).into_iter().collect::<Vec<_>>(), vec![("fake_thing.a".to_string(), Action::Create), ("fake_thing.b".to_string(), Action::Create)]);
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(outcome.added, 2);
    assert_eq!(addrs(&state), vec!["fake_thing.a", "fake_thing.b"]);
    let a = stored(&state, "fake_thing.a");
    assert_eq!(a.attributes["name"], "a");
    assert_eq!(a.attributes["size"], 3);
    assert_eq!(a.attributes["tags"], serde_json::json!({"env": "test"}));
    let a_id = a.attributes["id"].as_str().unwrap().to_string();
    assert!(a_id.starts_with("fake-"));
    assert_eq!(a.attributes["version"], 1);
    assert!(a.dependencies.is_empty());
    let b = stored(&state, "fake_thing.b");
    assert_eq!(b.attributes["policy"], serde_json::Value::String(a_id.clone()));
    assert_eq!(b.dependencies, vec!["fake_thing.a"]);
    assert_eq!(b.provider, format!("provider[\"{FAKE_SOURCE}\"]"));
    // The state file holds the same.
    assert_eq!(addrs(&env.state()), vec!["fake_thing.a", "fake_thing.b"]);
    assert_eq!(env.fake.lock().names(), vec!["a", "b"]);

    let (_, p2) = env.plan().await;
    assert!(p2.drift.is_empty(), "unexpected drift: {:?}", p2.drift);
    assert_eq!(actions(&p2).into_iter().collect::<Vec<_>>(), vec![("fake_thing.a".to_string(), Action::NoOp), ("fake_thing.b".to_string(), Action::NoOp)]);
    assert!(p2.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_result_that_differs_from_the_plan_is_reported_saved_and_stops_dependents() {
    let env = Env::new();
    env.write(
        r#"
resource "fake_thing" "a" {
  name = "web"
}
resource "fake_thing" "b" {
  name   = "db"
  policy = fake_thing.a.id
}
"#,
    );
    env.fake.lock().uppercase_names = true;
    let (config, p) = env.plan().await;
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    let text = render(&outcome.errors);
    assert!(text.contains("Provider produced inconsistent result after apply"), "{text}");
    assert!(text.contains(r#".name: was "web", but now "WEB""#), "{text}");
    assert_eq!(outcome.skipped, vec!["fake_thing.b".to_string()]);
    // The object exists remotely, so the state keeps it as returned.
    assert_eq!(addrs(&state), vec!["fake_thing.a"]);
    assert_eq!(stored(&state, "fake_thing.a").attributes["name"], "WEB");
    // The next plan shows the difference (and would repair it).
    env.fake.lock().uppercase_names = false;
    let (_, p2) = env.plan().await;
    assert_eq!(pending(&p2).get("fake_thing.a"), Some(&Action::Replace(ReplaceOrder::DestroyBeforeCreate)));
}

/// A `hashed_in_state` secret reaches the provider in clear but is stored only as a salted hash,
/// plans as unchanged while the configuration matches the hash, and is left out of a saved plan
/// (evaluated again at apply).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hashed_secrets_never_reach_state_or_plan_files() {
    let env = Env::new();
    let cfg = |token: &str| format!("resource \"fake_thing\" \"s\" {{\n  name  = \"s\"\n  token = \"{token}\"\n}}\n");
    env.write(&cfg("CANARY-hashed-one"));
    env.converge().await;
    let state_text = std::fs::read_to_string(env.backend.path()).unwrap();
    assert!(!state_text.contains("CANARY-hashed-one") && state_text.contains("$infra-sha256$"), "{state_text}");
    assert_eq!(env.fake.lock().object("s").unwrap().get_attr("token"), Some(s("CANARY-hashed-one")));
    let (_, p) = env.plan().await;
    assert_eq!(change(&p, "fake_thing.s").action, Action::NoOp);

    // A new value: an update, saved to a plan file without the value, applied from the file.
    env.write(&cfg("CANARY-hashed-two"));
    let (config, mut p) = env.plan().await;
    assert_eq!(change(&p, "fake_thing.s").action, Action::Update);
    infra_engine::planfile::seal_secrets(&mut p, &|_, ty| (ty == "fake_thing").then(common::fake_schema));
    let path = env.dir.path().join("tfplan");
    let pf = infra_engine::planfile::PlanFile { plan: p, config_files: vec![], infra_version: "test".into(), sealed_variables: Default::default() };
    infra_engine::planfile::write_planfile(&path, &pf).unwrap();
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(!saved.contains("CANARY-hashed"), "{saved}");
    let from_file = infra_engine::planfile::read_planfile(&path).unwrap().plan;
    let (outcome, state) = env.apply_plan(&config, &from_file, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(env.fake.lock().object("s").unwrap().get_attr("token"), Some(s("CANARY-hashed-two")));
    let stored = serde_json::to_string(&stored(&state, "fake_thing.s").attributes).unwrap();
    assert!(!stored.contains("CANARY") && stored.contains("$infra-sha256$"), "{stored}");
    let (_, p) = env.plan().await;
    assert_eq!(change(&p, "fake_thing.s").action, Action::NoOp);
}

fn path(attr: &str) -> infra_lang::Path {
    vec![infra_lang::PathStep::Attr(attr.to_string())]
}

fn ops_since(env: &Env, from: usize) -> Vec<(Op, String)> {
    env.fake.lock().ops()[from..].to_vec()
}

fn call<'c>(calls: &'c [Call], op: Op, name: &str) -> &'c Call {
    calls.iter().find(|c| c.ok && c.op == op && c.name == name).unwrap_or_else(|| panic!("no successful {op:?} of {name}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn update_in_place_versus_replace() {
    let env = Env::new();
    env.write(r#"resource "fake_thing" "a" {
  name = "a"
  size = 1
}"#);
    let (_, state) = env.converge().await;
    let id = stored(&state, "fake_thing.a").attributes["id"].clone();

    // size changes: update in place, id kept, version bumped.
    env.write(r#"resource "fake_thing" "a" {
  name = "a"
  size = 2
}"#);
    let (config, p) = env.plan().await;
    let c = change(&p, "fake_thing.a");
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.reason, None);
    assert_eq!(attr(&c.before, "size"), n(1));
    assert_eq!(attr(&c.after, "size"), n(2));
    assert_eq!(attr(&c.after, "id"), attr(&c.before, "id"));
    let before_ops = env.fake.lock().calls.len();
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!((outcome.added, outcome.changed, outcome.destroyed), (0, 1, 0));
    assert_eq!(ops_since(&env, before_ops), vec![(Op::Update, "a".to_string())]);
    let a = stored(&state, "fake_thing.a");
    assert_eq!(a.attributes["id"], id);
    assert_eq!(a.attributes["size"], 2);
    assert_eq!(a.attributes["version"], 2);

    // name changes: replace (destroy before create by default), because of `name`.
    env.write(r#"resource "fake_thing" "a" {
  name = "a2"
  size = 2
}"#);
    let (config, p) = env.plan().await;
    let c = change(&p, "fake_thing.a");
    assert_eq!(c.action, Action::Replace(ReplaceOrder::DestroyBeforeCreate));
    assert_eq!(c.reason, Some(Reason::CannotUpdate(vec![path("name")])));
    assert!(!attr(&c.after, "id").is_known(), "a replacement gets a new id: {:?}", c.after);
    let before_ops = env.fake.lock().calls.len();
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!((outcome.added, outcome.changed, outcome.destroyed), (1, 0, 1));
    assert_eq!(ops_since(&env, before_ops), vec![(Op::Delete, "a".to_string()), (Op::Create, "a2".to_string())]);
    let calls = env.fake.lock().calls.clone();
    assert!(call(&calls, Op::Delete, "a").end <= call(&calls, Op::Create, "a2").start);
    let a = stored(&state, "fake_thing.a");
    assert_ne!(a.attributes["id"], id);
    assert_eq!(a.attributes["name"], "a2");
    assert_eq!(env.fake.lock().names(), vec!["a2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_before_destroy_creates_the_new_object_first() {
    let env = Env::new();
    let cfg = |name: &str| {
        format!(
            r#"resource "fake_thing" "c" {{
  name = "{name}"
  lifecycle {{
    create_before_destroy = true
  }}
}}"#
        )
    };
    env.write(&cfg("c1"));
    env.converge().await;
    env.write(&cfg("c2"));
    let (config, p) = env.plan().await;
    let c = change(&p, "fake_thing.c");
    assert_eq!(c.action, Action::Replace(ReplaceOrder::CreateBeforeDestroy));
    assert_eq!(c.reason, Some(Reason::CannotUpdate(vec![path("name")])));
    let before_ops = env.fake.lock().calls.len();
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(ops_since(&env, before_ops), vec![(Op::Create, "c2".to_string()), (Op::Delete, "c1".to_string())]);
    let calls = env.fake.lock().calls.clone();
    assert!(call(&calls, Op::Create, "c2").end <= call(&calls, Op::Delete, "c1").start);
    assert_eq!(stored(&state, "fake_thing.c").attributes["name"], "c2");
    assert!(stored(&state, "fake_thing.c").create_before_destroy);
    assert_eq!(env.fake.lock().names(), vec!["c2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn drift_is_reported_and_repaired() {
    let env = Env::new();
    env.write(r#"resource "fake_thing" "d" {
  name = "d"
  size = 1
}
resource "fake_thing" "e" {
  name = "e"
}"#);
    env.converge().await;

    // Someone resizes d outside infra.
    env.fake.lock().set_attr("d", "size", n(5));
    let (config, p) = env.plan().await;
    assert_eq!(p.drift.len(), 1, "{:?}", p.drift);
    let d = &p.drift[0];
    assert_eq!(d.addr.to_string(), "fake_thing.d");
    assert_eq!(d.action, Action::Update);
    assert_eq!(attr(&d.before, "size"), n(1));
    assert_eq!(attr(&d.after, "size"), n(5));
    let c = change(&p, "fake_thing.d");
    assert_eq!(c.action, Action::Update);
    assert_eq!(attr(&c.before, "size"), n(5));
    assert_eq!(attr(&c.after, "size"), n(1));
    assert_eq!(change(&p, "fake_thing.e").action, Action::NoOp);
    let (outcome, _) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(attr(&env.fake.lock().object("d").unwrap(), "size"), n(1));
    let (_, p) = env.plan().await;
    assert!(p.drift.is_empty(), "{:?}", p.drift);
    assert!(p.is_empty(), "{:?}", pending(&p));

    // Someone deletes e outside infra.
    env.fake.lock().remove("e");
    let (config, p) = env.plan().await;
    assert_eq!(p.drift.len(), 1, "{:?}", p.drift);
    assert_eq!(p.drift[0].addr.to_string(), "fake_thing.e");
    assert_eq!(p.drift[0].action, Action::Delete);
    assert_eq!(attr(&p.drift[0].before, "name"), s("e"));
    assert!(p.drift[0].after.is_null());
    assert_eq!(pending(&p), [("fake_thing.e".to_string(), Action::Create)].into_iter().collect());
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(addrs(&state), vec!["fake_thing.d", "fake_thing.e"]);
    assert_eq!(env.fake.lock().names(), vec!["d", "e"]);
    let (_, p) = env.plan().await;
    assert!(p.is_empty() && p.drift.is_empty());
}

const CHAINS: &str = r#"
resource "fake_thing" "a1" {
  name = "a1"
}
resource "fake_thing" "a2" {
  name   = "a2"
  policy = fake_thing.a1.id
}
resource "fake_thing" "a3" {
  name   = "a3"
  policy = fake_thing.a2.id
}
resource "fake_thing" "b1" {
  name = "b1"
}
resource "fake_thing" "b2" {
  name   = "b2"
  policy = fake_thing.b1.id
}
resource "fake_thing" "c1" {
  name = "c1"
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failure_midway_skips_dependents_and_keeps_the_rest() {
    let env = Env::new();
    env.write(CHAINS);
    env.fake.lock().fail_names.insert("b1".into());
    let (config, p) = env.plan().await;
    assert_eq!(pending(&p).len(), 6);
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;

    let errors: Vec<_> = outcome.errors.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{}", render(&outcome.errors));
    assert_eq!(errors[0].summary, "Error creating fake_thing.b1");
    assert!(errors[0].detail.contains("injected failure for b1"), "{}", errors[0].detail);
    assert_eq!(outcome.skipped, vec!["fake_thing.b2"]);
    assert_eq!(outcome.added, 4);
    let skipped_because: Vec<String> = env
        .events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            infra_engine::apply::ApplyEvent::Skipped { addr, because } => Some(format!("{addr}: {because}")),
            _ => None,
        })
        .collect();
    assert_eq!(skipped_because, vec!["fake_thing.b2: fake_thing.b1 failed"]);
    // B2 never reached the provider.
    assert!(env.fake.lock().calls.iter().all(|c| c.name != "b2"));

    assert_eq!(addrs(&state), vec!["fake_thing.a1", "fake_thing.a2", "fake_thing.a3", "fake_thing.c1"]);
    assert_eq!(addrs(&env.state()), addrs(&state));
    assert_eq!(env.fake.lock().names(), vec!["a1", "a2", "a3", "c1"]);
    let a2 = stored(&state, "fake_thing.a2");
    assert_eq!(a2.attributes["policy"], stored(&state, "fake_thing.a1").attributes["id"]);

    // Fixed: only the B chain is left to create.
    env.fake.lock().fail_names.clear();
    let (config, p) = env.plan().await;
    assert_eq!(
        pending(&p),
        [("fake_thing.b1".to_string(), Action::Create), ("fake_thing.b2".to_string(), Action::Create)].into_iter().collect()
    );
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert!(outcome.skipped.is_empty());
    assert_eq!(state.resources.len(), 6);
    assert_eq!(stored(&state, "fake_thing.b2").attributes["policy"], stored(&state, "fake_thing.b1").attributes["id"]);
    let (_, p) = env.plan().await;
    assert!(p.is_empty(), "{:?}", pending(&p));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failure_after_n_creates_persists_the_completed_ones() {
    let env = Env::new();
    env.write(
        r#"resource "fake_thing" "s" {
  count = 4
  name  = "s${count.index}"
}"#,
    );
    env.fake.lock().fail_after_creates = Some(2);
    let (config, p) = env.plan().await;
    let (outcome, state) = env.apply_plan(&config, &p, 1).await;
    assert_eq!(outcome.errors.iter().filter(|d| d.is_error()).count(), 2, "{}", render(&outcome.errors));
    assert_eq!(outcome.added, 2);
    assert_eq!(state.resources.len(), 2);
    assert_eq!(env.fake.lock().names().len(), 2);
    env.fake.lock().fail_after_creates = None;
    let (_, p) = env.plan().await;
    assert_eq!(pending(&p).values().filter(|a| **a == Action::Create).count(), 2);
    assert_eq!(pending(&p).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallelism_bounds_concurrency_and_dependencies_are_respected() {
    let env = Env::new();
    env.write(
        r#"
resource "fake_thing" "p" {
  count = 20
  name  = "p${count.index}"
}
resource "fake_thing" "d1" {
  name = "d1"
}
resource "fake_thing" "d2" {
  name   = "d2"
  policy = fake_thing.d1.id
}
resource "fake_thing" "d3" {
  name = "d3"
  tags = { up = fake_thing.d2.name }
}
"#,
    );
    env.fake.lock().delay = std::time::Duration::from_millis(50);
    let (config, p) = env.plan().await;
    assert_eq!(pending(&p).len(), 23);
    let (outcome, state) = env.apply_plan(&config, &p, 5).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(state.resources.len(), 23);
    let f = env.fake.lock();
    assert_eq!(f.max_in_flight, 5, "max concurrent provider calls");
    let calls = f.calls.clone();
    drop(f);
    let d1 = call(&calls, Op::Create, "d1");
    let d2 = call(&calls, Op::Create, "d2");
    let d3 = call(&calls, Op::Create, "d3");
    assert!(d2.start >= d1.end, "d2 started before d1 finished");
    assert!(d3.start >= d2.end, "d3 started before d2 finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unknowns_and_sensitive_values_in_the_plan() {
    let env = Env::new();
    env.write(
        r#"
variable "s" {
  type      = string
  sensitive = true
}
resource "fake_thing" "a" {
  name = "a"
}
resource "fake_thing" "b" {
  name   = "b"
  tags   = { up = fake_thing.a.id }
  size   = length(split(",", fake_thing.a.id))
  policy = format("%s", var.s)
  secret = "shh"
}
"#,
    );
    let (config, _) = env.load();
    let (vars, vd) = infra_engine::vars::resolve(&config, &[], &[("TF_VAR_s".to_string(), "hunter2".to_string())]);
    assert!(!vd.has_errors(), "{}", render(&vd));
    let (config, p) = env.try_plan(&PlanOptions::default(), vars).await.unwrap_or_else(|d| panic!("{}", render(&d)));
    let b = change(&p, "fake_thing.b");
    assert_eq!(b.action, Action::Create);
    let tags = b.after.get_attr("tags").unwrap();
    match tags.unmarked() {
        infra_lang::Value::Map(_, m) => assert!(matches!(m.get("up"), Some(infra_lang::Value::Unknown(_))), "tags.up should be unknown: {tags:?}"),
        other => panic!("tags should be a map with an unknown entry, got {other:?}"),
    }
    assert!(!b.after.get_attr("size").unwrap().is_known(), "length() of an unknown list stays unknown");
    let policy = b.after.get_attr("policy").unwrap();
    assert!(policy.contains_sensitive(), "format() of a sensitive var stays sensitive: {policy:?}");
    assert!(b.after.get_attr("secret").unwrap().contains_sensitive(), "schema-sensitive attribute is marked");
    assert!(!b.after.get_attr("name").unwrap().contains_sensitive());

    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    let a_id = stored(&state, "fake_thing.a").attributes["id"].clone();
    let sb = stored(&state, "fake_thing.b");
    assert_eq!(sb.attributes["tags"]["up"], a_id);
    assert_eq!(sb.attributes["size"], 1);
    assert_eq!(sb.attributes["policy"], "hunter2");
    let sens: Vec<String> = sb.sensitive_attributes.iter().map(|p| format!("{p:?}")).collect();
    assert!(sb.sensitive_attributes.contains(&vec![infra_state::PathStep::Attr("policy".into())]), "{sens:?}");
    assert!(sb.sensitive_attributes.contains(&vec![infra_state::PathStep::Attr("secret".into())]), "{sens:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lifecycle_ignore_changes() {
    let env = Env::new();
    let cfg = |size: i64| {
        format!(
            r#"resource "fake_thing" "i" {{
  name = "i"
  size = {size}
  lifecycle {{
    ignore_changes = [size]
  }}
}}"#
        )
    };
    env.write(&cfg(1));
    env.converge().await;
    env.write(&cfg(2));
    let (_, p) = env.plan().await;
    assert_eq!(change(&p, "fake_thing.i").action, Action::NoOp);
    assert!(p.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lifecycle_ignore_changes_with_nested_paths() {
    let env = Env::new();
    let cfg = |env_tag: &str, team: &str| {
        format!(
            r#"resource "fake_thing" "i" {{
  name = "i"
  tags = {{ env = "{env_tag}", team = "{team}" }}
  lifecycle {{
    ignore_changes = [tags["env"]]
  }}
}}"#
        )
    };
    env.write(&cfg("prod", "web"));
    env.converge().await;
    // Only the ignored key changes: nothing to do.
    env.write(&cfg("staging", "web"));
    let (_, p) = env.plan().await;
    assert_eq!(change(&p, "fake_thing.i").action, Action::NoOp);
    // Another key changes: an update that keeps the ignored key's prior value.
    env.write(&cfg("staging", "ops"));
    let (_, p) = env.plan().await;
    let c = change(&p, "fake_thing.i");
    assert_eq!(c.action, Action::Update);
    let tags = attr(&c.after, "tags");
    assert_eq!(tags.as_entries().unwrap().get("env"), Some(&s("prod")));
    assert_eq!(tags.as_entries().unwrap().get("team"), Some(&s("ops")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lifecycle_prevent_destroy() {
    let env = Env::new();
    let cfg = |name: &str, count: i64| {
        format!(
            r#"resource "fake_thing" "k" {{
  count = {count}
  name  = "{name}${{count.index}}"
  lifecycle {{
    prevent_destroy = true
  }}
}}"#
        )
    };
    env.write(&cfg("k", 2));
    env.converge().await;

    // A name change means replacing: refused.
    env.write(&cfg("other", 2));
    let err = env.try_plan(&PlanOptions::default(), Default::default()).await.err().expect("plan must fail");
    assert!(err.iter().any(|d| d.summary == "Instance cannot be destroyed" && d.detail.contains("fake_thing.k[0]")), "{}", render(&err));

    // Fewer instances means deleting one: refused.
    env.write(&cfg("k", 1));
    let err = env.try_plan(&PlanOptions::default(), Default::default()).await.err().expect("plan must fail");
    assert!(err.iter().any(|d| d.summary == "Instance cannot be destroyed" && d.detail.contains("fake_thing.k[1]")), "{}", render(&err));

    // Unchanged: fine.
    env.write(&cfg("k", 2));
    let (_, p) = env.plan().await;
    assert!(p.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lifecycle_prevent_destroy_blocks_destroy_mode() {
    // Terraform: `terraform destroy` fails with "Instance cannot be destroyed" while the
    // configuration still sets prevent_destroy on the resource.
    let env = Env::new();
    env.write(
        r#"resource "fake_thing" "k" {
  name = "k"
  lifecycle {
    prevent_destroy = true
  }
}"#,
    );
    env.converge().await;
    let res = env.try_plan(&PlanOptions { destroy: true, ..PlanOptions::default() }, Default::default()).await;
    match res {
        Err(err) => assert!(err.iter().any(|d| d.summary == "Instance cannot be destroyed"), "{}", render(&err)),
        Ok((_, p)) => panic!("destroy plan of a prevent_destroy resource must fail, got {:?}", pending(&p)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lifecycle_prevent_destroy_does_not_protect_a_removed_block() {
    // As in Terraform: the setting lives in the block, so removing the block deletes the object.
    let env = Env::new();
    env.write(
        r#"resource "fake_thing" "k" {
  name = "k"
  lifecycle {
    prevent_destroy = true
  }
}"#,
    );
    env.converge().await;
    env.write("");
    let (_, p) = env.plan().await;
    let c = change(&p, "fake_thing.k");
    assert_eq!(c.action, Action::Delete);
    assert_eq!(c.reason, Some(Reason::NoResourceConfig));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lifecycle_replace_triggered_by() {
    let env = Env::new();
    let cfg = |size: i64| {
        format!(
            r#"resource "fake_thing" "a" {{
  name = "a"
  size = {size}
}}
resource "fake_thing" "b" {{
  name = "b"
  lifecycle {{
    replace_triggered_by = [fake_thing.a]
  }}
}}"#
        )
    };
    env.write(&cfg(1));
    let (_, state) = env.converge().await;
    let old_b = stored(&state, "fake_thing.b").attributes["id"].clone();
    let (_, p) = env.plan().await;
    assert!(p.is_empty(), "no change to a, no replace of b: {:?}", pending(&p));

    env.write(&cfg(2));
    let (config, p) = env.plan().await;
    assert_eq!(change(&p, "fake_thing.a").action, Action::Update);
    let b = change(&p, "fake_thing.b");
    assert_eq!(b.action, Action::Replace(ReplaceOrder::DestroyBeforeCreate));
    assert_eq!(b.reason, Some(Reason::ReplaceTriggeredBy("fake_thing.a".into())));
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_ne!(stored(&state, "fake_thing.b").attributes["id"], old_b);
    let (_, p) = env.plan().await;
    assert!(p.is_empty(), "{:?}", pending(&p));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn moved_block_renames_without_replacing() {
    let env = Env::new();
    env.write(r#"resource "fake_thing" "old" {
  name = "m"
}"#);
    let (_, state) = env.converge().await;
    let id = stored(&state, "fake_thing.old").attributes["id"].clone();
    env.write(
        r#"resource "fake_thing" "new" {
  name = "m"
}
moved {
  from = fake_thing.old
  to   = fake_thing.new
}"#,
    );
    let (config, p) = env.plan().await;
    assert_eq!(p.changes.len(), 1, "{:?}", actions(&p));
    let c = change(&p, "fake_thing.new");
    assert_eq!(c.action, Action::NoOp);
    assert_eq!(c.prev_addr.as_ref().map(|a| a.to_string()).as_deref(), Some("fake_thing.old"));
    let before_calls = env.fake.lock().calls.len();
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(env.fake.lock().calls.len(), before_calls, "no provider call for a move");
    assert_eq!(addrs(&state), vec!["fake_thing.new"]);
    assert_eq!(stored(&state, "fake_thing.new").attributes["id"], id);
    assert_eq!(addrs(&env.state()), vec!["fake_thing.new"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn count_for_each_and_removed_blocks_delete_with_reasons() {
    let env = Env::new();
    env.write(
        r#"
resource "fake_thing" "c" {
  count = 3
  name  = "c${count.index}"
}
resource "fake_thing" "e" {
  for_each = toset(["x", "y"])
  name     = "e-${each.key}"
}
resource "fake_thing" "gone" {
  name = "gone"
}
"#,
    );
    let (_, state) = env.converge().await;
    assert_eq!(
        addrs(&state),
        vec!["fake_thing.c[0]", "fake_thing.c[1]", "fake_thing.c[2]", "fake_thing.e[\"x\"]", "fake_thing.e[\"y\"]", "fake_thing.gone"]
    );
    env.write(
        r#"
resource "fake_thing" "c" {
  count = 2
  name  = "c${count.index}"
}
resource "fake_thing" "e" {
  for_each = toset(["x"])
  name     = "e-${each.key}"
}
"#,
    );
    let (config, p) = env.plan().await;
    assert_eq!(
        pending(&p),
        [
            ("fake_thing.c[2]".to_string(), Action::Delete),
            ("fake_thing.e[\"y\"]".to_string(), Action::Delete),
            ("fake_thing.gone".to_string(), Action::Delete),
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(change(&p, "fake_thing.c[2]").reason, Some(Reason::CountIndex));
    assert_eq!(change(&p, "fake_thing.e[\"y\"]").reason, Some(Reason::EachKey));
    assert_eq!(change(&p, "fake_thing.gone").reason, Some(Reason::NoResourceConfig));
    assert_eq!(attr(&change(&p, "fake_thing.gone").before, "name"), s("gone"));
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(outcome.destroyed, 3);
    assert_eq!(addrs(&state), vec!["fake_thing.c[0]", "fake_thing.c[1]", "fake_thing.e[\"x\"]"]);
    assert_eq!(env.fake.lock().names(), vec!["c0", "c1", "e-x"]);
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} not in text")) + 1
}

#[test]
fn graph_reports_cycles_with_locations() {
    let env = Env::new();
    env.write(
        r#"
locals {
  x = local.y
  y = fake_thing.r.name
}
resource "fake_thing" "r" {
  name = local.x
}
"#,
    );
    let (config, diags) = infra_engine::config::load_dir(env.dir.path());
    assert!(!diags.has_errors(), "{}", render(&diags));
    let (_, diags) = infra_engine::graph::Graph::build(&config);
    let cycles: Vec<_> = diags.iter().filter(|d| d.summary.starts_with("Cycle:")).collect();
    assert_eq!(cycles.len(), 1, "{}", render(&diags));
    let d = cycles[0];
    assert!(d.is_error());
    assert_eq!(d.summary, "Cycle: fake_thing.r, local.x, local.y");
    let text = std::fs::read_to_string(env.dir.path().join("main.tf")).unwrap();
    for (who, needle) in [("local.x refers to local.y", "x = local.y"), ("local.y refers to fake_thing.r", "y = fake_thing.r.name"), ("fake_thing.r refers to local.x", "name = local.x")] {
        let expected = format!("{who} at main.tf:{}:", line_of(&text, needle));
        assert!(d.detail.contains(&expected), "expected {expected:?} in:\n{}", d.detail);
    }
    let loc = d.loc.as_ref().expect("a cycle diagnostic has a location");
    assert_eq!(loc.file.name, "main.tf");
}

#[test]
fn graph_reports_undeclared_resources_with_a_suggestion() {
    let env = Env::new();
    env.write(
        r#"
resource "fake_thing" "alpha" {
  name = "a"
}
resource "fake_thing" "b" {
  name = fake_thing.alpah.name
}
"#,
    );
    let (config, _) = infra_engine::config::load_dir(env.dir.path());
    let (_, diags) = infra_engine::graph::Graph::build(&config);
    let errs: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errs.len(), 1, "{}", render(&diags));
    assert_eq!(errs[0].summary, "Reference to undeclared resource");
    assert!(errs[0].detail.contains("\"fake_thing\" \"alpah\""), "{}", errs[0].detail);
    assert!(errs[0].detail.contains("Did you mean \"fake_thing.alpha\"?"), "{}", errs[0].detail);
    let text = std::fs::read_to_string(env.dir.path().join("main.tf")).unwrap();
    assert_eq!(errs[0].loc.as_ref().unwrap().line(), line_of(&text, "fake_thing.alpah.name"));
    assert_eq!(errs[0].context.as_deref(), Some("resource \"fake_thing\" \"b\""));
}

#[test]
fn variable_precedence() {
    use infra_engine::vars::{resolve, VarArg};
    let env = Env::new();
    let mut decls = String::new();
    for v in ["v_default", "v_env", "v_tfvars", "v_auto", "v_auto_lexical", "v_var", "v_var_then_file", "v_file_then_var"] {
        decls.push_str(&format!("variable \"{v}\" {{\n  type    = string\n  default = \"default\"\n}}\n"));
    }
    env.write(&decls);
    let all_later = ["v_tfvars", "v_auto", "v_auto_lexical", "v_var", "v_var_then_file", "v_file_then_var"];
    let tfvars: String = all_later.iter().map(|v| format!("{v} = \"tfvars\"\n")).collect();
    env.write_file("terraform.tfvars", &tfvars);
    // b.auto.tfvars sorts after a.auto.tfvars and wins where both set a value.
    let a_auto: String = ["v_auto", "v_auto_lexical", "v_var", "v_var_then_file", "v_file_then_var"].iter().map(|v| format!("{v} = \"auto_a\"\n")).collect();
    env.write_file("a.auto.tfvars", &a_auto);
    env.write_file("b.auto.tfvars", "v_auto_lexical = \"auto_b\"\n");
    let file = env.dir.path().join("extra.vars");
    std::fs::write(&file, "v_var_then_file = \"file\"\nv_file_then_var = \"file\"\n").unwrap();

    let (config, _) = env.load();
    let envs: Vec<(String, String)> = ["v_env", "v_tfvars", "v_auto", "v_auto_lexical", "v_var", "v_var_then_file", "v_file_then_var"]
        .iter()
        .map(|v| (format!("TF_VAR_{v}"), "env".to_string()))
        .collect();
    let args = vec![
        VarArg::Var("v_var=cli".into()),
        VarArg::Var("v_var_then_file=cli".into()),
        VarArg::File(file.clone()),
        VarArg::Var("v_file_then_var=cli".into()),
    ];
    let (vars, diags) = resolve(&config, &args, &envs);
    assert!(!diags.has_errors(), "{}", render(&diags));
    let got: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("<not a string>").to_string())).collect();
    let want: Vec<(String, String)> = [
        ("v_auto", "auto_a"),
        ("v_auto_lexical", "auto_b"),
        ("v_default", "default"),
        ("v_env", "env"),
        ("v_file_then_var", "cli"),
        ("v_tfvars", "tfvars"),
        ("v_var", "cli"),
        ("v_var_then_file", "file"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn destroy_deletes_in_reverse_dependency_order() {
    let env = Env::new();
    env.write(
        r#"
resource "fake_thing" "x1" {
  name = "x1"
}
resource "fake_thing" "x2" {
  name   = "x2"
  policy = fake_thing.x1.id
}
resource "fake_thing" "x3" {
  name = "x3"
  tags = { a = fake_thing.x2.id, b = fake_thing.x1.id }
}
resource "fake_thing" "y" {
  name = "y"
}
"#,
    );
    env.converge().await;
    env.fake.lock().delay = std::time::Duration::from_millis(20);
    let (config, p) = env.plan_opts(&PlanOptions { destroy: true, ..PlanOptions::default() }).await;
    assert!(p.destroy);
    for a in ["fake_thing.x1", "fake_thing.x2", "fake_thing.x3", "fake_thing.y"] {
        let c = change(&p, a);
        assert_eq!(c.action, Action::Delete, "{a}");
        assert_eq!(c.reason, Some(Reason::DestroyMode), "{a}");
    }
    let before = env.fake.lock().calls.len();
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(outcome.destroyed, 4);
    assert!(state.resources.is_empty(), "{:?}", addrs(&state));
    assert!(env.fake.lock().objects.is_empty());
    let calls: Vec<Call> = env.fake.lock().calls[before..].to_vec();
    assert!(calls.iter().all(|c| c.op == Op::Delete && c.ok));
    let x1 = call(&calls, Op::Delete, "x1");
    let x2 = call(&calls, Op::Delete, "x2");
    let x3 = call(&calls, Op::Delete, "x3");
    assert!(x3.end <= x2.start, "x3 must be deleted before x2");
    assert!(x2.end <= x1.start, "x2 must be deleted before x1");
    let order: Vec<String> = calls.iter().filter(|c| c.name.starts_with('x')).map(|c| c.name.clone()).collect();
    assert_eq!(order, vec!["x3", "x2", "x1"]);
}

#[test]
fn untyped_variables_take_env_and_cli_values_as_strings() {
    // Terraform parses -var and TF_VAR_ values of a variable without a type constraint as
    // literal strings (only non-primitive type constraints switch to HCL parsing).
    use infra_engine::vars::{resolve, VarArg};
    let env = Env::new();
    env.write("variable \"from_env\" {}\nvariable \"from_cli\" {}\n");
    let (config, _) = env.load();
    let (vars, diags) = resolve(&config, &[VarArg::Var("from_cli=hello".into())], &[("TF_VAR_from_env".into(), "world".into())]);
    assert!(!diags.has_errors(), "{}", render(&diags));
    assert_eq!(vars.get("from_env").and_then(|v| v.as_str().map(str::to_string)).as_deref(), Some("world"));
    assert_eq!(vars.get("from_cli").and_then(|v| v.as_str().map(str::to_string)).as_deref(), Some("hello"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replacing_a_dependency_updates_its_dependent_with_the_new_id() {
    let env = Env::new();
    let cfg = |name: &str| {
        format!(
            r#"resource "fake_thing" "a" {{
  name = "{name}"
}}
resource "fake_thing" "b" {{
  name   = "b"
  policy = fake_thing.a.id
}}"#
        )
    };
    env.write(&cfg("a1"));
    env.converge().await;
    env.write(&cfg("a2"));
    let (config, p) = env.plan().await;
    assert_eq!(change(&p, "fake_thing.a").action, Action::Replace(ReplaceOrder::DestroyBeforeCreate));
    let b = change(&p, "fake_thing.b");
    assert_eq!(b.action, Action::Update);
    assert!(!b.after.get_attr("policy").unwrap().is_known(), "b.policy waits for the new a.id");
    let (outcome, state) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(stored(&state, "fake_thing.b").attributes["policy"], stored(&state, "fake_thing.a").attributes["id"]);
    let (_, p) = env.plan().await;
    assert!(p.is_empty(), "{:?}", pending(&p));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_removed_dependency_is_deleted_after_its_dependent_is_updated() {
    // Terraform orders the destroy of an object after the update of every object that depended
    // on it in the state (the dependent may still use it until its update is done).
    let env = Env::new();
    env.write(
        r#"resource "fake_thing" "x" {
  name = "x"
}
resource "fake_thing" "y" {
  name   = "y"
  policy = fake_thing.x.id
}"#,
    );
    let (_, state) = env.converge().await;
    assert_eq!(stored(&state, "fake_thing.y").dependencies, vec!["fake_thing.x"]);
    env.write(
        r#"resource "fake_thing" "y" {
  name   = "y"
  policy = "standalone"
}"#,
    );
    env.fake.lock().delay = std::time::Duration::from_millis(50);
    let (config, p) = env.plan().await;
    assert_eq!(
        pending(&p),
        [("fake_thing.x".to_string(), Action::Delete), ("fake_thing.y".to_string(), Action::Update)].into_iter().collect()
    );
    let before = env.fake.lock().calls.len();
    let (outcome, _) = env.apply_plan(&config, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    let calls: Vec<Call> = env.fake.lock().calls[before..].to_vec();
    let upd = call(&calls, Op::Update, "y");
    let del = call(&calls, Op::Delete, "x");
    assert!(upd.end <= del.start, "x was deleted while y (which used it) was still being updated");
}

/// Nested blocks and `dynamic` blocks: evaluated into the schema's list/single block values,
/// stored and read back without a diff; changing one generated block is an in-place update.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nested_and_dynamic_blocks() {
    let env = Env::new();
    let config = |ports: &str| {
        format!(
            r#"
locals {{
  ports = {ports}
}}
resource "fake_ruleset" "r" {{
  name = "edge"
  rule {{
    port = 22
  }}
  dynamic "rule" {{
    for_each = local.ports
    iterator = p
    content {{
      port  = p.value
      proto = "tcp-${{p.key}}"
    }}
  }}
  origin {{
    host = "example.test"
  }}
}}
"#
        )
    };
    env.write(&config("{ http = 80, https = 443 }"));
    let (cfg, p) = env.plan().await;
    let c = change(&p, "fake_ruleset.r");
    assert_eq!(c.action, Action::Create);
    let rules = c.after.get_attr("rule").unwrap();
    let ports: Vec<String> = rules.as_seq().unwrap().iter().map(|r| r.get_attr("port").unwrap().as_number().unwrap().to_string()).collect();
    assert_eq!(ports, vec!["22", "80", "443"]);
    assert_eq!(rules.as_seq().unwrap()[1].get_attr("proto").unwrap(), infra_lang::Value::string("tcp-http"));
    assert_eq!(c.after.get_attr("origin").unwrap().get_attr("host").unwrap(), infra_lang::Value::string("example.test"));
    let (outcome, state) = env.apply_plan(&cfg, &p, 10).await;
    assert!(!outcome.errors.has_errors(), "{}", render(&outcome.errors));
    assert_eq!(stored(&state, "fake_ruleset.r").attributes["rule"][2]["port"], 443);
    let (_, again) = env.plan().await;
    assert!(again.is_empty(), "blocks read back from state must not diff: {:?}", actions(&again));
    env.write(&config("{ http = 8080, https = 443 }"));
    let (_, changed) = env.plan().await;
    assert_eq!(change(&changed, "fake_ruleset.r").action, Action::Update);

    // A misspelled block type suggests the right one.
    env.write("resource \"fake_ruleset\" \"r\" {\n  name = \"x\"\n  rulle {\n    port = 1\n  }\n}\n");
    let err = env.try_plan(&PlanOptions::default(), Default::default()).await.err().expect("plan must fail");
    assert!(render(&err).contains("Did you mean \"rule\"?"), "{}", render(&err));
}
