//! The MongoDB wire-protocol stand-in `nx-27017` (see DESIGN.md, "Tests and
//! real servers"): one instance per test binary on a free loopback port,
//! with in-memory databases and its own pid and log files. Each test uses
//! its own database name, so tests never see each other's documents.
//!
//! The stand-in lives in a virtualenv (`~/.cache/dbdeck/nx-27017`, or the
//! executable named by `DBDECK_NX27017`). scripts/test creates it; when it
//! is missing, the first test binary creates it under a file lock, so plain
//! `cargo test` works too and parallel binaries never race.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use dbdeck::domain::{ConnectTarget, Kind, ProfileId};
use tempfile::TempDir;

/// The stand-in's version, as DESIGN.md names it.
const VERSION: &str = "0.8.1";

/// How long a fresh stand-in gets to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(30);

/// A running stand-in.
pub struct MongoServer {
    port: u16,
    child: Child,
    /// Holds the pid and log files until the server is gone.
    _dir: TempDir,
}

impl MongoServer {
    /// The test binary's shared stand-in, started on first use. It is
    /// spawned with a parent-death signal from a thread that never ends, so
    /// it dies with the test binary even though a static is never dropped.
    pub fn shared() -> &'static MongoServer {
        static SERVER: OnceLock<MongoServer> = OnceLock::new();
        SERVER.get_or_init(|| {
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = sender.send(Self::start());
                // The child's death signal follows this thread's exit.
                loop {
                    std::thread::park();
                }
            });
            receiver.recv().expect("the stand-in's starter thread")
        })
    }

    /// Starts a stand-in owned by the caller, killed on drop.
    pub fn start() -> Self {
        let executable = executable();
        // Another process may take the free port before the server binds it.
        for _ in 0..5 {
            let dir = tempfile::tempdir().expect("a temporary directory for nx-27017");
            let port = free_port();
            let child = spawn(&executable, port, &dir);
            let mut server = Self {
                port,
                child,
                _dir: dir,
            };
            if server.wait_ready() {
                return server;
            }
        }
        panic!("nx-27017 did not start; see scripts/test for how it is installed");
    }

    /// `mongodb://127.0.0.1:PORT/db`
    pub fn url(&self, db: &str) -> String {
        format!("mongodb://127.0.0.1:{}/{db}", self.port)
    }

    /// A connection target whose URL names `db` as its default database.
    pub fn target(&self, id: i64, db: &str) -> ConnectTarget {
        ConnectTarget {
            id: ProfileId(id),
            name: format!("mongo-test-{id}"),
            kind: Kind::Mongo,
            url: self.url(db),
            password: None,
            read_only: false,
            revision: 0,
        }
    }

    /// A client of the `mongodb` crate, for seeding and checking from
    /// outside dbdeck.
    pub async fn client(&self) -> mongodb::Client {
        mongodb::Client::with_uri_str(self.url("admin"))
            .await
            .expect("a seeding client for the stand-in")
    }

    /// Polls until the port accepts connections from this child; false if
    /// it exited first (the port was taken, say).
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                // Still ours: a server already on the port makes ours exit.
                return matches!(self.child.try_wait(), Ok(None));
            }
            // Polling the readiness condition, not waiting for a result.
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        false
    }
}

impl Drop for MongoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(executable: &PathBuf, port: u16, dir: &TempDir) -> Child {
    Command::new("setpriv")
        .args(["--pdeathsig", "KILL", "--"])
        .arg(executable)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--data-dir", "memory"])
        .arg("--pid-file")
        .arg(dir.path().join("nx.pid"))
        .arg("--log-file")
        .arg(dir.path().join("nx.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("setpriv (util-linux) and the nx-27017 executable")
}

/// The stand-in's executable, installing it into its virtualenv first when
/// it is missing.
fn executable() -> PathBuf {
    if let Some(path) = std::env::var_os("DBDECK_NX27017") {
        return PathBuf::from(path);
    }
    let venv = cache_dir().join("nx-27017");
    let executable = venv.join("bin").join("nx-27017");
    if !executable.exists() {
        install(&venv);
    }
    executable
}

fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .expect("HOME or XDG_CACHE_HOME");
    base.join("dbdeck")
}

/// Creates the virtualenv under `flock`, so that of several test binaries
/// starting at once one installs and the others wait, then find it there.
fn install(venv: &std::path::Path) {
    let parent = venv.parent().expect("the cache directory");
    std::fs::create_dir_all(parent).expect("the cache directory");
    let script = format!(
        "[ -x \"$1/bin/nx-27017\" ] || {{ python3 -m venv \"$1\" && \
         \"$1/bin/pip\" install -q nx-27017=={VERSION}; }}"
    );
    let status = Command::new("flock")
        .arg(parent.join("nx-27017.lock"))
        .args(["sh", "-c", &script, "install"])
        .arg(venv)
        .status()
        .expect("flock (util-linux) and python3");
    assert!(status.success(), "installing nx-27017 {VERSION} failed");
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}
