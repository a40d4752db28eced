//! The servers under test, each a child process on a free loopback port with its stderr in a
//! log file: the pixel app's `serve` with its default configuration, the Express peer, and the
//! bare axum baseline.

use std::fs::File;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{TOKEN, WEBSHOP_ID};

/// Where the programs under test are.
#[derive(Clone, Debug)]
pub struct Programs {
    /// The pixel example's release binary.
    pub pixel: PathBuf,
    /// The `bare-axum` binary.
    pub bare: PathBuf,
    /// `bench/express-peer` (with its `node_modules`).
    pub peer_dir: PathBuf,
    /// `node`.
    pub node: PathBuf,
    /// Extra environment for the pixel (diagnostics only: the benchmark's figures are for
    /// the default configuration, with none).
    pub pixel_env: Vec<(String, String)>,
}

/// Which program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    /// `pixel serve`.
    Pixel,
    /// `node server.js`.
    Peer,
    /// `bare-axum`.
    Bare,
}

/// A server under test. Killed when dropped.
pub struct Server {
    program: Program,
    child: Option<Child>,
    /// Its address.
    pub addr: SocketAddr,
    /// Its stderr.
    pub log: PathBuf,
}

impl Server {
    /// Starts `program` (`database`: the pixel's `DATABASE_URL` or the peer's SQLite file;
    /// unused by the bare server), logging to `log`, and waits until `/healthz` answers.
    pub fn start(programs: &Programs, program: Program, database: &str, log: &Path) -> Self {
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut command = match program {
            Program::Pixel => {
                let mut command = Command::new(&programs.pixel);
                // `serve` exactly as a user deploys it: the default configuration (webhooks
                // through the durable inbox, 4 workers), logging at the default level (info:
                // one line per callback) to stderr, which is a file.
                command
                    .arg("serve")
                    .env_remove("RUST_LOG")
                    .env_remove("SHOPORAMA_LOG_FORMAT")
                    .env("DATABASE_URL", database);
                for (name, _) in std::env::vars_os() {
                    if name.to_string_lossy().starts_with("SHOPORAMA_") {
                        command.env_remove(name);
                    }
                }
                command.envs(programs.pixel_env.iter().map(|(k, v)| (k, v)));
                command
            }
            Program::Peer => {
                let mut command = Command::new(&programs.node);
                command
                    .arg(programs.peer_dir.join("server.js"))
                    .arg("--port")
                    .arg(port.to_string())
                    .arg("--db")
                    .arg(database)
                    .current_dir(&programs.peer_dir)
                    .env("NODE_ENV", "production");
                command
            }
            Program::Bare => Command::new(&programs.bare),
        };
        let log_file = File::create(log)
            .unwrap_or_else(|e| panic!("cannot create the log file {}: {e}", log.display()));
        command
            .env("SHOPORAMA_APP_TOKEN", TOKEN)
            .env("SHOPORAMA_LISTEN", addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program:?} ({command:?}): {e}"));
        let mut server = Self {
            program,
            child: Some(child),
            addr,
            log: log.to_owned(),
        };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            if let Ok(mut stream) = TcpStream::connect(self.addr) {
                let _ = stream
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut answer = String::new();
                let _ = stream.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.1 200") {
                    return;
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "{:?} exited at start ({status}); its log {}:\n{}",
                    self.program,
                    self.log.display(),
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{:?} did not answer /healthz on {} within 60 s (log: {})",
                self.program,
                self.addr,
                self.log.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Installs the benchmark's shop through `pixel simulate install` (the pixel only).
    pub fn install(&self, programs: &Programs) {
        assert_eq!(self.program, Program::Pixel, "only the pixel is installed");
        let output = Command::new(&programs.pixel)
            .args(["simulate", "install", "--url"])
            .arg(format!("http://{}/callback", self.addr))
            .arg("--webshop-id")
            .arg(WEBSHOP_ID.to_string())
            .env("SHOPORAMA_APP_TOKEN", TOKEN)
            .output()
            .expect("`pixel simulate install` runs");
        assert!(
            output.status.success(),
            "`pixel simulate install` failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Its resident memory, in KiB.
    pub fn rss_kib(&self) -> u64 {
        shoporama_app_tests::rss_kib(self.pid())
    }

    /// The CPU time it has used so far (user and system, all threads), in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        // Clock ticks of 10 ms (Linux's `USER_HZ`).
        let ticks = shoporama_app_tests::cpu_ticks(self.pid());
        Duration::from_millis(ticks.saturating_mul(10)).as_secs_f64()
    }

    /// Whether it is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// SIGTERM, then up to `grace` for it to exit (SIGKILL after that): how it exited, or
    /// `Err` when it had to be killed.
    pub fn terminate(&mut self, grace: Duration) -> Result<ExitStatus, String> {
        let Some(mut child) = self.child.take() else {
            return Err("not running".to_owned());
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + grace;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("did not exit within {grace:?} of SIGTERM: killed"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What its log says went wrong: the number of such lines, and the first few. For the
    /// pixel: lines at WARN or ERROR; for the others: any line but their start and stop notes.
    pub fn log_problems(&self) -> LogSummary {
        let mut summary = LogSummary::default();
        let Ok(file) = File::open(&self.log) else {
            return summary;
        };
        summary.bytes = file.metadata().map_or(0, |m| m.len());
        for line in BufReader::new(file).lines().map_while(Result::ok) {
            summary.lines += 1;
            let problem = match self.program {
                Program::Pixel => {
                    line.contains(" WARN ") || line.contains(" ERROR ") || line.starts_with("error")
                }
                Program::Peer => {
                    !(line.starts_with("express peer on")
                        || line.starts_with("express peer stopped"))
                }
                Program::Bare => true,
            };
            if problem {
                summary.problems += 1;
                if summary.samples.len() < 5 {
                    summary.samples.push(line.chars().take(400).collect());
                }
            }
        }
        summary
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

/// What a server's log held.
#[derive(Clone, Debug, Default)]
pub struct LogSummary {
    /// Its size.
    pub bytes: u64,
    /// Its lines.
    pub lines: u64,
    /// Lines reporting a problem.
    pub problems: u64,
    /// The first few of them.
    pub samples: Vec<String>,
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
