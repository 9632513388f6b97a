//! `expr`: arbitrary bytes parsed as one HCL expression (`hcl_edit::parser::parse_expr`),
//! its references walked (`infra_lang::references`), and evaluated with `infra_lang::eval`
//! against a small scope: `var`, `local`, `each`, `count` and `path`, including a sensitive
//! value, unknown values of several types, nulls, nested collections and big numbers. The
//! result is rendered as the console and the JSON plan would (`render_value`, `to_json`,
//! `unknown_json`, `sensitive_json`). Function calls are where most edge cases live.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use infra_lang::{EvalContext, Number, Type, Value};
use libfuzzer_sys::fuzz_target;

fn ctx() -> &'static EvalContext {
    static CTX: OnceLock<EvalContext> = OnceLock::new();
    CTX.get_or_init(|| {
        let s = Value::string;
        let n = |x: i64| Value::number(Number::from(x));
        let big = Value::Number(Number::parse("123456789012345678901234567890.5e10").expect("a number"));
        let list = Value::List(Type::String, vec![s("a"), s("b"), s("c")]);
        let nums = Value::Tuple(vec![n(1), n(-2), big.clone(), Value::Number(Number::parse("0.1").expect("a number"))]);
        let map = Value::Map(Type::String, BTreeMap::from([("k".to_string(), s("v")), ("x".to_string(), s("y"))]));
        let obj = Value::object([
            ("name", s("web")),
            ("tags", map.clone()),
            ("ports", Value::List(Type::Number, vec![n(80), n(443)])),
            ("nested", Value::object([("deep", Value::Tuple(vec![s("x"), Value::bool(true), Value::null()]))])),
        ]);
        let var = Value::object([
            ("name", s("example")),
            ("count", n(3)),
            ("enabled", Value::bool(true)),
            ("secret", s("hunter2").sensitive()),
            ("secret_map", map.clone().sensitive()),
            ("unknown", Value::unknown()),
            ("unknown_str", Value::Unknown(Type::String)),
            ("unknown_list", Value::Unknown(Type::List(Box::new(Type::String)))),
            ("null", Value::null()),
            ("null_str", Value::Null(Type::String)),
            ("list", list.clone()),
            ("set", Value::Set(Type::String, vec![s("a"), s("b")])),
            ("nums", nums),
            ("map", map.clone()),
            ("obj", obj.clone()),
            ("big", big),
            ("cidr", s("10.0.0.0/16")),
            ("cidr6", s("fd00:fd12:3456:7890::/56")),
            ("json", s(r#"{"a":[1,2,{"b":null}],"c":"d"}"#)),
            ("yaml", s("a: [1, 2]\nb: {c: d}\n")),
            ("tpl", s("hello ${name}%{ for x in xs }${x}%{ endfor }")),
            ("b64", s("aGVsbG8=")),
        ]);
        let local = Value::object([
            ("l", list),
            ("m", map),
            ("o", obj),
            ("s", s("str")),
            ("sens", n(42).sensitive()),
            ("unk", Value::Unknown(Type::Number)),
        ]);
        let dir = std::env::temp_dir().join(format!("infra-fuzz-expr-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = Value::object([("module", s(".")), ("root", s(".")), ("cwd", s("."))]);
        let variables = BTreeMap::from([
            ("var".to_string(), var),
            ("local".to_string(), local),
            ("each".to_string(), Value::object([("key", s("k")), ("value", s("v"))])),
            ("count".to_string(), Value::object([("index", n(0))])),
            ("path".to_string(), path),
        ]);
        EvalContext { variables, base_dir: PathBuf::from(dir) }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(expr) = hcl_edit::parser::parse_expr(text) else { return };
    let _ = infra_lang::references(&expr);
    let Ok(v) = infra_lang::eval(&expr, ctx()) else { return };
    let _ = v.ty();
    let _ = v.to_json();
    let _ = v.unknown_json();
    let _ = v.sensitive_json();
    let _ = v.sensitive_paths();
    let _ = v.is_wholly_known();
    let _ = infra_engine::render::text::render_value(&v, 0);
});
