//! A private `redis-server` per test: its own free loopback port, its own
//! temporary directory, no persistence, killed on drop.
//!
//! Seeding goes through the `redis` crate's blocking API, which is plain and
//! keeps the tests' own setup out of the async code under test.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dbdeck::domain::{ConnectTarget, Kind, ProfileId, Secret};
use tempfile::TempDir;

/// How long a fresh server gets to answer PING.
const READY_WITHIN: Duration = Duration::from_secs(10);

/// A running `redis-server` owned by one test.
pub struct RedisServer {
    port: u16,
    args: Vec<String>,
    dir: TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a server with the defaults.
    pub fn start() -> Self {
        Self::with_args(&[])
    }

    /// Starts a server with extra arguments, such as
    /// `["--rename-command", "CONFIG", ""]` or `["--databases", "32"]`.
    pub fn with_args(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for redis-server");
        let args = args.iter().map(|a| (*a).to_owned()).collect();
        let mut server = Self {
            port: 0,
            args,
            dir,
            child: None,
        };
        // Another process may take the free port before the server binds it.
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!("redis-server did not start; is it installed (scripts/test installs it)?");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A connection target for the driver, built without the registry.
    pub fn target(&self, id: i64) -> ConnectTarget {
        ConnectTarget {
            id: ProfileId(id),
            name: format!("test-{id}"),
            kind: Kind::Redis,
            url: self.url(),
            password: None,
            read_only: false,
            revision: 0,
        }
    }

    /// A target that logs in as `user` with `password`.
    pub fn target_as(&self, id: i64, user: &str, password: &str) -> ConnectTarget {
        ConnectTarget {
            url: format!("redis://{user}@127.0.0.1:{}", self.port),
            password: Some(Secret::new(password)),
            ..self.target(id)
        }
    }

    /// A blocking connection to database 0 as the default user, for seeding.
    pub fn conn(&self) -> redis::Connection {
        self.conn_db(0)
    }

    /// Publishes from outside dbdeck; returns how many subscribers got it.
    pub fn publish(&self, channel: &[u8], payload: &[u8]) -> u64 {
        redis::cmd("PUBLISH")
            .arg(channel)
            .arg(payload)
            .query(&mut self.conn())
            .expect("PUBLISH")
    }

    /// How many connections of the pub/sub kind the server has open.
    pub fn pubsub_clients(&self) -> usize {
        let list: String = redis::cmd("CLIENT")
            .arg("LIST")
            .arg("TYPE")
            .arg("pubsub")
            .query(&mut self.conn())
            .expect("CLIENT LIST");
        list.lines().count()
    }

    /// A blocking connection to database `db`, for seeding.
    pub fn conn_db(&self, db: u32) -> redis::Connection {
        let url = format!("{}/{db}", self.url());
        redis::Client::open(url)
            .and_then(|client| client.get_connection())
            .expect("a seeding connection to the test server")
    }

    /// Kills the server and waits for it to exit; the port stays reserved
    /// for `restart`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        assert!(
            self.spawn(),
            "redis-server did not restart on port {}",
            self.port
        );
    }

    /// Spawns the process and waits for PING; false if it exited instead.
    fn spawn(&mut self) -> bool {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server on PATH");
        self.child = Some(child);
        let ready = self.wait_ready();
        if !ready {
            self.stop();
        }
        ready
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + READY_WITHIN;
        let url = self.url();
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && matches!(child.try_wait(), Ok(Some(_)))
            {
                self.child = None;
                return false;
            }
            // INFO names the process, so a server another test started on
            // the same port is never mistaken for this one.
            let info = redis::Client::open(url.as_str())
                .and_then(|client| client.get_connection())
                .and_then(|mut conn| redis::cmd("INFO").arg("server").query::<String>(&mut conn));
            if let Ok(info) = info {
                let pid = self.child.as_ref().map(Child::id);
                return pid.is_some_and(|pid| info.contains(&format!("process_id:{pid}\r\n")));
            }
            // Polling the readiness condition, not waiting for a result.
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// How long a fresh cluster gets to report `cluster_state:ok`.
const CLUSTER_READY_WITHIN: Duration = Duration::from_secs(20);

/// Three primaries, no replicas, slots spread by `redis-cli --cluster
/// create`; every node stops when this is dropped.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts three cluster-enabled servers, joins them and waits until
    /// every node says `cluster_state:ok`.
    pub fn start() -> Self {
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| {
                // The cluster bus gets its own free port: the default
                // (port + 10000) may lie beyond 65535.
                let bus = free_port().to_string();
                RedisServer::with_args(&[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-port",
                    &bus,
                ])
            })
            .collect();
        let addresses: Vec<String> = nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port()))
            .collect();
        let status = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli on PATH");
        assert!(status.success(), "redis-cli --cluster create failed");
        let cluster = Self { nodes };
        cluster.wait_ok();
        cluster
    }

    /// A connection target naming the first node; dbdeck finds the others.
    pub fn target(&self, id: i64) -> ConnectTarget {
        self.nodes[0].target(id)
    }

    /// A blocking cluster connection, for seeding across the nodes.
    pub fn conn(&self) -> redis::cluster::ClusterConnection {
        let urls: Vec<String> = self.nodes.iter().map(RedisServer::url).collect();
        redis::cluster::ClusterClient::new(urls)
            .and_then(|client| client.get_connection())
            .expect("a seeding connection to the test cluster")
    }

    /// How many keys each node holds, in node order.
    pub fn dbsizes(&self) -> Vec<u64> {
        self.nodes
            .iter()
            .map(|node| {
                redis::cmd("DBSIZE")
                    .query(&mut node.conn())
                    .expect("DBSIZE of a cluster node")
            })
            .collect()
    }

    /// Moves `count` slots, with their keys, from node `from` to node `to`
    /// (`redis-cli --cluster reshard`), as an operator's reshard would.
    pub fn move_slots(&self, from: usize, to: usize, count: u32) {
        let id = |node: &RedisServer| -> String {
            redis::cmd("CLUSTER")
                .arg("MYID")
                .query(&mut node.conn())
                .expect("CLUSTER MYID")
        };
        let status = Command::new("redis-cli")
            .args(["--cluster", "reshard"])
            .arg(format!("127.0.0.1:{}", self.nodes[from].port()))
            .args(["--cluster-from", &id(&self.nodes[from])])
            .args(["--cluster-to", &id(&self.nodes[to])])
            .args(["--cluster-slots", &count.to_string(), "--cluster-yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli on PATH");
        assert!(status.success(), "redis-cli --cluster reshard failed");
        self.wait_ok();
    }

    fn wait_ok(&self) {
        let deadline = Instant::now() + CLUSTER_READY_WITHIN;
        while Instant::now() < deadline {
            let ready = self.nodes.iter().all(|node| {
                redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query::<String>(&mut node.conn())
                    .is_ok_and(|info| info.contains("cluster_state:ok"))
            });
            if ready {
                return;
            }
            // Polling the readiness condition, not waiting for a result.
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the test cluster did not reach cluster_state:ok");
    }
}

/// A throwaway CA, a server certificate for 127.0.0.1 and a client
/// certificate it signed, made with the openssl CLI.
pub struct TlsFiles {
    dir: TempDir,
}

impl TlsFiles {
    pub fn make() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for TLS files");
        let files = Self { dir };
        files.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=dbdeck test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ]);
        std::fs::write(
            files.path("server.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
        )
        .expect("the server certificate's extensions");
        std::fs::write(files.path("client.ext"), "extendedKeyUsage=clientAuth\n")
            .expect("the client certificate's extensions");
        for name in ["server", "client"] {
            files.openssl(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                &format!("/CN=dbdeck {name}"),
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
            ]);
            files.openssl(&[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &format!("{name}.ext"),
                "-out",
                &format!("{name}.crt"),
            ]);
        }
        files
    }

    /// A file of this set by name (`ca.crt`, `client.key`, …).
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn openssl(&self, args: &[&str]) {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("openssl on PATH");
        assert!(status.success(), "openssl {args:?} failed");
    }
}

/// A server that also listens for TLS, requiring a client certificate.
pub struct TlsRedis {
    pub server: RedisServer,
    pub tls_port: u16,
    pub files: TlsFiles,
}

impl TlsRedis {
    pub fn start() -> Self {
        let files = TlsFiles::make();
        let tls_port = free_port();
        let server = RedisServer::with_args(&[
            "--tls-port",
            &tls_port.to_string(),
            "--tls-cert-file",
            &files.path("server.crt"),
            "--tls-key-file",
            &files.path("server.key"),
            "--tls-ca-cert-file",
            &files.path("ca.crt"),
            "--tls-auth-clients",
            "yes",
        ]);
        Self {
            server,
            tls_port,
            files,
        }
    }

    /// A target for `rediss://127.0.0.1:TLS_PORT?QUERY`.
    pub fn target(&self, query: &str) -> ConnectTarget {
        ConnectTarget {
            url: format!("rediss://127.0.0.1:{}?{query}", self.tls_port),
            ..self.server.target(1)
        }
    }

    /// The client certificate's query parameters.
    pub fn client_cert(&self) -> String {
        format!(
            "tls_cert={}&tls_key={}",
            self.files.path("client.crt"),
            self.files.path("client.key")
        )
    }
}

/// A server that also listens on a unix socket.
pub struct SocketRedis {
    pub server: RedisServer,
    dir: TempDir,
}

impl SocketRedis {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory for the socket");
        let socket = dir.path().join("redis.sock").display().to_string();
        let server = RedisServer::with_args(&["--unixsocket", &socket, "--unixsocketperm", "700"]);
        Self { server, dir }
    }

    pub fn socket(&self) -> String {
        self.dir.path().join("redis.sock").display().to_string()
    }
}
