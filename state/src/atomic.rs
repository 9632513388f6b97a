//! Atomic file replacement: temp file in the same directory, fsync, backup, rename, fsync dir.
//!
//! Invariant: at every instant the target path holds either the complete old content or the
//! complete new content; a crash leaves at most a stray `.<name>.tmp-*` file, never a torn one.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::StateError;

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `dir/.<file name><suffix>`, a hidden sibling of `path`.
pub(crate) fn hidden_sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    parent_dir(path).join(format!(".{name}{suffix}"))
}

/// `path` with `suffix` appended to its file name (`terraform.tfstate` → `terraform.tfstate.backup`).
pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Open for create with mode 0600 (owner read/write) where the platform has modes.
pub(crate) fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// fsync a directory so a rename or unlink in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| StateError::io("open directory", dir, e))?;
        d.sync_all().map_err(|e| StateError::io("sync directory", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Removes the temp file unless disarmed.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Replace `path` with `bytes` atomically (mode 0600). When `backup` is given and `path`
/// exists, the old content ends up in `backup` before the new content becomes visible.
pub(crate) fn replace(path: &Path, bytes: &[u8], backup: Option<&Path>) -> Result<(), StateError> {
    let dir = parent_dir(path);
    let tmp = hidden_sibling(path, &format!(".tmp-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()));
    let mut guard = TempGuard { path: tmp.clone(), armed: true };
    {
        let mut f = private_options()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| StateError::io("create temporary file", &tmp, e))?;
        f.write_all(bytes).map_err(|e| StateError::io("write", &tmp, e))?;
        f.sync_all().map_err(|e| StateError::io("sync", &tmp, e))?;
    }
    if let Some(backup) = backup {
        if path.exists() {
            keep_backup(path, backup)?;
        }
    }
    fs::rename(&tmp, path).map_err(|e| StateError::io("rename temporary file onto", path, e))?;
    guard.armed = false;
    sync_dir(&dir)
}

/// Make `backup` hold the current content of `path`: a hard link (no copy) renamed into place,
/// or a copy where hard links are not supported.
fn keep_backup(path: &Path, backup: &Path) -> Result<(), StateError> {
    let tmp = hidden_sibling(backup, &format!(".tmp-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()));
    let mut guard = TempGuard { path: tmp.clone(), armed: true };
    if fs::hard_link(path, &tmp).is_err() {
        fs::copy(path, &tmp).map_err(|e| StateError::io("copy state to backup", &tmp, e))?;
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| StateError::io("sync", &tmp, e))?;
    }
    fs::rename(&tmp, backup).map_err(|e| StateError::io("rename backup into", backup, e))?;
    guard.armed = false;
    Ok(())
}
