//! Where things live: the repository, the built app, the companion binary, logs, scratch dirs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The repository root (this crate lives in `<repo>/tests`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `target/` of the workspace (`$CARGO_TARGET_DIR` when set).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The built app: `$LATCHKEY_DIST`, or `<repo>/dist`. Panics with the command to run when the
/// directory has no `index.html`.
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("LATCHKEY_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("dist"));
    assert!(
        dir.join("index.html").is_file(),
        "the built app is missing: {} has no index.html. Build it first with \
         `trunk build --release` at the repository root (or set LATCHKEY_DIST).",
        dir.display()
    );
    dir
}

/// The built minimal Leptos example: `$LATCHKEY_MINIMAL_DIST`, or
/// `<repo>/examples/leptos-minimal/dist`. Panics with the command to run when it has no
/// `index.html`.
pub fn minimal_dist_dir() -> PathBuf {
    let dir = std::env::var_os("LATCHKEY_MINIMAL_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("examples/leptos-minimal/dist"));
    assert!(
        dir.join("index.html").is_file(),
        "the minimal example is not built: {} has no index.html. Build it with \
         `trunk build --release` in examples/leptos-minimal (or set LATCHKEY_MINIMAL_DIST).",
        dir.display()
    );
    dir
}

/// The companion binary: `$LATCHKEY_BIN`, or `target/debug/latchkey`. Panics with the command
/// to run when it is not there.
pub fn latchkey_bin() -> PathBuf {
    let bin = std::env::var_os("LATCHKEY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug").join("latchkey"));
    assert!(
        bin.is_file(),
        "the companion binary is missing: {} does not exist. Build it first with \
         `cargo build -p latchkey-companion` (or set LATCHKEY_BIN).",
        bin.display()
    );
    bin
}

/// The name of the running test (libtest names the test thread after it).
pub fn test_name() -> String {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("unnamed")
        .replace("::", "-")
}

/// `target/e2e-logs/<test>/`, created.
pub fn log_dir() -> PathBuf {
    let dir = target_dir().join("e2e-logs").join(test_name());
    std::fs::create_dir_all(&dir).expect("create target/e2e-logs/<test>");
    dir
}

/// A directory under `target/e2e-tmp/`, removed on drop.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// A new, empty directory whose name starts with `label`.
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = target_dir()
            .join("e2e-tmp")
            .join(format!("{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a scratch dir under target/e2e-tmp");
        Self { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Copies the folder `from` to `to` (created), files and subfolders.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}
