//! `config`: arbitrary bytes as the text of a configuration file, run through what
//! `infra validate` does (`src/commands.rs::validate`): load the module, build the graph, and,
//! when neither reported an error, `validate::validate` (every input unknown) against the
//! built-in provider registry; then every diagnostic is rendered, with and without colour.
//!
//! In memory: the file is loaded with `config::load_file` (and, for text that looks like JSON,
//! also translated with `config_json::to_native` as a `main.tf.json`, as `load_files` does),
//! so no directory is read except by file functions, which resolve against an empty one.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use infra_engine::config::{load_file, Config};
use infra_engine::diag::{Diagnostic, Diagnostics, Loc, SourceFile};
use infra_engine::graph::Graph;
use infra_providers::Registry;
use libfuzzer_sys::fuzz_target;

/// An empty directory for `path.module` and relative file paths.
fn empty_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("infra-fuzz-config-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&d);
        d
    })
}

fn registry() -> &'static Registry {
    static REG: OnceLock<Registry> = OnceLock::new();
    REG.get_or_init(Registry::builtin)
}

fn run(name: &str, text: &str) {
    let dir = empty_dir();
    let mut diags = Diagnostics::default();
    let mut config = Config { dir: dir.clone(), ..Config::default() };
    let native = if name.ends_with(".tf.json") {
        match infra_engine::config_json::to_native(text) {
            Ok(n) => n,
            Err(e) => {
                let file = Arc::new(SourceFile { name: name.into(), path: dir.join(name), text: text.into() });
                let d = Diagnostic::error(e.summary, e.detail).at(Loc { file, span: e.offset..e.offset + 1 });
                let _ = d.render(false);
                return;
            }
        }
    } else {
        text.to_string()
    };
    let file = Arc::new(SourceFile { name: name.into(), path: dir.join(name), text: native });
    load_file(&mut config, &file, &mut diags);
    config.files.push(file);
    let (graph, gd) = Graph::build(&config);
    diags.extend(gd.0);
    if !diags.has_errors() {
        diags.extend(infra_engine::validate::validate(&config, registry()).0);
        let _ = graph.topo_order();
        let _ = graph.to_dot();
    }
    for d in diags.iter() {
        let _ = d.render(false);
        let _ = d.render(true);
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    run("main.tf", text);
    if text.trim_start().starts_with('{') {
        run("main.tf.json", text);
    }
});
