//! Terraform's machine-readable UI (`apply -json`): one JSON object per line with `@level`,
//! `@message`, `@module`, `@timestamp` and a `type` (`version`, `apply_start`, `apply_progress`,
//! `apply_complete`, `apply_errored`, `change_summary`, `outputs`, `diagnostic`).

use infra_engine::apply::{ApplyEvent, OpKind};
use serde_json::{json, Value as J};

fn now() -> String {
    // RFC 3339 UTC with microseconds, computed without a date crate.
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, dd) = civil_from_days(days);
    format!("{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}.{:06}Z", rem / 3600, rem % 3600 / 60, rem % 60, d.subsec_micros())
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// One message line.
pub fn line(level: &str, message: &str, kind: &str, extra: J) -> String {
    let mut o = json!({"@level": level, "@message": message, "@module": "infra.ui", "@timestamp": now(), "type": kind});
    if let (Some(o), J::Object(e)) = (o.as_object_mut(), extra) {
        o.extend(e);
    }
    format!("{o}\n")
}

fn resource(addr: &str) -> J {
    let parsed: Option<infra_engine::addrs::InstanceAddr> = addr.parse().ok();
    let (ty, name, key) = match &parsed {
        Some(a) => (
            a.resource.r#type.clone(),
            a.resource.name.clone(),
            match &a.key {
                infra_engine::addrs::InstanceKey::None => J::Null,
                infra_engine::addrs::InstanceKey::Int(i) => json!(i),
                infra_engine::addrs::InstanceKey::Str(s) => json!(s),
            },
        ),
        None => (String::new(), String::new(), J::Null),
    };
    let implied = ty.split('_').next().unwrap_or_default().to_string();
    json!({"addr": addr, "module": "", "resource": addr, "implied_provider": implied, "resource_type": ty, "resource_name": name, "resource_key": key})
}

fn action(kind: OpKind) -> &'static str {
    match kind {
        OpKind::Create => "create",
        OpKind::Update => "update",
        OpKind::Delete => "delete",
        OpKind::Read => "read",
        OpKind::Forget => "forget",
    }
}

/// The line for an apply event (`None` for events with no machine-readable counterpart).
pub fn event(e: &ApplyEvent) -> Option<String> {
    Some(match e {
        ApplyEvent::Started { addr, kind } => line("info", &format!("{addr}: {}...", kind.words().0), "apply_start", json!({"hook": {"resource": resource(addr), "action": action(*kind)}})),
        ApplyEvent::StillRunning { addr, kind, elapsed } => line(
            "info",
            &format!("{addr}: Still {}... [{}s elapsed]", kind.words().2, elapsed.as_secs()),
            "apply_progress",
            json!({"hook": {"resource": resource(addr), "action": action(*kind), "elapsed_seconds": elapsed.as_secs()}}),
        ),
        ApplyEvent::Completed { addr, kind, elapsed, id } => {
            let mut hook = json!({"resource": resource(addr), "action": action(*kind), "elapsed_seconds": elapsed.as_secs()});
            if let Some(id) = id {
                hook["id_key"] = json!("id");
                hook["id_value"] = json!(id);
            }
            line("info", &format!("{addr}: {} complete after {}s", kind.words().1, elapsed.as_secs()), "apply_complete", json!({"hook": hook}))
        }
        ApplyEvent::Failed { addr, kind, .. } => line(
            "error",
            &format!("{addr}: {} errored", kind.words().1),
            "apply_errored",
            json!({"hook": {"resource": resource(addr), "action": action(*kind)}}),
        ),
        ApplyEvent::Skipped { addr, because } => line("warn", &format!("{addr}: not attempted ({because})"), "apply_skipped", json!({"hook": {"resource": resource(addr)}})),
        ApplyEvent::Interrupted { abort } => line("warn", if *abort { "Two interrupts received: aborting operations in flight" } else { "Interrupt received: finishing operations in flight" }, "interrupt", json!({})),
    })
}

/// A diagnostic as Terraform's `diagnostic` message (no secret can be in it: diagnostics
/// never quote sensitive values).
pub fn diagnostic(d: &infra_engine::diag::Diagnostic) -> String {
    let sev = if d.is_error() { "error" } else { "warning" };
    let mut diag = json!({"severity": sev, "summary": d.summary, "detail": d.detail});
    if let Some(l) = &d.loc {
        let (sl, sc) = l.file.line_col(l.span.start);
        let (el, ec) = l.file.line_col(l.span.end);
        diag["range"] = json!({"filename": l.file.name, "start": {"line": sl, "column": sc, "byte": l.span.start}, "end": {"line": el, "column": ec, "byte": l.span.end}});
    }
    line(sev, &format!("{}: {}", if d.is_error() { "Error" } else { "Warning" }, d.summary), "diagnostic", json!({"diagnostic": diag}))
}
