//! The processes a fault test runs and breaks: the release binary, its own Redis, a local
//! SMTP server, and the machine's PostgreSQL cluster (stopped and started again).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on the loopback interface (bound, read, released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

pub fn workdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "werkmatch-faults-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).expect("work folder");
    dir
}

fn wait_for_port(port: u16, up: bool, within: Duration) {
    let started = Instant::now();
    while started.elapsed() < within {
        let open = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
        if open == up {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "port {port} did not become {}",
        if up { "open" } else { "closed" }
    );
}

/// A Redis server of the test's own, on its own port, keeping nothing on disk: a restart
/// comes back empty.
pub struct Redis {
    pub port: u16,
    child: Option<Child>,
}

impl Redis {
    pub fn start() -> Redis {
        let mut redis = Redis {
            port: free_port(),
            child: None,
        };
        redis.up();
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn up(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs");
        self.child = Some(child);
        wait_for_port(self.port, true, Duration::from_secs(10));
    }

    /// SIGKILL: the outage an operator fears, not a clean shutdown.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        wait_for_port(self.port, false, Duration::from_secs(10));
    }

    /// How many keys match `pattern` (to see feeds cached again after a restart).
    pub fn keys(&self, pattern: &str) -> usize {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--scan", "--pattern", pattern])
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).lines().count()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The machine's PostgreSQL cluster, and a database of this test's own in it.
pub struct Postgres {
    pub database: String,
}

fn pg_version() -> String {
    std::fs::read_dir("/etc/postgresql")
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .unwrap_or_else(|| "15".into())
}

fn psql(database: &str, sql: &str) {
    let status = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-qc",
            sql,
        ])
        .stdout(Stdio::null())
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql: {sql}");
}

impl Postgres {
    pub fn fresh(name: &str) -> Postgres {
        let database = format!("werkmatch_fault_{name}");
        psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
        );
        psql("postgres", &format!("CREATE DATABASE {database}"));
        Postgres { database }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.database)
    }

    fn ctl(action: &str) {
        let mut args = vec![pg_version(), "main".into(), action.into()];
        if action == "stop" {
            args.extend(["-m".into(), "fast".into()]);
        }
        let status = Command::new("pg_ctlcluster")
            .arg("--skip-systemctl-redirect")
            .args(&args)
            .status()
            .expect("pg_ctlcluster runs");
        assert!(status.success(), "pg_ctlcluster {action}");
    }

    pub fn stop() {
        Self::ctl("stop");
        wait_for_port(5432, false, Duration::from_secs(30));
    }

    pub fn start() {
        Self::ctl("start");
        wait_for_port(5432, true, Duration::from_secs(30));
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Whatever happened, leave the cluster running for whatever runs next.
        if std::net::TcpStream::connect(("127.0.0.1", 5432)).is_err() {
            Self::start();
        }
    }
}

/// A local SMTP server (aiosmtpd) that logs each message's `Message-ID`, optionally slowly.
pub struct Smtp {
    pub port: u16,
    pub log: PathBuf,
    delay: f64,
    child: Option<Child>,
}

impl Smtp {
    pub fn start(dir: &std::path::Path, delay_seconds: f64) -> Smtp {
        let mut smtp = Smtp {
            port: free_port(),
            log: dir.join("smtp.log"),
            delay: delay_seconds,
            child: None,
        };
        smtp.up();
        smtp
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn up(&mut self) {
        let python = std::env::var("FAULTS_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/faults/smtp_sink.py");
        let child = Command::new(python)
            .args([
                script,
                &self.port.to_string(),
                &self.log.display().to_string(),
                &self.delay.to_string(),
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("the SMTP sink runs (aiosmtpd installed?)");
        self.child = Some(child);
        wait_for_port(self.port, true, Duration::from_secs(20));
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        wait_for_port(self.port, false, Duration::from_secs(10));
    }

    /// Deliveries so far: Message-ID → how many times it arrived.
    pub fn deliveries(&self) -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for line in std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
        {
            *seen.entry(line.trim().to_owned()).or_default() += 1;
        }
        seen
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The release binary, serving.
pub struct Server {
    pub port: u16,
    pub log: PathBuf,
    child: Option<Child>,
}

pub const JWT_SECRET: &str = "fault-secret-fault-secret-fault-secret-0123";

impl Server {
    pub fn binary() -> PathBuf {
        std::env::var("WERKMATCH_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/target/release/werkmatch"
                ))
            })
    }

    /// Starts an instance in `dir` with these settings on top of the harness's own.
    pub fn start(dir: &std::path::Path, name: &str, vars: &[(&str, String)]) -> Server {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let mut cmd = Command::new(Self::binary());
        cmd.arg("serve")
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("APP_ENV", "test")
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("WORKERS", "2")
            .env("JWT_SECRET", JWT_SECRET)
            .env("ACCESS_TOKEN_TTL_SECONDS", "7200")
            .env("ARGON2_MEMORY_KIB", "64")
            .env("ARGON2_ITERATIONS", "1")
            .env("RATE_LIMIT_REGISTRATIONS_PER_HOUR", "1000000")
            .env("RATE_LIMIT_SWIPES_PER_DAY", "1000000")
            .env("OUTBOX_POLL_INTERVAL_MS", "200")
            .env("RUST_LOG", "warn")
            .env("MAIL_DIR", dir.join(format!("{name}-mail")));
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let file = std::fs::File::create(&log).expect("log file");
        let child = cmd
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .expect("the release binary runs (cargo build --release first)");
        let mut server = Server {
            port,
            log,
            child: Some(child),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(Ok(Some(status))) = server.child.as_mut().map(|c| c.try_wait()) {
                panic!(
                    "{name} exited with {status}: {}",
                    std::fs::read_to_string(&server.log).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{name} did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGTERM, and wait for the process to end; returns how long it took and whether it
    /// exited 0.
    pub fn terminate(&mut self) -> (Duration, bool) {
        let started = Instant::now();
        let mut clean = false;
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) with a pid this process spawned and has not reaped yet.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
            }
            clean = child.wait().is_ok_and(|s| s.success());
        }
        (started.elapsed(), clean)
    }

    /// Whether the log has a panic in it.
    pub fn panicked(&self) -> bool {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .contains("panicked")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
