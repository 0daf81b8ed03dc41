//! Debian's nginx as a round-robin load balancer in front of companion replicas, run as the
//! test user from a generated config in a scratch dir (no system paths, no daemon).
//! docs/notes/scale-out.md explains the config.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::paths::ScratchDir;
use crate::process::Service;

/// One line of the access log: which replica answered which request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    /// The method.
    pub method: String,
    /// The path, without the query (it can hold OAuth tokens and verifiers).
    pub path: String,
    /// The status nginx sent.
    pub status: u16,
    /// `$upstream_addr`: the replica(s) tried, e.g. `127.0.0.1:41234` or `a, b` after a retry.
    pub upstream: String,
}

/// A running nginx.
#[derive(Debug)]
pub struct Nginx {
    // The process goes before its prefix dir.
    service: Service,
    dir: ScratchDir,
    port: u16,
}

impl Nginx {
    /// Writes the config for `listen_port` balancing over `upstreams` (`127.0.0.1:<port>`
    /// each), starts nginx in the foreground and waits until `/healthz` answers through it.
    pub async fn start(listen_port: u16, upstreams: &[String]) -> Self {
        let dir = ScratchDir::new("nginx");
        let mut service = spawn(&dir, &config(dir.path(), listen_port, upstreams));
        service
            .wait_ready(
                &format!("http://127.0.0.1:{listen_port}/healthz"),
                Duration::from_secs(20),
            )
            .await;
        Self {
            service,
            dir,
            port: listen_port,
        }
    }

    /// `http://127.0.0.1:<port>`: the public URL of the replicas.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process (its stdout and stderr).
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Every request nginx has logged so far, oldest first.
    pub fn routed(&self) -> Vec<Routed> {
        let text =
            std::fs::read_to_string(self.dir.path().join("logs/access.log")).unwrap_or_default();
        text.lines().filter_map(parse_line).collect()
    }

    /// The requests for `path` logged so far.
    pub fn routed_for(&self, path: &str) -> Vec<Routed> {
        self.routed()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// Waits (up to 10 s) until `path` has been logged `n` times (nginx logs after answering)
    /// and returns those requests.
    pub async fn wait_routed(&self, path: &str, n: usize) -> Vec<Routed> {
        for _ in 0..100 {
            let seen = self.routed_for(path);
            if seen.len() >= n {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "nginx never logged {n} request(s) for {path}; its log:\n{:#?}",
            self.routed()
        );
    }

    /// The replica the last logged request went to (its last try, after a retry).
    pub fn last_upstream(&self) -> Option<String> {
        self.routed().last().map(|r| last_try(&r.upstream))
    }

    /// Makes `replica` (`127.0.0.1:<port>`) the one round-robin picks next, by sending
    /// `/healthz` through nginx until the last logged request went to the other one.
    /// Holds while nothing else is sent through nginx meanwhile.
    pub async fn steer_next_to(&self, replica: &str) {
        let http = reqwest::Client::new();
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            match self.last_upstream() {
                Some(last) if last != replica => return,
                _ => {
                    let _ = http.get(format!("{}/healthz", self.origin())).send().await;
                }
            }
        }
        panic!(
            "could not steer nginx's round-robin towards {replica}; its log:\n{:#?}",
            self.routed()
        );
    }
}

/// Writes `conf` as `<dir>/nginx.conf` and starts nginx in the foreground with `dir` as its
/// prefix (its logs in `<dir>/logs`, its temp files in `<dir>/tmp`).
pub(crate) fn spawn(dir: &ScratchDir, conf: &str) -> Service {
    for sub in ["logs", "tmp"] {
        std::fs::create_dir_all(dir.path().join(sub)).expect("create nginx's dirs");
    }
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("write nginx.conf");
    let nginx = std::env::var("NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".into());
    let mut command = Command::new(nginx);
    command
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(&conf_path)
        // The log nginx opens before it has read the config (else /var/log/nginx/error.log).
        .arg("-e")
        .arg(dir.path().join("logs/error.log"));
    Service::spawn("nginx", command)
}

/// The top of every generated config: the user, the foreground mode, and every path nginx
/// would otherwise take from the system (pid, error log, temp dirs) inside `prefix`. The
/// caller's `http` block goes after it; this opens it.
pub(crate) fn config_head(prefix: &Path) -> String {
    let p = prefix.display();
    // As root, nginx would hand its workers to `nobody`, who cannot read the scratch dir.
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    let user = if unsafe { libc::geteuid() } == 0 {
        "user root;\n"
    } else {
        ""
    };
    format!(
        "{user}daemon off;
worker_processes 1;
pid {p}/logs/nginx.pid;
error_log {p}/logs/error.log info;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {p}/tmp/client_body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
"
    )
}

/// The replica a `$upstream_addr` value ended on (`a, b` after nginx retried on `b`).
pub fn last_try(upstream: &str) -> String {
    upstream
        .rsplit(", ")
        .next()
        .unwrap_or(upstream)
        .trim()
        .to_owned()
}

fn parse_line(line: &str) -> Option<Routed> {
    // `routed <method> <path> <status> <upstream...>` (the log_format below).
    let rest = line.strip_prefix("routed ")?;
    let mut parts = rest.splitn(4, ' ');
    Some(Routed {
        method: parts.next()?.to_owned(),
        path: parts.next()?.to_owned(),
        status: parts.next()?.parse().ok()?,
        upstream: parts.next()?.trim().to_owned(),
    })
}

fn config(prefix: &Path, port: u16, upstreams: &[String]) -> String {
    let p = prefix.display();
    let servers: String = upstreams
        .iter()
        .map(|u| format!("        server {u};\n"))
        .collect();
    let head = config_head(prefix);
    format!(
        "# Generated by tests/src/nginx.rs; see docs/notes/scale-out.md.
{head}    # The path only: queries carry OAuth tokens and verifiers.
    log_format routed 'routed $request_method $uri $status $upstream_addr';
    access_log {p}/logs/access.log routed;
    upstream latchkey {{
        # Round-robin (nginx's default), no stickiness: any replica may get any request.
{servers}        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://latchkey;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            # The browser's Host, so each replica sees the public URL it is configured with.
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A replica that is restarting refuses connections: try the next one. nginx does
            # not resend a request that has reached a replica unless it is idempotent.
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_access_log_line_reads_back() {
        let r = parse_line("routed GET /oauth1/flask/callback 302 127.0.0.1:4000, 127.0.0.1:4001")
            .unwrap();
        assert_eq!(r.path, "/oauth1/flask/callback");
        assert_eq!(r.status, 302);
        assert_eq!(last_try(&r.upstream), "127.0.0.1:4001");
        assert_eq!(last_try("127.0.0.1:4000"), "127.0.0.1:4000");
    }
}
