//! The local backend: atomic writes, backups, file modes and locking (in and across processes).

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use infra_state::{LocalBackend, LockInfo, State, StateError};

fn backend(dir: &Path) -> LocalBackend {
    LocalBackend::new(dir.join("terraform.tfstate"))
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn read_without_file_gives_empty_state() {
    let dir = tempfile::tempdir().unwrap();
    let s = backend(dir.path()).read().unwrap();
    assert_eq!(s.serial, 0);
    assert!(s.resources.is_empty());
    assert_eq!(s.lineage.len(), 36);
}

#[test]
fn write_is_atomic_keeps_backup_and_cleans_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new();
    s.resources.insert("null_resource.a".into(), common::null_instance("a", None, "1"));
    b.write(&s).unwrap();
    let first = fs::read(b.path()).unwrap();
    assert_eq!(dir_entries(dir.path()), ["terraform.tfstate"]);

    s.serial += 1;
    s.resources.insert("null_resource.b".into(), common::null_instance("b", None, "2"));
    b.write(&s).unwrap();
    assert_eq!(dir_entries(dir.path()), ["terraform.tfstate", "terraform.tfstate.backup"]);
    assert_eq!(fs::read(b.backup_path()).unwrap(), first, "backup holds the previous content");
    assert_eq!(b.read().unwrap(), s);

    s.serial += 1;
    let second = fs::read(b.path()).unwrap();
    b.write(&s).unwrap();
    assert_eq!(fs::read(b.backup_path()).unwrap(), second);
}

#[cfg(unix)]
#[test]
fn state_and_backup_have_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let mut s = State::new();
    b.write(&s).unwrap();
    s.serial = 1;
    b.write(&s).unwrap();
    for p in [b.path().to_path_buf(), b.backup_path()] {
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
}

#[test]
fn failed_write_leaves_old_file_and_no_temp() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let s = State::new();
    b.write(&s).unwrap();
    let before = fs::read(b.path()).unwrap();
    // A directory where the backup must go makes the write fail after the temp file exists.
    fs::create_dir(b.backup_path()).unwrap();
    fs::write(b.backup_path().join("x"), "x").unwrap();
    let err = b.write(&s).unwrap_err();
    assert!(matches!(err, StateError::Io { .. }), "{err}");
    assert_eq!(fs::read(b.path()).unwrap(), before);
    assert_eq!(dir_entries(dir.path()), ["terraform.tfstate", "terraform.tfstate.backup"]);
}

#[test]
fn corrupt_state_file_reports_position_and_backup_hint() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    fs::write(b.path(), "{\n  \"format_version\": 1,\n  \"lineage\": \n").unwrap();
    let err = b.read().unwrap_err();
    match &err {
        StateError::Parse { line, .. } => assert_eq!(*line, 4),
        other => panic!("expected parse error, got {other:?}"),
    }
    assert!(err.to_string().contains("terraform.tfstate.backup"), "{err}");
}

#[test]
fn reads_terraform_v4_file() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    fs::write(b.path(), include_str!("fixtures/terraform-1.0.3.tfstate")).unwrap();
    let s = b.read().unwrap();
    assert_eq!(s.serial, 5);
    assert_eq!(s.resources.len(), 6);
}

#[test]
fn second_lock_fails_at_once_with_holder_info() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let held = b.lock(LockInfo::new("OperationTypeApply"), Duration::ZERO).unwrap();
    assert_eq!(held.info().path, b.path().display().to_string());
    assert!(held.info().who.contains('@'));
    let on_disk: serde_json::Value = serde_json::from_slice(&fs::read(b.lock_info_path()).unwrap()).unwrap();
    assert_eq!(on_disk["ID"], held.info().id.as_str(), "Terraform's field names");
    assert_eq!(on_disk["Operation"], "OperationTypeApply");

    let start = Instant::now();
    let err = b.lock(LockInfo::new("OperationTypePlan"), Duration::ZERO).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    match &err {
        StateError::Locked { info } => assert_eq!(info, held.info()),
        other => panic!("expected Locked, got {other:?}"),
    }
    let msg = err.to_string();
    for needle in ["Error acquiring the state lock", "Lock Info:", "ID:", "Path:", "Operation: OperationTypeApply", "Who:", "Version:", "Created:", "-lock-timeout", &format!("infra force-unlock {}", held.info().id)] {
        assert!(msg.contains(needle), "missing {needle:?} in\n{msg}");
    }

    drop(held);
    assert!(!b.lock_info_path().exists(), "info file removed on drop");
    let again = b.lock(LockInfo::new("OperationTypePlan"), Duration::ZERO).unwrap();
    assert_eq!(again.info().operation, "OperationTypePlan");
}

#[test]
fn lock_with_timeout_waits_for_release() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let held = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
    });
    let start = Instant::now();
    let got = b.lock(LockInfo::new("plan"), Duration::from_secs(10)).unwrap();
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(250), "waited only {waited:?}");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    assert_eq!(got.info().operation, "plan");
    releaser.join().unwrap();
}

#[test]
fn lock_timeout_elapses_with_holder_info() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let held = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
    let start = Instant::now();
    let err = b.lock(LockInfo::new("plan"), Duration::from_millis(350)).unwrap_err();
    assert!(start.elapsed() >= Duration::from_millis(350));
    match &err {
        StateError::LockTimeout { info, .. } => assert_eq!(info.id, held.info().id),
        other => panic!("expected LockTimeout, got {other:?}"),
    }
    assert!(err.to_string().contains("still locked after waiting"), "{err}");
}

#[test]
fn stale_info_file_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    // An info file left by a holder that died (its OS lock went with it).
    let mut stale = LockInfo::new("apply");
    stale.id = "dead-holder".into();
    fs::write(b.lock_info_path(), serde_json::to_vec(&stale).unwrap()).unwrap();
    let got = b.lock(LockInfo::new("plan"), Duration::ZERO).unwrap();
    assert_ne!(got.info().id, "dead-holder");
    let on_disk: LockInfo = serde_json::from_slice(&fs::read(b.lock_info_path()).unwrap()).unwrap();
    assert_eq!(on_disk.id, got.info().id, "stale info replaced");
    drop(got);
    assert!(!b.lock_info_path().exists());
}

#[test]
fn force_unlock_checks_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let err = b.force_unlock("nope").unwrap_err();
    assert!(matches!(err, StateError::NotLocked { .. }), "{err}");

    let held = b.lock(LockInfo::new("apply"), Duration::ZERO).unwrap();
    let err = b.force_unlock("wrong-id").unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&held.info().id), "{err}");
    assert!(b.lock_info_path().exists());

    b.force_unlock(&held.info().id).unwrap();
    assert!(!b.lock_info_path().exists());
    drop(held); // must not fail or remove anything of someone else
}

// ---- across processes: the test binary re-runs itself as the lock holder ----

const CHILD_ENV: &str = "INFRA_STATE_TEST_LOCK_CHILD";

/// Not a test on its own: the body of the child process of the cross-process tests.
#[test]
fn child_lock_holder() {
    let Ok(state_path) = std::env::var(CHILD_ENV) else { return };
    let b = LocalBackend::new(&state_path);
    let lock = b.lock(LockInfo::new("child-apply"), Duration::from_secs(10)).unwrap();
    println!("LOCKED {}", lock.info().id);
    let release = format!("{state_path}.release");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !Path::new(&release).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(lock);
}

fn spawn_holder(state: &Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_lock_holder", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, state)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut id = String::new();
    let mut lines = std::io::BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        // libtest may print "test child_lock_holder ... " on the same line.
        if let Some(pos) = line.find("LOCKED ") {
            id = line[pos + 7..].trim().to_string();
            break;
        }
    }
    assert!(!id.is_empty(), "child did not take the lock");
    // Keep draining so the child never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, id)
}

#[test]
fn lock_is_exclusive_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let (mut child, id) = spawn_holder(b.path());
    match b.lock(LockInfo::new("plan"), Duration::ZERO) {
        Err(StateError::Locked { info }) => {
            assert_eq!(info.id, id);
            assert_eq!(info.operation, "child-apply");
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    fs::write(format!("{}.release", b.path().display()), "").unwrap();
    let got = b.lock(LockInfo::new("plan"), Duration::from_secs(10)).unwrap();
    assert!(child.wait().unwrap().success());
    drop(got);
}

#[test]
fn killed_holder_does_not_block() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let (mut child, id) = spawn_holder(b.path());
    child.kill().unwrap();
    child.wait().unwrap();
    // The info file of the dead process is still there...
    let stale: LockInfo = serde_json::from_slice(&fs::read(b.lock_info_path()).unwrap()).unwrap();
    assert_eq!(stale.id, id);
    // ...but does not block.
    let got = b.lock(LockInfo::new("plan"), Duration::ZERO).unwrap();
    assert_ne!(got.info().id, id);
}
