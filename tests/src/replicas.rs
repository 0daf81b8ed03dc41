//! Companion replicas for scale-out tests: the same providers and cookie key, one port each,
//! all configured with the load balancer's address as their `public_url`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::paths::{dist_dir, latchkey_bin, ScratchDir};
use crate::process::{free_port, Service};

/// A set of running replicas; each can be restarted on its own port.
#[derive(Debug)]
pub struct Replicas {
    // Processes stop before their config dir goes.
    running: Vec<Option<Service>>,
    _dir: ScratchDir,
    configs: Vec<PathBuf>,
    ports: Vec<u16>,
    env: Vec<(String, String)>,
    starts: usize,
}

impl Replicas {
    /// Starts `count` replicas serving the built app with `providers` (`[[provider]]` tables)
    /// behind `public_url`, sharing one fresh cookie key; `env` adds variables such as the
    /// consumer secret. Waits until each answers `/healthz` on its own port.
    pub async fn start(
        count: usize,
        public_url: &str,
        providers: &[String],
        env: &[(&str, &str)],
    ) -> Self {
        let dir = ScratchDir::new("replicas");
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        env.push(("LATCHKEY_COOKIE_KEY".into(), crate::random_key_base64()));
        // tower_http's per-request lines name each replica's requests in its own log.
        env.push((
            "RUST_LOG".into(),
            "info,latchkey=debug,latchkey_companion=debug,tower_http=debug".into(),
        ));
        env.push(("NO_COLOR".into(), "1".into()));
        let mut configs = Vec::new();
        let mut ports = Vec::new();
        for i in 0..count {
            let port = free_port();
            let config = format!(
                "[server]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"{public_url}\"\n\
                 static_dir = {dist:?}\nallowed_origins = []\n{providers}",
                dist = dist_dir().display().to_string(),
                providers = providers.concat(),
            );
            let path = dir.path().join(format!("latchkey-{i}.toml"));
            std::fs::write(&path, config).expect("write a replica's latchkey.toml");
            configs.push(path);
            ports.push(port);
        }
        let mut replicas = Self {
            running: (0..count).map(|_| None).collect(),
            _dir: dir,
            configs,
            ports,
            env,
            starts: 0,
        };
        for i in 0..count {
            replicas.launch(i).await;
        }
        replicas
    }

    async fn launch(&mut self, i: usize) {
        self.starts += 1;
        let mut command = Command::new(latchkey_bin());
        command.arg("serve").arg("--config").arg(&self.configs[i]);
        for (k, v) in &self.env {
            command.env(k, v);
        }
        // A new log per start, so a restart keeps the earlier life's log.
        let name = format!("replica-{i}-start-{}", self.starts);
        let mut service = Service::spawn(&name, command);
        service
            .wait_ready(
                &format!("http://{}/healthz", self.addr(i)),
                Duration::from_secs(30),
            )
            .await;
        self.running[i] = Some(service);
    }

    /// How many replicas there are.
    pub fn len(&self) -> usize {
        self.ports.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ports.is_empty()
    }

    /// `127.0.0.1:<port>` of replica `i`, as nginx's `$upstream_addr` names it.
    pub fn addr(&self, i: usize) -> String {
        format!("127.0.0.1:{}", self.ports[i])
    }

    /// Every replica's address, for the load balancer's config.
    pub fn addrs(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.addr(i)).collect()
    }

    /// Which replica has address `addr`.
    pub fn index_of(&self, addr: &str) -> Option<usize> {
        (0..self.len()).find(|&i| self.addr(i) == addr)
    }

    /// Stops replica `i` (SIGTERM to its process group, then SIGKILL) and starts it again on
    /// the same port with the same config and key; waits until it answers.
    pub async fn restart(&mut self, i: usize) {
        drop(self.running[i].take());
        // Nothing may answer on the port between the two lives.
        let refused = reqwest::Client::new()
            .get(format!("http://{}/healthz", self.addr(i)))
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        assert!(
            refused.is_err(),
            "replica {i} still answers after being stopped"
        );
        self.launch(i).await;
    }

    /// The log of replica `i`'s current life.
    pub fn log(&self, i: usize) -> String {
        self.running[i]
            .as_ref()
            .map(Service::log_text)
            .unwrap_or_default()
    }
}
