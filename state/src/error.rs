//! `StateError`: every way reading, writing, locking or journaling state can fail.
//!
//! Each message says what is wrong and how to fix it; the lock errors render like
//! Terraform's "Error acquiring the state lock" so users recognise them.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::lock::LockInfo;

/// Errors of the state crate.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file system operation failed.
    #[error("cannot {action} {}: {source}\n  Check that the path exists, is writable and that the disk is not full.", path.display())]
    Io {
        /// What we were doing, e.g. "write", "rename", "read".
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A state file (or journal line) is not valid JSON or does not have the expected shape.
    #[error("{}:{line}:{column}: invalid state: {message}\n  Fix the file by hand or restore the previous version from `{}.backup`.", path.display(), path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },

    /// The file uses a format version this build cannot read.
    #[error("{}: unsupported state format: {found}; this version of infra ({ours}) reads infra format {supported} and Terraform format 4.\n  {hint}", path.display(), ours = env!("CARGO_PKG_VERSION"))]
    UnsupportedVersion {
        path: PathBuf,
        /// Description of the version found, e.g. `infra format 7` or `Terraform format 3`.
        found: String,
        supported: u32,
        /// How to get out of it.
        hint: String,
    },

    /// A Terraform v4 document is structurally invalid.
    #[error("invalid Terraform v4 state: {message}\n  The file does not follow Terraform's state format version 4; check it with `terraform show`.")]
    InvalidTerraformState { message: String },

    /// Someone else holds the state lock.
    #[error("{}", render_locked(.info, None))]
    Locked { info: LockInfo },

    /// Someone else held the state lock for the whole `-lock-timeout`.
    #[error("{}", render_locked(.info, Some(*.waited)))]
    LockTimeout { info: LockInfo, waited: Duration },

    /// `force_unlock` was given an ID that does not match the current lock.
    #[error("cannot force-unlock {}: the lock ID is {actual:?}, not {requested:?}.\n  Copy the ID from the \"Lock Info\" of the error that reported the lock.", path.display())]
    LockIdMismatch {
        path: PathBuf,
        requested: String,
        actual: String,
    },

    /// `force_unlock` found no lock.
    #[error("cannot force-unlock {}: the state is not locked (no lock info file).\n  Nothing to do.", path.display())]
    NotLocked { path: PathBuf },

    /// A journal does not belong to the state file next to it.
    #[error("{}: the journal was started on state lineage {journal_lineage} serial {journal_serial} (hash {journal_hash}), but the state file holds lineage {state_lineage} serial {state_serial} (hash {state_hash}).\n  The journal holds operations of an interrupted apply on a different state. Inspect it (one JSON record per line), then move it aside to continue with the state file as it is.", path.display())]
    JournalMismatch {
        path: PathBuf,
        journal_lineage: String,
        journal_serial: u64,
        journal_hash: String,
        state_lineage: String,
        state_serial: u64,
        state_hash: String,
    },

    /// A journal of an interrupted run exists and differs from the state passed to `begin_journal`.
    #[error("{}: a journal of an interrupted run exists and the state given to begin_journal does not include it.\n  Read the state with LocalBackend::read (which replays the journal) and start from that state.", path.display())]
    JournalPending { path: PathBuf },

    /// An earlier journal write or sync failed; the journal can no longer promise durability.
    #[error("{}: the journal is unusable after an earlier failure: {message}\n  Stop the run; the next `read` recovers every operation that was made durable.", path.display())]
    JournalFailed { path: PathBuf, message: String },

    /// Serialization failed (should not happen for well-formed values).
    #[error("cannot serialize state: {message}")]
    Serialize { message: String },
}

impl StateError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parse(path: impl Into<PathBuf>, err: &serde_json::Error) -> Self {
        StateError::Parse {
            path: path.into(),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        }
    }
}

fn render_locked(info: &LockInfo, waited: Option<Duration>) -> String {
    let field = |s: &str| -> String {
        if s.is_empty() {
            "(unknown)".to_string()
        } else {
            s.to_string()
        }
    };
    let mut out = String::from("Error acquiring the state lock\n\n");
    match waited {
        Some(w) => {
            let _ = writeln!(
                out,
                "Error message: the state is still locked after waiting {:.1}s",
                w.as_secs_f64()
            );
        }
        None => out.push_str("Error message: the state is locked by another operation\n"),
    }
    let _ = write!(
        out,
        "Lock Info:\n  ID:        {}\n  Path:      {}\n  Operation: {}\n  Who:       {}\n  Version:   {}\n  Created:   {}\n\n",
        field(&info.id),
        field(&info.path),
        field(&info.operation),
        field(&info.who),
        field(&info.version),
        field(&info.created),
    );
    out.push_str(
        "infra acquires a state lock to protect the state from being written by\n\
         multiple users at the same time. Wait for the other operation to finish,\n\
         or retry with a wait, e.g. `-lock-timeout=60s`.\n",
    );
    if !info.id.is_empty() {
        let _ = write!(
            out,
            "If no other infra process is running (it crashed), remove the lock with\n`infra force-unlock {}`.",
            info.id
        );
    } else {
        out.push_str("If no other infra process is running (it crashed), remove the lock with\n`infra force-unlock ID`.");
    }
    out
}
