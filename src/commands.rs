//! One function per command: load what it needs, call the engine, render the result and
//! return the exit code.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use infra_engine::apply::{apply, ApplyEvent, ApplyOptions, Interrupt};
use infra_engine::config::{load_dir, Config};
use infra_engine::diag::{Diagnostic, Diagnostics};
use infra_engine::graph::Graph;
use infra_engine::plan::{plan, Plan, PlanOptions};
use infra_engine::planfile::{read_planfile, write_planfile, PlanFile};
use infra_engine::render;
use infra_engine::vars::{resolve, VarArg};
use infra_providers::Registry;
use infra_state::{LocalBackend, LockInfo, State, StateLock};

use crate::args::{self, ApplyArgs, Command, LockArgs, OperationArgs, PlanArgs, StateCommand, VarArgs};
use crate::ui;

const DEFAULT_STATE: &str = "terraform.tfstate";

pub async fn run(cmd: Command) -> i32 {
    match cmd {
        Command::Init(a) => init(ui::color_enabled(a.common.no_color)),
        Command::Validate(a) => validate(a.json, ui::color_enabled(a.common.no_color)),
        Command::Plan(a) => plan_cmd(a).await,
        Command::Apply(a) => apply_cmd(a, false).await,
        Command::Destroy(a) => apply_cmd(a, true).await,
        Command::Show(a) => show(a.path.as_deref(), a.json, a.markdown, ui::color_enabled(a.common.no_color)),
        Command::Output(a) => output(a.name.as_deref(), a.json, a.raw, a.state.as_deref(), ui::color_enabled(a.common.no_color)),
        Command::Graph(_) => graph(),
        Command::Fmt(a) => fmt(a),
        Command::Console(a) => console(a),
        Command::State(s) => state_cmd(s),
        Command::Import(a) => import_cmd(a).await,
        Command::Comment(a) => comment_cmd(a).await,
        Command::ForceUnlock(a) => force_unlock(&a.lock_id),
        Command::Version { json } => version(json),
    }
}

fn fail(summary: &str, detail: impl Into<String>, color: bool) -> i32 {
    ui::diagnostics(&Diagnostics::from(Diagnostic::error(summary, detail)), color);
    1
}

/// Loads `.` and builds its graph, reporting every diagnostic.
fn load(color: bool) -> Option<(Config, Graph)> {
    let (config, mut diags) = load_dir(Path::new("."));
    if config.files.is_empty() && !diags.has_errors() {
        diags.push(Diagnostic::error(
            "No configuration files",
            "Plan requires configuration to be present. Planning without a configuration would mark everything for destruction, which is normally not what is desired. If you would like to destroy everything, run plan with the -destroy option. Otherwise, create a Terraform configuration file (.tf file) and try again.",
        ));
    }
    let (graph, gdiags) = Graph::build(&config);
    diags.extend(gdiags.0);
    ui::diagnostics(&diags, color);
    if diags.has_errors() {
        None
    } else {
        Some((config, graph))
    }
}

fn init(color: bool) -> i32 {
    let Some((config, _)) = load(color) else { return 1 };
    let registry = Registry::builtin();
    if let Err(d) = infra_engine::plan::Providers::resolve(&config, &registry) {
        ui::diagnostics(&d, color);
        return 1;
    }
    if let Some((kind, loc)) = &config.terraform.backend {
        if kind != "local" {
            ui::diagnostics(
                &Diagnostics::from(Diagnostic::error("Unsupported backend type", format!("infra supports the \"local\" backend in this version; \"{kind}\" is not available yet.")).at(loc.clone())),
                color,
            );
            return 1;
        }
    }
    ui::out("\nInitializing the backend...\n\nInitializing provider plugins...\n");
    for (name, req) in &config.terraform.required_providers {
        ui::out(&format!("- {name}: using built-in {}\n", Registry::normalize_source(&req.source)));
    }
    ui::out("\ninfra has been successfully initialized!\n");
    0
}

fn validate(json: bool, color: bool) -> i32 {
    let (config, mut diags) = load_dir(Path::new("."));
    let (_, g) = Graph::build(&config);
    diags.extend(g.0);
    let registry = Registry::builtin();
    if !diags.has_errors() {
        diags.extend(infra_engine::validate::validate(&config, &registry).0);
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.iter().count() - errors;
    if json {
        let items: Vec<serde_json::Value> = diags
            .iter()
            .map(|d| {
                let range = d.loc.as_ref().map(|l| {
                    let (sl, sc) = l.file.line_col(l.span.start);
                    let (el, ec) = l.file.line_col(l.span.end);
                    serde_json::json!({"filename": l.file.name, "start": {"line": sl, "column": sc, "byte": l.span.start}, "end": {"line": el, "column": ec, "byte": l.span.end}})
                });
                let mut o = serde_json::json!({"severity": if d.is_error() {"error"} else {"warning"}, "summary": d.summary, "detail": d.detail});
                if let Some(r) = range {
                    o["range"] = r;
                }
                o
            })
            .collect();
        let doc = serde_json::json!({"format_version": "1.0", "valid": errors == 0, "error_count": errors, "warning_count": warnings, "diagnostics": items});
        ui::out(&format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default()));
    } else {
        ui::diagnostics(&diags, color);
        if errors == 0 {
            ui::out("Success! The configuration is valid.\n");
        }
    }
    i32::from(errors > 0)
}

fn backend(state: Option<&Path>) -> LocalBackend {
    LocalBackend::new(state.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(DEFAULT_STATE)))
}

/// Identifies the stored state a plan was made from ("none" when there is no state yet).
fn state_hash(b: &LocalBackend) -> Result<String, i32> {
    match b.read_file() {
        Ok(Some(s)) => Ok(s.content_hash()),
        Ok(None) => Ok("none".to_string()),
        Err(e) => Err(fail("Failed to load state", e.to_string(), false)),
    }
}

fn lock(b: &LocalBackend, l: &LockArgs, op: &str, color: bool) -> Result<Option<StateLock>, i32> {
    if !l.lock {
        return Ok(None);
    }
    let timeout = match args::parse_duration(&l.lock_timeout) {
        Ok(t) => t,
        Err(e) => return Err(fail("Invalid -lock-timeout", e, color)),
    };
    match b.lock(LockInfo::new(op), timeout) {
        Ok(g) => Ok(Some(g)),
        Err(e) => {
            // The state crate's message starts with its own summary line: show it once.
            let text = e.to_string();
            let (summary, detail) = text.split_once('\n').unwrap_or((text.as_str(), ""));
            Err(fail(summary.trim(), detail.trim_start(), color))
        }
    }
}

fn var_args(v: &VarArgs) -> Vec<VarArg> {
    // clap keeps -var and -var-file separately; interleave them by their position in argv.
    let argv: Vec<String> = args::normalize(std::env::args());
    let mut out = Vec::new();
    let (mut vi, mut fi) = (0, 0);
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        let takes_next = a == "--var" || a == "--var-file";
        if a == "--var" || a.starts_with("--var=") {
            if let Some(x) = v.vars.get(vi) {
                out.push(VarArg::Var(x.clone()));
            }
            vi += 1;
        } else if a == "--var-file" || a.starts_with("--var-file=") {
            if let Some(x) = v.var_files.get(fi) {
                out.push(VarArg::File(x.clone()));
            }
            fi += 1;
        }
        i += if takes_next { 2 } else { 1 };
    }
    out.extend(v.vars.iter().skip(vi).cloned().map(VarArg::Var));
    out.extend(v.var_files.iter().skip(fi).cloned().map(VarArg::File));
    out
}

fn env_vars() -> Vec<(String, String)> {
    std::env::vars().filter(|(k, _)| k.starts_with("TF_VAR_")).collect()
}

/// Like Terraform, asks on the terminal for required variables nobody set (unless
/// `-input=false` or stdin is not a terminal); the answers are used like `-var` values.
fn prompt_for_variables(config: &Config, args: &[VarArg], input: bool) -> Vec<VarArg> {
    if !input || !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return vec![];
    }
    let mut out = Vec::new();
    for name in infra_engine::vars::unset_required(config, args, &env_vars()) {
        let decl = &config.variables[&name];
        let description = decl.description.clone().map(|d| format!("  {d}\n\n")).unwrap_or_default();
        ui::out(&format!("var.{name}\n{description}  Enter a value: "));
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line).is_err() {
            break;
        }
        ui::out("\n");
        out.push(VarArg::Var(format!("{name}={}", line.trim_end_matches(['\n', '\r']))));
    }
    out
}

/// Loads config, variables and state and makes a plan.
async fn make_plan(a: &OperationArgs, backend: &LocalBackend, color: bool) -> Result<(Config, Plan), i32> {
    let Some((config, graph)) = load(color) else { return Err(1) };
    let mut args = var_args(&a.vars);
    args.extend(prompt_for_variables(&config, &args, a.input));
    let (vars, vdiags) = resolve(&config, &args, &env_vars());
    ui::diagnostics(&vdiags, color);
    if vdiags.has_errors() {
        return Err(1);
    }
    let state = match backend.read() {
        Ok(s) => s,
        Err(e) => return Err(fail("Failed to load state", e.to_string(), color)),
    };
    let registry = Registry::builtin();
    let opts = PlanOptions { destroy: a.destroy, refresh: a.refresh, targets: a.targets.clone(), parallelism: a.parallelism };
    let hash = state_hash(backend)?;
    match plan(&config, &graph, state, &registry, vars, &opts).await {
        Ok(mut p) => {
            p.prior_state_hash = hash;
            Ok((config, p))
        }
        Err(d) => {
            ui::diagnostics(&d, color);
            Err(1)
        }
    }
}

async fn plan_cmd(a: PlanArgs) -> i32 {
    let color = ui::color_enabled(a.op.common.no_color) && !a.json;
    let backend = backend(a.op.state.as_deref());
    let _lock = match lock(&backend, &a.op.lock, "OperationTypePlan", color) {
        Ok(l) => l,
        Err(c) => return c,
    };
    let (config, p) = match make_plan(&a.op, &backend, color).await {
        Ok(x) => x,
        Err(c) => return c,
    };
    if a.json {
        ui::out(&format!("{}\n", serde_json::to_string(&render::json::plan_json(&p, &infra_engine::jsonconfig::json_config_input(&config))).unwrap_or_default()));
    } else {
        ui::out(&render::text::render_plan(&p, &render::text::TextOptions { color }));
        for w in &p.warnings {
            ui::out(&format!("\n{w}"));
        }
    }
    if let Some(out) = &a.out {
        let config_files = config.all_modules().iter().flat_map(|m| m.files.iter()).map(|f| (f.name.clone(), f.text.clone())).collect();
        let mut saved = p.clone();
        let registry = Registry::builtin();
        infra_engine::planfile::seal_secrets(&mut saved, &|source, ty| registry.get(source).and_then(|pr| pr.schema().resources.get(ty).cloned()));
        let pf = PlanFile { plan: saved, config_files, infra_version: env!("CARGO_PKG_VERSION").to_string(), sealed_variables: Default::default() };
        if let Err(e) = write_planfile(out, &pf) {
            return fail("Failed to write plan file", e.to_string(), color);
        }
        if !a.json {
            ui::out(&format!("\nSaved the plan to: {}\n\nTo perform exactly these actions, run the following command to apply:\n    infra apply \"{}\"\n", out.display(), out.display()));
        }
    }
    if a.detailed_exitcode && !p.is_empty() {
        2
    } else {
        0
    }
}

async fn apply_cmd(a: ApplyArgs, destroy: bool) -> i32 {
    let mut op = a.op.clone();
    op.destroy |= destroy;
    let color = ui::color_enabled(op.common.no_color);
    let backend = backend(op.state.as_deref());
    let _lock = match lock(&backend, &op.lock, "OperationTypeApply", color) {
        Ok(l) => l,
        Err(c) => return c,
    };
    let (config, p) = if let Some(path) = &a.plan_file {
        let pf = match read_planfile(path) {
            Ok(pf) => pf,
            Err(e) => return fail("Failed to load the saved plan", e.to_string(), color),
        };
        let Some((config, _)) = load(color) else { return 1 };
        let current = match state_hash(&backend) {
            Ok(h) => h,
            Err(c) => return c,
        };
        if current != pf.plan.prior_state_hash {
            return fail(
                "Saved plan is stale",
                "The given plan file can no longer be applied because the state was changed by another operation after the plan was created. Create a new plan with `infra plan -out` and apply that.",
                color,
            );
        }
        if config.content_hash() != pf.plan.config_hash {
            return fail(
                "Saved plan does not match the configuration",
                "The configuration files changed after this plan was created, so applying it would not do what was reviewed. Create a new plan with `infra plan -out` and apply that.",
                color,
            );
        }
        let mut plan = pf.plan;
        if !pf.sealed_variables.is_empty() {
            // Sensitive variables are not stored in plan files: they come again from the same
            // places as at plan time, and must have the same value.
            let (vars, _) = resolve(&config, &var_args(&op.vars), &env_vars());
            let mut diags = Diagnostics::default();
            for (name, hash) in &pf.sealed_variables {
                match vars.get(name).filter(|v| v.is_wholly_known() && !v.is_null()) {
                    Some(v) if infra_engine::planfile::variable_matches(hash, v) => {
                        plan.variables.insert(name.clone(), v.clone());
                    }
                    Some(_) => diags.push(Diagnostic::error(
                        "Sensitive variable changed since the plan",
                        format!("The value given for the sensitive variable \"{name}\" is not the value it had when this plan was made. Give it the same value (TF_VAR_{name}, -var or a .tfvars file), or make a new plan."),
                    )),
                    None => diags.push(Diagnostic::error(
                        "Sensitive variable not set",
                        format!("Plan files do not store sensitive variables, so \"{name}\" must be given again when applying this plan, with the value it had at plan time: set TF_VAR_{name}, pass -var/-var-file, or keep it in a .tfvars file that infra loads automatically."),
                    )),
                }
            }
            if diags.has_errors() {
                ui::diagnostics(&diags, color);
                return 1;
            }
        }
        (config, plan)
    } else {
        let (config, p) = match make_plan(&op, &backend, color).await {
            Ok(x) => x,
            Err(c) => return c,
        };
        if a.json && !a.auto_approve {
            return fail("Plan file or auto-approve required", "infra cannot ask for interactive approval when -json is set. Use -auto-approve, or apply a saved plan file.", color);
        }
        if !a.json {
            ui::out(&render::text::render_plan(&p, &render::text::TextOptions { color }));
            for w in &p.warnings {
                ui::out(&format!("\n{w}"));
            }
        }
        if p.is_empty() && !a.json {
            return 0;
        }
        if !a.auto_approve {
            if !op.input {
                return fail("Apply not approved", "With -input=false infra cannot ask for approval. Use -auto-approve, or save a plan with `infra plan -out FILE` and apply that file.", color);
            }
            let verb = if op.destroy { "destroy all remote objects" } else { "perform these actions" };
            ui::out(&format!("\nDo you want to {verb}?\n  infra will {verb} as described above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "));
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            if line.trim() != "yes" {
                return fail("Apply cancelled", "Only 'yes' approves the plan; nothing was changed.", color);
            }
        }
        (config, p)
    };
    run_apply(&config, &p, &backend, op.parallelism, color, a.json).await
}

async fn run_apply(config: &Config, p: &Plan, backend: &LocalBackend, parallelism: usize, color: bool, json: bool) -> i32 {
    let registry = Registry::builtin();
    // The journal's base is the refreshed prior state.
    let journal = match backend.begin_journal(&p.prior_state) {
        Ok(j) => j,
        Err(e) => return fail("Failed to prepare state for writing", e.to_string(), color),
    };
    let interrupt = Arc::new(Interrupt::default());
    {
        let i = interrupt.clone();
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                i.trigger();
            }
        });
    }
    if json {
        ui::out(&crate::jsonui::line("info", &format!("infra {}", env!("CARGO_PKG_VERSION")), "version", serde_json::json!({"terraform": env!("CARGO_PKG_VERSION"), "ui": "1.0"})));
    } else {
        ui::out("\n");
    }
    let events: Arc<dyn Fn(ApplyEvent) + Send + Sync> = if json {
        Arc::new(|e| {
            if let Some(l) = crate::jsonui::event(&e) {
                ui::out(&l);
            }
        })
    } else { Arc::new(move |e| match e {
        ApplyEvent::Started { addr, kind } => ui::out(&format!("{addr}: {}...\n", kind.words().0)),
        ApplyEvent::StillRunning { addr, kind, elapsed } => ui::out(&format!("{addr}: Still {}... [{}s elapsed]\n", kind.words().2, elapsed.as_secs())),
        ApplyEvent::Completed { addr, kind, elapsed, id } => {
            let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
            ui::out(&format!("{addr}: {} complete after {}s{id}\n", kind.words().1, elapsed.as_secs()))
        }
        ApplyEvent::Failed { addr, kind, .. } => ui::err(&format!("{addr}: {} failed\n", kind.words().1)),
        ApplyEvent::Skipped { addr, because } => ui::err(&format!("{addr}: not attempted ({because})\n")),
        ApplyEvent::Interrupted { abort } => {
            if abort {
                ui::err("\nTwo interrupts received. Aborting operations in flight; state will still be saved.\n")
            } else {
                ui::err("\nInterrupt received. Please wait for infra to exit or data loss may occur.\nGracefully shutting down... (press Ctrl-C again to abort operations in flight)\n")
            }
        }
    }) };
    let opts = ApplyOptions { parallelism, progress_every: Duration::from_secs(10) };
    let outcome = apply(p, config, &registry, &journal, &opts, events, interrupt).await;
    if let Err(e) = journal.finish() {
        ui::diagnostics(&Diagnostics::from(Diagnostic::error("Failed to save state", e.to_string())), color);
        return 1;
    }
    if json {
        for d in outcome.errors.iter() {
            ui::out(&crate::jsonui::diagnostic(d));
        }
        let op = if p.destroy { "destroy" } else { "apply" };
        ui::out(&crate::jsonui::line(
            "info",
            &format!("Apply complete! Resources: {} added, {} changed, {} destroyed.", outcome.added, outcome.changed, outcome.destroyed),
            "change_summary",
            serde_json::json!({"changes": {"add": outcome.added, "change": outcome.changed, "remove": outcome.destroyed, "operation": op}}),
        ));
        let outs: serde_json::Map<String, serde_json::Value> = outcome
            .outputs
            .iter()
            .map(|(n, v, s)| {
                let (plain, _) = v.clone().unmark_deep();
                let mut o = serde_json::json!({"sensitive": s, "type": plain.ty().to_json()});
                if !s {
                    o["value"] = plain.to_json();
                }
                (n.clone(), o)
            })
            .collect();
        ui::out(&crate::jsonui::line("info", "Outputs: ", "outputs", serde_json::json!({"outputs": outs})));
        return i32::from(outcome.errors.has_errors() || outcome.interrupted);
    }
    ui::diagnostics(&outcome.errors, color);
    if !outcome.skipped.is_empty() {
        let shown: Vec<&str> = outcome.skipped.iter().take(20).map(String::as_str).collect();
        let more = outcome.skipped.len().saturating_sub(shown.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        ui::err(&format!("\nNot attempted ({}): {}{more}\n", outcome.skipped.len(), shown.join(", ")));
    }
    if outcome.errors.has_errors() || outcome.interrupted {
        return 1;
    }
    let summary = if p.destroy {
        format!("\nDestroy complete! Resources: {} destroyed.\n", outcome.destroyed)
    } else {
        format!("\n{}", render::text::render_apply_summary(outcome.added, outcome.changed, outcome.destroyed))
    };
    ui::out(&summary);
    if !outcome.outputs.is_empty() {
        ui::out(&format!("\n{}", render::text::render_outputs(&outcome.outputs)));
    }
    0
}

/// `infra import ADDRESS ID`: adopts one object into the state (no plan, nothing else changes).
async fn import_cmd(a: args::ImportArgs) -> i32 {
    let color = ui::color_enabled(a.common.no_color);
    let Some((config, _)) = load(color) else { return 1 };
    let mut vargs = var_args(&a.vars);
    vargs.extend(prompt_for_variables(&config, &vargs, a.input));
    let (vars, vdiags) = resolve(&config, &vargs, &env_vars());
    ui::diagnostics(&vdiags, color);
    if vdiags.has_errors() {
        return 1;
    }
    let b = backend(a.state.as_deref());
    let _lock = match lock(&b, &a.lock, "OperationTypeImport", color) {
        Ok(g) => g,
        Err(c) => return c,
    };
    let mut st = match b.read() {
        Ok(s) => s,
        Err(e) => return fail("Failed to load state", e.to_string(), color),
    };
    ui::out(&format!("{}: Importing from ID \"{}\"...\n", a.address, a.id));
    let registry = Registry::builtin();
    match infra_engine::import::import_one(&config, &st, &registry, vars, &a.address, &a.id).await {
        Ok(inst) => {
            let id = inst.attributes.get("id").and_then(|v| v.as_str()).map(|s| format!(" [id={s}]")).unwrap_or_default();
            ui::out(&format!("{}: Import prepared!\n  Prepared {} for import\n{}: Refreshing state...{id}\n", a.address, inst.r#type, a.address));
            let key = infra_engine::statevals::state_addr(&inst).to_string();
            st.resources.insert(key, inst);
            st.serial += 1;
            if let Err(e) = b.write(&st) {
                return fail("Failed to save state", e.to_string(), color);
            }
            ui::out("\nImport successful!\n\nThe resources that were imported are shown above. These resources are now in\nyour state and will henceforth be managed by infra.\n\n");
            0
        }
        Err(d) => {
            ui::diagnostics(&d, color);
            1
        }
    }
}

/// `infra comment PLANFILE`: the plan as this root's pull-request comment (see `comment.rs`).
async fn comment_cmd(a: args::CommentArgs) -> i32 {
    let color = ui::color_enabled(a.common.no_color);
    let pf = match read_planfile(&a.plan_file) {
        Ok(pf) => pf,
        Err(e) => return fail("Failed to read the plan file", e.to_string(), color),
    };
    let target = match crate::comment::resolve_target(a.repo.as_deref(), a.pr, a.workspace.as_deref()) {
        Ok(t) => t,
        Err(e) => return fail("Cannot tell where to comment", e, color),
    };
    let plan_file = a.plan_file.display().to_string();
    if let Ok(summary) = std::env::var("GITHUB_STEP_SUMMARY") {
        let md = render::render_markdown(&pf.plan, &render::MarkdownOptions { title: markdown_title(), run_url: None, plan_file: Some(plan_file.clone()), ..Default::default() });
        let appended = std::fs::OpenOptions::new().create(true).append(true).open(&summary).and_then(|mut f| std::io::Write::write_all(&mut f, format!("{md}\n").as_bytes()));
        if let Err(e) = appended {
            ui::err(&format!("Warning: could not write the job summary to {summary}: {e}\n"));
        }
    }
    let where_ = format!("{}/{}#{}", target.owner, target.repo, target.number);
    let opts = crate::comment::PostOptions { run_url: github_run_url(), delete_if_empty: a.delete_if_no_changes, labels: a.labels };
    match crate::comment::post(&pf.plan, &plan_file, &target, &opts).await {
        Ok(report) => {
            use crate::comment::Outcome;
            ui::out(&match report.comment {
                Outcome::Created(id) => format!("Posted the plan to {where_} (comment {id}).\n"),
                Outcome::Updated(id) => format!("Updated the plan comment on {where_} (comment {id}).\n"),
                Outcome::Deleted(id) => format!("No changes: deleted the earlier plan comment on {where_} (comment {id}).\n"),
                Outcome::Nothing => format!("No changes: nothing posted to {where_}.\n"),
            });
            if !report.added.is_empty() {
                ui::out(&format!("Labelled {where_}: {}.\n", report.added.join(", ")));
            }
            if !report.removed.is_empty() {
                ui::out(&format!("Removed from {where_}: {}.\n", report.removed.join(", ")));
            }
            0
        }
        Err(e) => fail(&format!("Failed to comment on {where_}"), e.to_string(), color),
    }
}

fn show(path: Option<&Path>, json: bool, markdown: bool, color: bool) -> i32 {
    match path {
        Some(path) => {
            let pf = match read_planfile(path) {
                Ok(pf) => pf,
                Err(e) => return fail("Failed to read the plan file", e.to_string(), color),
            };
            if markdown {
                let opts = render::MarkdownOptions {
                    title: markdown_title(),
                    run_url: github_run_url(),
                    plan_file: Some(path.display().to_string()),
                    ..Default::default()
                };
                ui::out(&render::render_markdown(&pf.plan, &opts));
            } else if json {
                // The configuration the plan was made from: the working directory's when it is
                // unchanged (modules included), else the root files saved in the plan.
                let (here, _) = load_dir(Path::new("."));
                let cfg = if here.content_hash() == pf.plan.config_hash {
                    here
                } else {
                    let mut cfg = Config::default();
                    let mut diags = Diagnostics::default();
                    for (name, text) in pf.config_files.iter().filter(|(n, _)| !n.contains('/')) {
                        let f = Arc::new(infra_engine::diag::SourceFile { name: name.clone(), path: PathBuf::from(name), text: text.clone() });
                        infra_engine::config::load_file(&mut cfg, &f, &mut diags);
                        cfg.files.push(f);
                    }
                    cfg
                };
                ui::out(&format!("{}\n", serde_json::to_string(&render::json::plan_json(&pf.plan, &infra_engine::jsonconfig::json_config_input(&cfg))).unwrap_or_default()));
            } else {
                ui::out(&render::text::render_plan(&pf.plan, &render::text::TextOptions { color }));
            }
            0
        }
        None => {
            if markdown {
                return fail(
                    "show -markdown needs a saved plan file",
                    "Markdown is made from a saved plan: run `infra plan -out=tfplan`, then `infra show -markdown tfplan`.",
                    color,
                );
            }
            let state = match backend(None).read() {
                Ok(s) => s,
                Err(e) => return fail("Failed to load state", e.to_string(), color),
            };
            if json {
                ui::out(&format!("{}\n", serde_json::to_string(&infra_state::to_terraform_v4(&state)).unwrap_or_default()));
                return 0;
            }
            if state.resources.is_empty() {
                ui::out("No state.\n");
                return 0;
            }
            for (addr, inst) in &state.resources {
                ui::out(&format!("# {addr}:\n{}\n\n", render_instance(inst)));
            }
            0
        }
    }
}

/// The heading of `show -markdown`: the root's directory (none at the checkout's root).
fn markdown_title() -> Option<String> {
    crate::comment::root_dir().filter(|d| d != ".")
}

/// The GitHub Actions run this is part of, from its environment variables.
fn github_run_url() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some(format!("{}/{}/actions/runs/{}", var("GITHUB_SERVER_URL")?, var("GITHUB_REPOSITORY")?, var("GITHUB_RUN_ID")?))
}

fn render_instance(inst: &infra_state::ResourceInstanceState) -> String {
    let registry = Registry::builtin();
    let addr = infra_engine::statevals::state_addr(inst);
    let provider = registry.get(&infra_engine::statevals::provider_source(&inst.provider));
    let schema = provider.as_ref().and_then(|p| infra_engine::plan::planner::schema_for(p.as_ref(), &addr.resource));
    let v = infra_engine::statevals::instance_value(inst, schema);
    let kind = if inst.mode == infra_state::Mode::Data { "data" } else { "resource" };
    // Like `terraform state show`: bare attribute names, aligned, null attributes omitted.
    let attrs: Vec<(&String, &infra_lang::Value)> = v.unmarked().as_entries().map(|m| m.iter().filter(|(_, x)| !x.is_null()).collect()).unwrap_or_default();
    let width = attrs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = format!("{kind} \"{}\" \"{}\" {{\n", inst.r#type, inst.name);
    for (k, x) in attrs {
        let shown = if x.marks().sensitive { "(sensitive value)".to_string() } else { render::text::render_value(x, 4) };
        out.push_str(&format!("    {k:<width$} = {shown}\n"));
    }
    out.push('}');
    out
}

fn output(name: Option<&str>, json: bool, raw: bool, state_path: Option<&Path>, color: bool) -> i32 {
    let state = match backend(state_path).read() {
        Ok(s) => s,
        Err(e) => return fail("Failed to load state", e.to_string(), color),
    };
    let outputs: BTreeMap<_, _> = match name {
        Some(n) => match state.outputs.get(n) {
            Some(o) => BTreeMap::from([(n.to_string(), o.clone())]),
            None => {
                return fail(
                    "Output not found",
                    format!("The output variable requested could not be found in the state file. If you recently added this to your configuration, be sure to run `infra apply`, since the state won't be updated with new output variables until that command is run. ({n})"),
                    color,
                )
            }
        },
        None => state.outputs.clone(),
    };
    if json {
        if let Some(n) = name {
            ui::out(&format!("{}\n", serde_json::to_string_pretty(&outputs[n].value).unwrap_or_default()));
            return 0;
        }
        let doc: serde_json::Map<String, serde_json::Value> = outputs
            .iter()
            .map(|(k, o)| (k.clone(), serde_json::json!({"sensitive": o.sensitive, "type": o.r#type, "value": o.value})))
            .collect();
        ui::out(&format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default()));
        return 0;
    }
    if raw {
        let Some(n) = name else { return fail("Output name required", "Use -raw with the name of one output.", color) };
        return match &outputs[n].value {
            serde_json::Value::String(s) => {
                ui::out(s);
                0
            }
            serde_json::Value::Number(x) => {
                ui::out(&x.to_string());
                0
            }
            serde_json::Value::Bool(b) => {
                ui::out(&b.to_string());
                0
            }
            _ => fail("Unsupported value for raw output", format!("The -raw option only supports strings, numbers, and boolean values, but output value \"{n}\" is not."), color),
        };
    }
    let list: Vec<(String, infra_lang::Value, bool)> = outputs
        .iter()
        .map(|(k, o)| {
            let ty = infra_lang::Type::from_json(&o.r#type).unwrap_or(infra_lang::Type::Dynamic);
            let v = infra_lang::Value::from_json(&o.value, &ty).unwrap_or_else(|_| infra_lang::Value::null());
            (k.clone(), if o.sensitive { v.sensitive() } else { v }, o.sensitive)
        })
        .collect();
    if let Some(n) = name {
        let (_, v, s) = &list[0];
        ui::out(&format!("{}\n", if *s { "<sensitive>".to_string() } else { render::text::render_value(v, 0) }));
        let _ = n;
        return 0;
    }
    if list.is_empty() {
        ui::err("\nWarning: No outputs found\n\nThe state file either has no outputs defined, or all the defined outputs are empty.\n");
        return 0;
    }
    let text = render::text::render_outputs(&list);
    ui::out(text.strip_prefix("Outputs:\n\n").unwrap_or(&text));
    0
}

/// `infra console`: reads expressions from stdin (interactive or piped), prints each result.
fn console(a: crate::args::ConsoleArgs) -> i32 {
    let color = ui::color_enabled(false);
    let Some((config, _)) = load(color) else { return 1 };
    let (vars, vdiags) = resolve(&config, &var_args(&a.vars), &env_vars());
    ui::diagnostics(&vdiags, color);
    if vdiags.has_errors() {
        return 1;
    }
    let state = match backend(a.state.as_deref()).read() {
        Ok(s) => s,
        Err(e) => return fail("Failed to load state", e.to_string(), color),
    };
    let registry = Registry::builtin();
    let console = infra_engine::console::Console::new(&config, vars, &state, &registry);
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let mut code = 0;
    let stdin = std::io::stdin();
    loop {
        if interactive {
            ui::out("> ");
        }
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "exit" {
            break;
        }
        match console.eval_line(line) {
            Ok(text) => ui::out(&format!("{text}\n")),
            Err(d) => {
                ui::diagnostics(&d, color);
                code = 1;
            }
        }
    }
    code
}

/// `infra fmt`: exit 0, 2 on syntax errors, 3 with -check when a file is not formatted.
fn fmt(a: crate::args::FmtArgs) -> i32 {
    use infra_engine::fmt;
    if a.targets.len() == 1 && a.targets[0].as_os_str() == "-" {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text);
        return match fmt::format_source(&text) {
            Ok(mut out) => {
                if a.check {
                    return if out == text { 0 } else { 3 };
                }
                if !out.ends_with('\n') {
                    out.push('\n');
                }
                ui::out(&out);
                0
            }
            Err(e) => {
                ui::err(&format!("Error: Invalid syntax\n\n  on <stdin> line {}, column {}:\n{}\n", e.line, e.column, e.message));
                2
            }
        };
    }
    let opts = fmt::FmtOptions { check: a.check, diff: a.diff, recursive: a.recursive, write: a.write, list: a.list };
    let outcome = fmt::run(&a.targets, &opts);
    ui::out(&outcome.stdout);
    for e in &outcome.errors {
        ui::err(&format!("Error: {e}\n"));
    }
    if !outcome.errors.is_empty() {
        2
    } else if a.check && !outcome.changed_files.is_empty() {
        3
    } else {
        0
    }
}

fn graph() -> i32 {
    let Some((_, g)) = load(false) else { return 1 };
    ui::out(&g.to_dot());
    0
}

fn state_cmd(s: StateCommand) -> i32 {
    let color = ui::color_enabled(false);
    match s {
        StateCommand::List { addresses, state } => {
            let st = match backend(state.as_deref()).read() {
                Ok(s) => s,
                Err(e) => return fail("Failed to load state", e.to_string(), color),
            };
            for k in st.resources.keys() {
                if addresses.is_empty() || addresses.iter().any(|a| k == a || k.starts_with(&format!("{a}[")) || k.starts_with(&format!("{a}."))) {
                    ui::out(&format!("{k}\n"));
                }
            }
            0
        }
        StateCommand::Show { address, state } => {
            let st = match backend(state.as_deref()).read() {
                Ok(s) => s,
                Err(e) => return fail("Failed to load state", e.to_string(), color),
            };
            match st.resources.get(&address) {
                Some(inst) => {
                    ui::out(&format!("# {address}:\n{}\n", render_instance(inst)));
                    0
                }
                None => fail("No instance found for the given address", format!("{address} is not in the state. `infra state list` shows what is."), color),
            }
        }
        StateCommand::Rm { addresses, state, lock: l } => {
            let b = backend(state.as_deref());
            let _g = match lock(&b, &l, "OperationTypeInvalid", color) {
                Ok(g) => g,
                Err(c) => return c,
            };
            let mut st = match b.read() {
                Ok(s) => s,
                Err(e) => return fail("Failed to load state", e.to_string(), color),
            };
            let mut removed = 0;
            for a in &addresses {
                let keys: Vec<String> = st.resources.keys().filter(|k| *k == a || k.starts_with(&format!("{a}["))).cloned().collect();
                if keys.is_empty() {
                    return fail("Invalid target address", format!("No matching objects found for {a}. `infra state list` shows the addresses in the state."), color);
                }
                for k in keys {
                    st.resources.remove(&k);
                    ui::out(&format!("Removed {k}\n"));
                    removed += 1;
                }
            }
            st.serial += 1;
            if let Err(e) = b.write(&st) {
                return fail("Failed to save state", e.to_string(), color);
            }
            ui::out(&format!("Successfully removed {removed} resource instance(s).\n"));
            0
        }
        StateCommand::Mv { source, destination, state, lock: l } => {
            let b = backend(state.as_deref());
            let _g = match lock(&b, &l, "OperationTypeInvalid", color) {
                Ok(g) => g,
                Err(c) => return c,
            };
            let mut st = match b.read() {
                Ok(s) => s,
                Err(e) => return fail("Failed to load state", e.to_string(), color),
            };
            let (src, dst) = match (source.parse::<infra_engine::addrs::InstanceAddr>(), destination.parse::<infra_engine::addrs::InstanceAddr>()) {
                (Ok(s), Ok(d)) => (s, d),
                (Err(e), _) | (_, Err(e)) => return fail("Invalid address", e.to_string(), color),
            };
            let moves: Vec<(String, infra_engine::addrs::InstanceAddr)> = st
                .resources
                .values()
                .map(infra_engine::statevals::state_addr)
                .filter_map(|a| {
                    if a == src {
                        Some((a.to_string(), dst.clone()))
                    } else if !source.ends_with(']') && a.module == src.module && a.resource == src.resource && !destination.ends_with(']') {
                        Some((a.to_string(), infra_engine::addrs::InstanceAddr::new(&dst.module, &dst.resource, a.key.clone())))
                    } else {
                        None
                    }
                })
                .collect();
            if moves.is_empty() {
                return fail("Invalid source address", format!("Cannot move {source}: it does not exist in the state."), color);
            }
            for (from, to) in &moves {
                if st.resources.contains_key(&to.to_string()) {
                    return fail("Invalid destination address", format!("Cannot move {from} to {to}: there is already an object at the destination."), color);
                }
            }
            for (from, to) in moves {
                if let Some(mut inst) = st.resources.remove(&from) {
                    inst.module = if to.module.is_root() { None } else { Some(to.module.to_string()) };
                    inst.r#type = to.resource.r#type.clone();
                    inst.name = to.resource.name.clone();
                    inst.index_key = match &to.key {
                        infra_engine::addrs::InstanceKey::None => None,
                        infra_engine::addrs::InstanceKey::Int(i) => Some(infra_state::IndexKey::Int(*i)),
                        infra_engine::addrs::InstanceKey::Str(s) => Some(infra_state::IndexKey::Str(s.clone())),
                    };
                    ui::out(&format!("Move \"{from}\" to \"{to}\"\n"));
                    st.resources.insert(to.to_string(), inst);
                }
            }
            st.serial += 1;
            if let Err(e) = b.write(&st) {
                return fail("Failed to save state", e.to_string(), color);
            }
            ui::out("Successfully moved.\n");
            0
        }
        StateCommand::Pull { state } => match backend(state.as_deref()).read() {
            Ok(st) => {
                ui::out(&format!("{}\n", serde_json::to_string_pretty(&infra_state::to_terraform_v4(&st)).unwrap_or_default()));
                0
            }
            Err(e) => fail("Failed to load state", e.to_string(), color),
        },
        StateCommand::Push { path, force, state, lock: l } => {
            let b = backend(state.as_deref());
            let _g = match lock(&b, &l, "OperationTypeInvalid", color) {
                Ok(g) => g,
                Err(c) => return c,
            };
            let bytes = if path.as_os_str() == "-" {
                let mut v = Vec::new();
                let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut v);
                v
            } else {
                match std::fs::read(&path) {
                    Ok(v) => v,
                    Err(e) => return fail("Failed to read state file", format!("{}: {e}", path.display()), color),
                }
            };
            let new = match State::from_slice(&bytes) {
                Ok(s) => s,
                Err(e) => return fail("Invalid state file", e.to_string(), color),
            };
            let cur = match b.read() {
                Ok(s) => s,
                Err(e) => return fail("Failed to load state", e.to_string(), color),
            };
            if !force && !cur.resources.is_empty() {
                if cur.lineage != new.lineage {
                    return fail("Failed to write state", format!("cannot import state with lineage {:?} over unrelated state with lineage {:?}; use -force to overwrite", new.lineage, cur.lineage), color);
                }
                if new.serial < cur.serial {
                    return fail("Failed to write state", format!("cannot overwrite existing state with serial {} with a different state that has a lower serial ({}); use -force to overwrite", cur.serial, new.serial), color);
                }
            }
            if let Err(e) = b.write(&new) {
                return fail("Failed to save state", e.to_string(), color);
            }
            0
        }
    }
}

/// `infra version`: like `terraform version`, with the built-in providers.
fn version(json: bool) -> i32 {
    let v = env!("CARGO_PKG_VERSION");
    let platform = format!("{}_{}", std::env::consts::OS, if std::env::consts::ARCH == "x86_64" { "amd64" } else { std::env::consts::ARCH });
    let providers = Registry::builtin().sources();
    if json {
        let doc = serde_json::json!({"infra_version": v, "platform": platform, "provider_selections": providers.iter().map(|p| (p.to_string(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>()});
        ui::out(&format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default()));
    } else {
        ui::out(&format!("infra v{v}\non {platform}\n"));
        for p in providers {
            ui::out(&format!("+ provider {p} (built in)\n"));
        }
    }
    0
}

fn force_unlock(id: &str) -> i32 {
    match backend(None).force_unlock(id) {
        Ok(()) => {
            ui::out("infra state has been successfully unlocked!\n\nThe state has been unlocked, and infra commands should now be able to obtain a new lock on the remote state.\n");
            0
        }
        Err(e) => fail("Failed to unlock state", e.to_string(), false),
    }
}
