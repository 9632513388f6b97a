//! State locking: an OS exclusive lock on `.<state>.lock` plus Terraform's lock info file
//! `.<state>.lock.info` saying who holds it.
//!
//! Invariant: the OS lock is the truth; the info file is only a description. A process that
//! dies frees its OS lock, so a leftover info file never blocks the next locker (it is
//! overwritten). The lock file itself is never deleted: deleting it would let two processes
//! lock two different inodes.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::error::StateError;

/// How often a waiting locker retries.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Who holds a lock. Serialized with Terraform's field names (`ID`, `Operation`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    /// e.g. `OperationTypeApply`, or the CLI command name.
    pub operation: String,
    /// `user@host`.
    pub who: String,
    /// infra version of the holder.
    pub version: String,
    /// RFC 3339 UTC.
    pub created: String,
    /// The state path the lock protects.
    pub path: String,
}

impl LockInfo {
    /// Fresh info for `operation`: new UUID, `$USER@hostname`, now, this infra version.
    /// `path` is filled in when the lock is taken ([`crate::LocalBackend::lock`]).
    pub fn new(operation: &str) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{}@{}", user_name(), host_name()),
            version: env!("CARGO_PKG_VERSION").to_string(),
            created: crate::clock::now_rfc3339(),
            path: String::new(),
        }
    }
}

fn user_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| fs::read_to_string(p).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// A held state lock. Dropping it removes the info file (if still ours) and releases the OS lock.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    info: LockInfo,
    info_path: PathBuf,
}

impl StateLock {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Remove the info file only if it still describes us (force-unlock may have removed
        // it and another process may have written its own since).
        if read_info(&self.info_path).is_some_and(|i| i.id == self.info.id) {
            let _ = fs::remove_file(&self.info_path);
        }
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// The OS lock file for `state_path`: `.<name>.lock`.
pub(crate) fn lock_file_path(state_path: &Path) -> PathBuf {
    atomic::hidden_sibling(state_path, ".lock")
}

/// The lock info file for `state_path`: `.<name>.lock.info` (Terraform's name).
pub(crate) fn info_file_path(state_path: &Path) -> PathBuf {
    atomic::hidden_sibling(state_path, ".lock.info")
}

fn read_info(info_path: &Path) -> Option<LockInfo> {
    let bytes = fs::read(info_path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Take the exclusive lock on `state_path`, waiting up to `timeout` (zero: fail at once).
pub(crate) fn lock(state_path: &Path, mut info: LockInfo, timeout: Duration) -> Result<StateLock, StateError> {
    let lock_path = lock_file_path(state_path);
    let info_path = info_file_path(state_path);
    let file = atomic::private_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| StateError::io("open lock file", &lock_path, e))?;
    let start = Instant::now();
    loop {
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => break,
            Err(fs4::TryLockError::WouldBlock) => {
                let waited = start.elapsed();
                if waited >= timeout {
                    let holder = read_info(&info_path).unwrap_or_else(|| LockInfo {
                        path: state_path.display().to_string(),
                        ..LockInfo::default()
                    });
                    return Err(if timeout.is_zero() {
                        StateError::Locked { info: holder }
                    } else {
                        StateError::LockTimeout { info: holder, waited }
                    });
                }
                thread::sleep(POLL_INTERVAL.min(timeout - waited));
            }
            Err(fs4::TryLockError::Error(e)) => return Err(StateError::io("lock", &lock_path, e)),
        }
    }
    // We hold the OS lock; any info file left is stale (its holder died) and is replaced.
    info.path = state_path.display().to_string();
    let bytes = serde_json::to_vec(&info).map_err(|e| StateError::Serialize { message: e.to_string() })?;
    // On failure `file` is dropped, which releases the OS lock.
    atomic::replace(&info_path, &bytes, None)?;
    Ok(StateLock { file, info, info_path })
}

/// Remove the lock info of lock `lock_id`.
pub(crate) fn force_unlock(state_path: &Path, lock_id: &str) -> Result<(), StateError> {
    let info_path = info_file_path(state_path);
    if !info_path.exists() {
        return Err(StateError::NotLocked { path: state_path.to_path_buf() });
    }
    let current = read_info(&info_path).unwrap_or_default();
    if current.id != lock_id {
        return Err(StateError::LockIdMismatch {
            path: state_path.to_path_buf(),
            requested: lock_id.to_string(),
            actual: current.id,
        });
    }
    fs::remove_file(&info_path).map_err(|e| StateError::io("remove lock info", &info_path, e))
}
