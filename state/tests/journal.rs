//! The apply journal: durability per record, replay after a crash, compaction.

mod common;

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use infra_state::{Journal, LocalBackend, OutputState, State, StateError};

fn backend(dir: &Path) -> LocalBackend {
    LocalBackend::new(dir.join("terraform.tfstate"))
}

fn append(path: &Path, bytes: &[u8]) {
    OpenOptions::new().append(true).open(path).unwrap().write_all(bytes).unwrap();
}

#[test]
fn journal_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Journal>();
}

#[test]
fn begin_journal_writes_missing_base_first() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let base = State::new();
    let j = b.begin_journal(&base).unwrap();
    assert_eq!(b.read_file().unwrap().as_ref(), Some(&base));
    assert!(b.journal_path().exists());
    let first = fs::read_to_string(b.journal_path()).unwrap();
    assert!(first.contains(&base.lineage) && first.contains(&base.content_hash()), "{first}");
    drop(j);
}

#[test]
fn records_are_visible_to_read_before_finish_and_finish_compacts() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut base = State::new();
    base.resources.insert("null_resource.old".into(), common::null_instance("old", None, "0"));
    b.write(&base).unwrap();
    let base_bytes = fs::read(b.path()).unwrap();

    let j = b.begin_journal(&base).unwrap();
    j.put_resource("null_resource.a[0]", &common::null_instance("a", Some(0), "1")).unwrap();
    j.put_resource("null_resource.a[1]", &common::null_instance("a", Some(1), "2")).unwrap();
    j.remove_resource("null_resource.old").unwrap();
    let mut outputs = BTreeMap::new();
    outputs.insert("o".to_string(), OutputState { value: "v".into(), r#type: "string".into(), sensitive: false });
    j.set_outputs(&outputs).unwrap();

    let mem = j.state();
    assert_eq!(mem.resources.keys().collect::<Vec<_>>(), ["null_resource.a[0]", "null_resource.a[1]"]);
    assert_eq!(mem.outputs, outputs);
    // A crash now: the state file is untouched, read() replays the journal.
    assert_eq!(fs::read(b.path()).unwrap(), base_bytes);
    assert_eq!(b.read().unwrap(), mem);

    let done = j.finish().unwrap();
    assert_eq!(done.serial, base.serial + 1);
    assert_eq!(done.resources, mem.resources);
    assert!(!b.journal_path().exists(), "journal removed");
    assert_eq!(b.read_file().unwrap().as_ref(), Some(&done));
    assert_eq!(fs::read(b.backup_path()).unwrap(), base_bytes, "backup holds the base");
}

#[test]
fn finish_without_records_keeps_serial() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let base = State::new();
    let j = b.begin_journal(&base).unwrap();
    let s = j.finish().unwrap();
    assert_eq!(s, base);
    assert!(!b.journal_path().exists());
}

#[test]
fn torn_or_garbage_last_line_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let j = b.begin_journal(&State::new()).unwrap();
    j.put_resource("null_resource.a", &common::null_instance("a", None, "1")).unwrap();
    j.put_resource("null_resource.b", &common::null_instance("b", None, "2")).unwrap();
    let expected = j.state();
    drop(j); // crash: no finish

    // Torn final write (no newline).
    append(&b.journal_path(), br#"{"op":"put","address":"null_resource.c","inst"#);
    assert_eq!(b.read().unwrap(), expected);

    // Begin a new journal from the recovered state: the leftover is compacted away.
    let recovered = b.read().unwrap();
    let j = b.begin_journal(&recovered).unwrap();
    assert_eq!(j.state().resources, expected.resources);
    assert!(j.state().serial > expected.serial, "compacted base gets a new serial");
    j.put_resource("null_resource.c", &common::null_instance("c", None, "3")).unwrap();
    let done = j.finish().unwrap();
    assert_eq!(done.resources.len(), 3);
    assert_eq!(b.read().unwrap(), done);
}

#[test]
fn complete_but_unparseable_last_line_is_ignored_but_middle_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let j = b.begin_journal(&State::new()).unwrap();
    j.put_resource("null_resource.a", &common::null_instance("a", None, "1")).unwrap();
    let expected = j.state();
    drop(j);
    // e.g. zeros after a crash on a file system that extended the file but lost the data
    append(&b.journal_path(), b"\0\0\0\0\n");
    assert_eq!(b.read().unwrap(), expected);

    append(&b.journal_path(), br#"{"op":"remove","address":"null_resource.a"}"#);
    append(&b.journal_path(), b"\n");
    match b.read() {
        Err(StateError::Parse { line, path, .. }) => {
            assert_eq!(line, 3);
            assert_eq!(path, b.journal_path());
        }
        other => panic!("expected a parse error for the damaged middle line, got {other:?}"),
    }
}

#[test]
fn journal_of_another_state_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let j = b.begin_journal(&State::new()).unwrap();
    j.put_resource("null_resource.a", &common::null_instance("a", None, "1")).unwrap();
    drop(j);
    // Someone replaces the state file behind the journal's back.
    let mut other = State::new();
    other.serial = 7;
    fs::write(b.path(), other.to_json_pretty()).unwrap();
    let err = b.read().unwrap_err();
    assert!(matches!(err, StateError::JournalMismatch { journal_serial: 0, state_serial: 7, .. }), "{err}");
    assert!(err.to_string().contains("move it aside"), "{err}");
    // begin_journal refuses as well
    assert!(matches!(b.begin_journal(&other), Err(StateError::JournalMismatch { .. })));
}

#[test]
fn begin_journal_refuses_base_without_pending_records() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let base = State::new();
    let j = b.begin_journal(&base).unwrap();
    j.put_resource("null_resource.a", &common::null_instance("a", None, "1")).unwrap();
    drop(j);
    let err = b.begin_journal(&base).unwrap_err();
    assert!(matches!(err, StateError::JournalPending { .. }), "{err}");
    // the recovered state is accepted
    let j = b.begin_journal(&b.read().unwrap()).unwrap();
    assert!(j.state().resources.contains_key("null_resource.a"));
}

#[test]
fn crash_between_compaction_and_journal_removal_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let j = b.begin_journal(&State::new()).unwrap();
    j.put_resource("null_resource.a", &common::null_instance("a", None, "1")).unwrap();
    let journal_bytes = fs::read(b.journal_path()).unwrap();
    let done = j.finish().unwrap();
    // Put back the journal as it was at the crash: records + the compacted record.
    let mut crashed = journal_bytes.clone();
    crashed.extend_from_slice(format!("{{\"op\":\"compacted\",\"serial\":{},\"hash\":\"{}\"}}\n", done.serial, done.content_hash()).as_bytes());
    fs::write(b.journal_path(), &crashed).unwrap();
    assert_eq!(b.read().unwrap(), done);
    // and the next apply cleans it up
    let j = b.begin_journal(&done).unwrap();
    assert_eq!(j.state(), done);
    j.finish().unwrap();
    assert!(!b.journal_path().exists());

    // Crash after the compacted record but before the rename: the base is still there.
    let j = b.begin_journal(&done).unwrap();
    j.put_resource("null_resource.b", &common::null_instance("b", None, "2")).unwrap();
    let expected = j.state();
    drop(j);
    append(&b.journal_path(), b"{\"op\":\"compacted\",\"serial\":99,\"hash\":\"abc\"}\n");
    assert_eq!(b.read().unwrap(), expected);
}

#[test]
fn write_retires_a_leftover_journal() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let j = b.begin_journal(&State::new()).unwrap();
    j.put_resource("null_resource.a", &common::null_instance("a", None, "1")).unwrap();
    drop(j);
    let mut s = b.read().unwrap();
    s.serial += 1;
    b.write(&s).unwrap();
    assert!(!b.journal_path().exists());
    assert_eq!(b.read().unwrap(), s);
}

#[test]
fn concurrent_records_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let j = Arc::new(b.begin_journal(&State::new()).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let j = Arc::clone(&j);
            std::thread::spawn(move || {
                for i in 0..50 {
                    let addr = format!("null_resource.t{t}[{i}]");
                    j.put_resource(&addr, &common::null_instance(&format!("t{t}"), Some(i), &format!("{t}-{i}"))).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Replay from disk equals memory before compaction.
    assert_eq!(b.read().unwrap().resources.len(), 400);
    let j = Arc::try_unwrap(j).unwrap();
    let done = j.finish().unwrap();
    assert_eq!(done.resources.len(), 400);
    assert_eq!(b.read().unwrap(), done);
}

// ---- a process killed mid-apply: the test binary re-runs itself as the writer ----

const CHILD_ENV: &str = "INFRA_STATE_TEST_JOURNAL_CHILD";

/// Not a test on its own: the body of the child process of `killed_writer_loses_no_acknowledged_record`.
#[test]
fn child_journal_writer() {
    let Ok(state_path) = std::env::var(CHILD_ENV) else { return };
    let b = LocalBackend::new(&state_path);
    let j = b.begin_journal(&State::new()).unwrap();
    for i in 0..100_000i64 {
        j.put_resource(&format!("null_resource.r[{i}]"), &common::null_instance("r", Some(i), &i.to_string())).unwrap();
        println!("ACK {i}");
    }
}

#[test]
fn killed_writer_loses_no_acknowledged_record() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_journal_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, b.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acked: i64 = -1;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(pos) = line.find("ACK ") {
            acked = line[pos + 4..].trim().parse().unwrap();
            if acked >= 300 {
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    assert!(acked >= 300, "child stopped early at {acked}");
    std::thread::sleep(Duration::from_millis(10));
    let s = b.read().unwrap();
    for i in 0..=acked {
        assert!(s.resources.contains_key(&format!("null_resource.r[{i}]")), "acknowledged record {i} lost");
    }
    // Whatever else is there is a prefix continuing the acknowledged ones.
    let n = s.resources.len() as i64;
    assert!(n > acked);
    for i in 0..n {
        assert!(s.resources.contains_key(&format!("null_resource.r[{i}]")), "hole at {i} of {n}");
    }
}
