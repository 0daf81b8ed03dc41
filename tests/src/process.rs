//! Child processes that always die with the test: each one leads its own process group, the
//! whole group is killed on drop, and its output goes to a log file whose tail is printed when
//! the test fails.

use std::fs::{File, OpenOptions};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running child process group with its log.
#[derive(Debug)]
pub struct Service {
    name: String,
    child: Child,
    log: PathBuf,
    /// Set once [`Service::stop`] has ended the group, so that it is not signalled again
    /// (its id may belong to another process group by then).
    stopped: bool,
}

impl Service {
    /// Spawns `command` in a new process group, stdout and stderr to `<log_dir>/<name>.log`.
    pub fn spawn(name: &str, command: Command) -> Self {
        let log = crate::paths::log_dir().join(format!("{name}.log"));
        let out = File::create(&log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
        Self::spawn_to(name, command, log, out)
    }

    /// Stops this process group and spawns `command` in its place, its output appended to the
    /// same log (a server restarted with new settings).
    pub fn restart(&mut self, command: Command) {
        self.stop();
        let out = OpenOptions::new()
            .append(true)
            .open(&self.log)
            .unwrap_or_else(|e| panic!("open {}: {e}", self.log.display()));
        *self = Self::spawn_to(&self.name, command, self.log.clone(), out);
    }

    fn spawn_to(name: &str, mut command: Command, log: PathBuf, out: File) -> Self {
        let err = out.try_clone().expect("clone a log file handle");
        command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {name} ({command:?}): {e}"));
        Self {
            name: name.to_owned(),
            child,
            log,
            stopped: false,
        }
    }

    /// The log file.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The last `lines` lines of the log.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The whole log.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics, with the log tail, when the process has already exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited early ({status}); last lines of {}:\n{}",
                self.name,
                self.log.display(),
                self.log_tail(40)
            );
        }
    }

    /// Polls `url` until it answers 2xx, for at most `timeout`; panics with the log tail if it
    /// never does or the process dies first.
    pub async fn wait_ready(&mut self, url: &str, timeout: Duration) {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("build an HTTP client");
        let start = Instant::now();
        loop {
            self.assert_running();
            if let Ok(resp) = http.get(url).send().await {
                if resp.status().is_success() {
                    return;
                }
            }
            if start.elapsed() > timeout {
                panic!(
                    "{} did not answer {url} within {timeout:?}; last lines of {}:\n{}",
                    self.name,
                    self.log.display(),
                    self.log_tail(40)
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Sends `signal` to the child's whole process group.
    ///
    /// Not through `/usr/bin/kill`: procps-ng 4.0.2 parses `kill -TERM -12345` as
    /// `kill(-1, SIGTERM)` (it reads only the first digit), which signals every process on
    /// the machine.
    fn signal_group(&self, signal: libc::c_int) {
        let Ok(pgid) = libc::pid_t::try_from(self.child.id()) else {
            return;
        };
        if pgid <= 1 {
            return;
        }
        // SAFETY: kill(2) takes plain integers and touches no memory; a negative pid names
        // the process group this Service created with `process_group(0)`.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }

    /// Ends the process group: SIGTERM, up to 3 s to exit, then SIGKILL.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        self.signal_group(libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The leader may be gone while children (a browser's renderers) linger: kill the group.
        self.signal_group(libc::SIGKILL);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "---- {} log ({}), last lines ----\n{}\n---- end of {} log ----",
                self.name,
                self.log.display(),
                self.log_tail(40),
                self.name
            );
        }
        self.stop();
    }
}

/// A free TCP port on 127.0.0.1 (bound, read and released: good enough on a test machine),
/// never one this process has handed out before. The kernel may give a just-released port to
/// the very next `bind(:0)`: two replicas once got the same port that way, the second failed
/// to listen, and the first answered its health check for it (docs/notes/scale-out.md).
pub fn free_port() -> u16 {
    static HANDED_OUT: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("bind 127.0.0.1:0");
        let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
        if handed_out.insert(port) {
            return port;
        }
    }
}
