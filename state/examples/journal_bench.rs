//! Measures the apply journal against rewriting the whole state after every operation.
//!
//! `cargo run --release -p infra-state --example journal_bench [N] [DIR]` (default 10000, a
//! temp dir in the current directory so that the file system is the one state lives on).

#![allow(clippy::result_large_err)]

use std::time::{Duration, Instant};

use infra_state::{IndexKey, LocalBackend, Mode, ResourceInstanceState, State};

fn instance(i: i64) -> ResourceInstanceState {
    ResourceInstanceState {
        mode: Mode::Managed,
        r#type: "null_resource".into(),
        name: "r".into(),
        index_key: Some(IndexKey::Int(i)),
        provider: "provider[\"registry.terraform.io/hashicorp/null\"]".into(),
        attributes: serde_json::json!({"id": format!("{}", 5577006791947779410u64.wrapping_mul(i as u64 + 1)), "triggers": {"index": i.to_string(), "name": "some-value-of-moderate-length"}}),
        dependencies: vec!["random_id.seed".into()],
        ..Default::default()
    }
}

fn per(d: Duration, n: usize) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0 / n as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(10_000);
    let dir = match args.next() {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir_in(".")?,
    };
    println!("journal_bench: {n} resources in {}", dir.path().display());

    // 1. Sequential: one caller, fdatasync per record.
    let b = LocalBackend::new(dir.path().join("seq.tfstate"));
    let j = b.begin_journal(&State::new())?;
    let t = Instant::now();
    for i in 0..n as i64 {
        j.put_resource(&format!("null_resource.r[{i}]"), &instance(i))?;
    }
    let seq = t.elapsed();
    let journal_size = std::fs::metadata(b.journal_path())?.len();
    let t = Instant::now();
    let full = j.finish()?;
    let compact = t.elapsed();
    let state_size = std::fs::metadata(b.path())?.len();
    println!("sequential put_resource x{n}: {:.2} s total, {} per record (journal {} KiB)", seq.as_secs_f64(), per(seq, n), journal_size / 1024);
    println!("finish (compaction of {} resources): {:.1} ms, state file {} KiB", full.resources.len(), compact.as_secs_f64() * 1000.0, state_size / 1024);

    // 2. Concurrent: 16 threads (the engine's parallelism), group commit shares fdatasyncs.
    for threads in [4usize, 16] {
        let b = LocalBackend::new(dir.path().join(format!("conc{threads}.tfstate")));
        let j = std::sync::Arc::new(b.begin_journal(&State::new())?);
        let t = Instant::now();
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let j = std::sync::Arc::clone(&j);
                std::thread::spawn(move || -> Result<(), infra_state::StateError> {
                    let mut i = k as i64;
                    while i < n as i64 {
                        j.put_resource(&format!("null_resource.r[{i}]"), &instance(i))?;
                        i += threads as i64;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "thread panicked")??;
        }
        let conc = t.elapsed();
        println!("concurrent put_resource x{n} from {threads} threads: {:.2} s total, {} per record", conc.as_secs_f64(), per(conc, n));
    }

    // 3. The alternative: rewrite the full state file after every operation.
    let b = LocalBackend::new(dir.path().join("rewrite.tfstate"));
    let reps = 10;
    let t = Instant::now();
    for r in 0..reps {
        let mut s = full.clone();
        s.serial = r;
        b.write(&s)?;
    }
    let one = t.elapsed() / reps as u32;
    println!(
        "full rewrite of a {n}-resource state: {:.1} ms each; x{n} operations ≈ {:.0} s (vs {:.2} s journaled, {:.0}x)",
        one.as_secs_f64() * 1000.0,
        one.as_secs_f64() * n as f64,
        seq.as_secs_f64(),
        one.as_secs_f64() * n as f64 / seq.as_secs_f64()
    );
    // Rewrites grow with the state: the average over an apply creating 0..n resources is half.
    println!("  (an apply creating the {n} from scratch rewrites on average n/2 resources: ≈ {:.0} s)", one.as_secs_f64() * n as f64 / 2.0);
    Ok(())
}
