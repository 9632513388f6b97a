//! The apply journal `<state>.journal`: an append-only log of resource operations on top of a
//! base state file, so that every completed operation is durable without rewriting the state.
//!
//! Line 1 is a header naming the base (lineage, serial, content hash); every further line is
//! one JSON record, written with a single `write` and made durable with `fdatasync` before the
//! call returns. Concurrent callers share syncs (group commit): whoever finds no sync running
//! syncs everything written so far, the others wait for it.
//!
//! Invariants: a record is appended only while the mutex is held, so file order = in-memory
//! order; a call returns `Ok` only once its record is durable; after a failed write or sync the
//! journal refuses further records (durability can no longer be promised). Compaction appends a
//! `compacted` record naming the new state's hash *before* replacing the state file, so a crash
//! between the two steps is recognisable and never loses or duplicates operations.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::error::StateError;
use crate::model::{OutputState, ResourceInstanceState, State, INFRA_VERSION};

/// The journal format version, in the header.
const JOURNAL_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub infra_journal: u32,
    pub lineage: String,
    pub serial: u64,
    pub hash: String,
}

/// A record as written (borrowing, so that recording does not clone the instance).
#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum RecordOut<'a> {
    Put { address: &'a str, instance: &'a ResourceInstanceState },
    Remove { address: &'a str },
    Outputs { outputs: &'a BTreeMap<String, OutputState> },
    Compacted { serial: u64, hash: &'a str },
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum RecordIn {
    Put { address: String, instance: Box<ResourceInstanceState> },
    Remove { address: String },
    Outputs { outputs: BTreeMap<String, OutputState> },
    Compacted { serial: u64, hash: String },
}

fn to_line<T: Serialize>(v: &T) -> Result<Vec<u8>, StateError> {
    let mut line = serde_json::to_vec(v).map_err(|e| StateError::Serialize { message: e.to_string() })?;
    line.push(b'\n');
    Ok(line)
}

/// What a journal on disk means for the state file next to it.
#[derive(Debug)]
pub(crate) enum Recovery {
    /// The header never became durable: no operations to recover.
    Empty,
    /// Already compacted into the state file (crash before the journal was deleted).
    Obsolete,
    /// Holds operations on top of the state file; `state` is the result of replaying them.
    /// `valid_len`: bytes up to the end of the last record that parsed.
    Replayed { state: State, records: usize, valid_len: u64 },
}

/// Interpret journal `bytes` at `path` against the state file content `disk`.
pub(crate) fn recover(path: &Path, bytes: &[u8], disk: Option<&State>) -> Result<Recovery, StateError> {
    // Complete lines only: a tail without '\n' is a torn write and is ignored.
    let mut lines: Vec<(usize, &[u8], u64)> = Vec::new(); // (line no, content, end offset)
    let mut offset = 0usize;
    for (i, chunk) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        offset += chunk.len();
        if let Some(content) = chunk.strip_suffix(b"\n") {
            lines.push((i + 1, content, offset as u64));
        }
    }
    let Some(&(_, header_line, header_end)) = lines.first() else {
        return Ok(Recovery::Empty);
    };
    let header: Header = match serde_json::from_slice(header_line) {
        Ok(h) => h,
        Err(e) if lines.len() == 1 => {
            // A damaged lone header: nothing was ever recorded after it.
            let _ = e;
            return Ok(Recovery::Empty);
        }
        Err(e) => return Err(StateError::parse(path, &e)),
    };
    if header.infra_journal != JOURNAL_VERSION {
        return Err(StateError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: format!("journal format {}", header.infra_journal),
            supported: JOURNAL_VERSION,
            hint: "The journal was written by another infra version; replay it with that version (run `infra refresh` with it).".into(),
        });
    }

    let mut records = Vec::new();
    let mut valid_len = header_end;
    let last = lines.len() - 1;
    for (idx, &(line_no, content, end)) in lines.iter().enumerate().skip(1) {
        match serde_json::from_slice::<RecordIn>(content) {
            Ok(r) => {
                records.push(r);
                valid_len = end;
            }
            // A garbage last line is a write that did not complete.
            Err(_) if idx == last => {}
            Err(e) => {
                return Err(StateError::Parse {
                    path: path.to_path_buf(),
                    line: line_no,
                    column: e.column(),
                    message: format!("damaged journal record: {e}"),
                })
            }
        }
    }

    let disk_hash = disk.map(State::content_hash);
    if let Some(RecordIn::Compacted { serial, hash }) = records.iter().rev().find(|r| matches!(r, RecordIn::Compacted { .. })) {
        if let Some(d) = disk {
            if d.serial == *serial && disk_hash.as_deref() == Some(hash.as_str()) {
                return Ok(Recovery::Obsolete);
            }
        }
    }
    let matches = match (disk, &disk_hash) {
        (Some(d), Some(h)) => d.lineage == header.lineage && d.serial == header.serial && *h == header.hash,
        _ => false,
    };
    if !matches {
        return Err(StateError::JournalMismatch {
            path: path.to_path_buf(),
            journal_lineage: header.lineage,
            journal_serial: header.serial,
            journal_hash: header.hash,
            state_lineage: disk.map(|d| d.lineage.clone()).unwrap_or_else(|| "(no state file)".into()),
            state_serial: disk.map(|d| d.serial).unwrap_or(0),
            state_hash: disk_hash.unwrap_or_else(|| "-".into()),
        });
    }
    let mut state = disk.cloned().unwrap_or_default();
    let mut count = 0;
    for r in records {
        match r {
            RecordIn::Put { address, instance } => {
                state.resources.insert(address, *instance);
            }
            RecordIn::Remove { address } => {
                state.resources.remove(&address);
            }
            RecordIn::Outputs { outputs } => state.outputs = outputs,
            RecordIn::Compacted { .. } => continue,
        }
        count += 1;
    }
    Ok(Recovery::Replayed { state, records: count, valid_len })
}

/// Write `new_state` over the state file, retiring the journal at `journal_path` (if any)
/// crash-safely: truncate the journal to `valid_len`, append a `compacted` record, sync,
/// replace the state file (old one to `backup_path`), delete the journal, sync the directory.
pub(crate) fn compact_into(
    journal_path: &Path,
    valid_len: Option<u64>,
    state_path: &Path,
    backup_path: &Path,
    new_state: &State,
) -> Result<(), StateError> {
    let bytes = new_state.to_json_pretty();
    if journal_path.exists() {
        let f = OpenOptions::new()
            .write(true)
            .open(journal_path)
            .map_err(|e| StateError::io("open journal", journal_path, e))?;
        if let Some(len) = valid_len {
            f.set_len(len).map_err(|e| StateError::io("truncate journal", journal_path, e))?;
        }
        let hash = new_state.content_hash();
        let line = to_line(&RecordOut::Compacted { serial: new_state.serial, hash: &hash })?;
        let mut f = f;
        let end = f.metadata().map_err(|e| StateError::io("stat journal", journal_path, e))?.len();
        write_at_end(&mut f, end, &line).map_err(|e| StateError::io("append to journal", journal_path, e))?;
        f.sync_data().map_err(|e| StateError::io("sync journal", journal_path, e))?;
    }
    atomic::replace(state_path, &bytes, Some(backup_path))?;
    match fs::remove_file(journal_path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StateError::io("remove journal", journal_path, e)),
    }
    atomic::sync_dir(&atomic::parent_dir(journal_path))
}

fn write_at_end(f: &mut File, end: u64, line: &[u8]) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(end))?;
    f.write_all(line)
}

/// An open journal. `Send + Sync`: record from any thread or task.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    state_path: PathBuf,
    backup_path: PathBuf,
    /// Opened with O_APPEND; written only under `inner`, synced outside it.
    file: File,
    inner: Mutex<Inner>,
    synced_cv: Condvar,
}

#[derive(Debug)]
struct Inner {
    state: State,
    /// Records written to the file (sequence number of the last one).
    written: u64,
    /// Records known durable.
    synced: u64,
    /// A thread is in `fdatasync` right now.
    syncing: bool,
    /// Set after a failed write or sync; the journal takes no more records.
    failed: Option<String>,
}

impl Journal {
    /// Create `path` with a header for `base`, which must be what the state file holds.
    pub(crate) fn create(path: PathBuf, state_path: PathBuf, backup_path: PathBuf, base: State) -> Result<Journal, StateError> {
        let header = Header {
            infra_journal: JOURNAL_VERSION,
            lineage: base.lineage.clone(),
            serial: base.serial,
            hash: base.content_hash(),
        };
        let line = to_line(&header)?;
        let mut file = atomic::private_options()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .map_err(|e| StateError::io("create journal", &path, e))?;
        file.write_all(&line).map_err(|e| StateError::io("write journal", &path, e))?;
        file.sync_all().map_err(|e| StateError::io("sync journal", &path, e))?;
        atomic::sync_dir(&atomic::parent_dir(&path))?;
        // Reopen in append mode so every record lands at the end whatever the offset.
        drop(file);
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| StateError::io("open journal", &path, e))?;
        Ok(Journal {
            path,
            state_path,
            backup_path,
            file,
            inner: Mutex::new(Inner { state: base, written: 0, synced: 0, syncing: false, failed: None }),
            synced_cv: Condvar::new(),
        })
    }

    /// The journal file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data (every mutation is
        // a single insert/remove after the write); keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Record that `address` now holds `instance`; returns once the record is durable.
    pub fn put_resource(&self, address: &str, instance: &ResourceInstanceState) -> Result<(), StateError> {
        let line = to_line(&RecordOut::Put { address, instance })?;
        self.append(&line, |s| {
            s.resources.insert(address.to_string(), instance.clone());
        })
    }

    /// Record that `address` is gone; returns once the record is durable.
    pub fn remove_resource(&self, address: &str) -> Result<(), StateError> {
        let line = to_line(&RecordOut::Remove { address })?;
        self.append(&line, |s| {
            s.resources.remove(address);
        })
    }

    /// Record the new set of root outputs (replacing all); returns once durable.
    pub fn set_outputs(&self, outputs: &BTreeMap<String, OutputState>) -> Result<(), StateError> {
        let line = to_line(&RecordOut::Outputs { outputs })?;
        self.append(&line, |s| s.outputs = outputs.clone())
    }

    /// The current state: base plus every record.
    pub fn state(&self) -> State {
        self.lock().state.clone()
    }

    fn append(&self, line: &[u8], apply: impl FnOnce(&mut State)) -> Result<(), StateError> {
        let mut g = self.lock();
        if let Some(msg) = &g.failed {
            return Err(StateError::JournalFailed { path: self.path.clone(), message: msg.clone() });
        }
        if let Err(e) = write_line(&self.file, line) {
            g.failed = Some(format!("write failed: {e}"));
            return Err(StateError::io("append to journal", &self.path, e));
        }
        apply(&mut g.state);
        g.written += 1;
        let mine = g.written;
        self.wait_durable(g, mine)
    }

    /// Group commit: return once record `mine` is synced, syncing ourselves if nobody is.
    fn wait_durable<'a>(&'a self, mut g: MutexGuard<'a, Inner>, mine: u64) -> Result<(), StateError> {
        loop {
            if g.synced >= mine {
                return Ok(());
            }
            if let Some(msg) = &g.failed {
                return Err(StateError::JournalFailed { path: self.path.clone(), message: msg.clone() });
            }
            if g.syncing {
                g = self.synced_cv.wait(g).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            g.syncing = true;
            let target = g.written;
            drop(g);
            let res = self.file.sync_data();
            g = self.lock();
            g.syncing = false;
            match res {
                Ok(()) => g.synced = g.synced.max(target),
                Err(e) => {
                    g.failed = Some(format!("fdatasync failed: {e}"));
                    self.synced_cv.notify_all();
                    return Err(StateError::io("sync journal", &self.path, e));
                }
            }
            self.synced_cv.notify_all();
        }
    }

    /// Compact: write the full state (serial + 1, when anything was recorded) atomically over
    /// the state file, then delete the journal. Returns the state as written.
    pub fn finish(self) -> Result<State, StateError> {
        let inner = self.inner.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(msg) = inner.failed {
            return Err(StateError::JournalFailed { path: self.path, message: msg });
        }
        let mut state = inner.state;
        drop(self.file);
        if inner.written == 0 {
            // Nothing recorded: the state file already holds this state.
            match fs::remove_file(&self.path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StateError::io("remove journal", &self.path, e)),
            }
            atomic::sync_dir(&atomic::parent_dir(&self.path))?;
            return Ok(state);
        }
        state.serial += 1;
        state.infra_version = INFRA_VERSION.to_string();
        compact_into(&self.path, None, &self.state_path, &self.backup_path, &state)?;
        Ok(state)
    }
}

/// Append `line` with one `write` call (looping only on a short write, which regular files
/// do not produce short of a full disk).
fn write_line(mut file: &File, line: &[u8]) -> std::io::Result<()> {
    let n = file.write(line)?;
    if n < line.len() {
        file.write_all(&line[n..])?;
    }
    Ok(())
}
