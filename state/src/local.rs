//! The local backend: the state in one file (default `terraform.tfstate`), written atomically
//! with the previous version kept as `<path>.backup`, locked by [`crate::lock`], and with crash
//! recovery from the apply journal `<path>.journal`.
//!
//! Invariant: `read` never silently loses a completed operation: it replays a journal that
//! belongs to the state file, and reports one that does not.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::atomic;
use crate::error::StateError;
use crate::journal::{self, Journal, Recovery};
use crate::lock::{self, LockInfo, StateLock};
use crate::model::State;

/// The default state file name.
pub const DEFAULT_STATE_PATH: &str = "terraform.tfstate";

/// State stored in a local file.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    path: PathBuf,
}

impl Default for LocalBackend {
    fn default() -> Self {
        LocalBackend::new(DEFAULT_STATE_PATH)
    }
}

impl LocalBackend {
    pub fn new(state_path: impl Into<PathBuf>) -> Self {
        LocalBackend { path: state_path.into() }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `<path>.backup`: the previous state file.
    pub fn backup_path(&self) -> PathBuf {
        atomic::with_suffix(&self.path, ".backup")
    }

    /// `<path>.journal`: the apply journal.
    pub fn journal_path(&self) -> PathBuf {
        atomic::with_suffix(&self.path, ".journal")
    }

    /// `.<name>.lock`: the file holding the OS lock.
    pub fn lock_file_path(&self) -> PathBuf {
        lock::lock_file_path(&self.path)
    }

    /// `.<name>.lock.info`: who holds the lock (Terraform's name and JSON).
    pub fn lock_info_path(&self) -> PathBuf {
        lock::info_file_path(&self.path)
    }

    /// Take the exclusive state lock, retrying until `timeout` (zero: fail at once with
    /// [`StateError::Locked`] naming the holder).
    pub fn lock(&self, info: LockInfo, timeout: Duration) -> Result<StateLock, StateError> {
        lock::lock(&self.path, info, timeout)
    }

    /// Remove the lock info of lock `lock_id` (for a holder that crashed). The OS lock of a
    /// process that is still running cannot be broken; it ends when that process exits.
    pub fn force_unlock(&self, lock_id: &str) -> Result<(), StateError> {
        lock::force_unlock(&self.path, lock_id)
    }

    /// The state file alone, without journal replay; `None` if there is no file.
    pub fn read_file(&self) -> Result<Option<State>, StateError> {
        match fs::read(&self.path) {
            Ok(bytes) => State::from_slice_at(&bytes, &self.path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("read", &self.path, e)),
        }
    }

    fn read_journal(&self) -> Result<Option<Vec<u8>>, StateError> {
        let path = self.journal_path();
        match fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("read", &path, e)),
        }
    }

    /// The current state: the file (or an empty `State::new()` if none), plus the operations
    /// of a leftover journal of an interrupted apply. Does not modify any file.
    pub fn read(&self) -> Result<State, StateError> {
        let disk = self.read_file()?;
        let Some(bytes) = self.read_journal()? else {
            return Ok(disk.unwrap_or_default());
        };
        match journal::recover(&self.journal_path(), &bytes, disk.as_ref())? {
            Recovery::Replayed { state, .. } => Ok(state),
            Recovery::Empty | Recovery::Obsolete => Ok(disk.unwrap_or_default()),
        }
    }

    /// Write `state` as given (the caller sets `serial`) atomically with mode 0600, keeping
    /// the previous file as `<path>.backup`. A leftover journal is retired crash-safely:
    /// `state` is taken to include it (as when it came from [`LocalBackend::read`]).
    /// Do not call while a [`Journal`] of this backend is open.
    pub fn write(&self, state: &State) -> Result<(), StateError> {
        let jpath = self.journal_path();
        let valid_len = match self.read_journal()? {
            None => None,
            Some(bytes) => {
                let disk = self.read_file()?;
                match journal::recover(&jpath, &bytes, disk.as_ref())? {
                    Recovery::Replayed { valid_len, .. } => Some(valid_len),
                    Recovery::Empty | Recovery::Obsolete => Some(0),
                }
            }
        };
        journal::compact_into(&jpath, valid_len, &self.path, &self.backup_path(), state)
    }

    /// Start a journal on top of `base`. If the state file does not hold `base` yet (no file,
    /// or different content), `base` is written first (with a serial above the file's), so the
    /// journal always has a base on disk. A leftover journal must be included in `base`
    /// (read with [`LocalBackend::read`]); otherwise [`StateError::JournalPending`].
    /// Hold the state lock while the journal is open.
    pub fn begin_journal(&self, base: &State) -> Result<Journal, StateError> {
        let jpath = self.journal_path();
        let disk = self.read_file()?;
        let base_hash = base.content_hash();
        let mut leftover_len = None;
        if let Some(bytes) = self.read_journal()? {
            match journal::recover(&jpath, &bytes, disk.as_ref())? {
                Recovery::Replayed { state, records, valid_len } => {
                    if records > 0 && state.content_hash() != base_hash {
                        return Err(StateError::JournalPending { path: jpath });
                    }
                    leftover_len = Some(valid_len);
                }
                Recovery::Empty | Recovery::Obsolete => leftover_len = Some(0),
            }
        }

        let on_disk = match &disk {
            Some(d) if d.content_hash() == base_hash => d.clone(),
            Some(d) => {
                let mut b = base.clone();
                b.serial = b.serial.max(d.serial + 1);
                journal::compact_into(&jpath, leftover_len, &self.path, &self.backup_path(), &b)?;
                b
            }
            None => {
                journal::compact_into(&jpath, leftover_len, &self.path, &self.backup_path(), base)?;
                base.clone()
            }
        };
        Journal::create(jpath, self.path.clone(), self.backup_path(), on_disk)
    }
}
