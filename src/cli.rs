//! The command line: `dbdeck [URL]` opens the TUI; subcommands manage
//! connections and stream keys for scripts.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A keyboard-driven terminal explorer for Redis, PostgreSQL and SQLite (MongoDB to follow).
#[derive(Debug, Parser)]
#[command(name = "dbdeck", version)]
pub struct Cli {
    /// Open the TUI on this URL (redis://, rediss://, unix://, postgres://,
    /// sqlite://, or an SQLite file's path) instead of the
    /// saved connections.
    pub url: Option<String>,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Read settings from this file instead of ~/.config/dbdeck/config.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Store connections in this registry: sqlite://PATH or postgres://…
    #[arg(long, global = true, value_name = "URL", env = "DBDECK_REGISTRY")]
    pub registry: Option<String>,

    /// Write the log here instead of ~/.local/state/dbdeck/dbdeck.log.
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// Also serve the REST API on this address while the TUI runs.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage saved connections.
    #[command(subcommand)]
    Conn(ConnCommand),
    /// Stream the keys of a Redis database with type, TTL and size.
    Keys(KeysArgs),
    /// Run one SQL statement and print its rows as CSV (or JSON lines).
    Sql(SqlArgs),
    /// Write every row of a table or statement to a CSV or JSON Lines file.
    Export(ExportArgs),
    /// Serve the REST API without the TUI (Ctrl-C or SIGTERM stops it).
    Serve(ServeArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once. Once any token exists, the API
    /// requires one on every request but /healthz.
    Create {
        #[arg(long)]
        name: String,
        /// read, write (also changes data) or admin (also connections and
        /// tokens).
        #[arg(long, default_value = "read")]
        scope: String,
        /// Limit the token to this connection; repeat for several.
        #[arg(long = "conn", value_name = "NAME")]
        connections: Vec<String>,
        /// How long the token lives, such as 30d or 12h (default: for ever).
        #[arg(long, value_name = "DURATION")]
        expires: Option<String>,
    },
    /// List tokens (never their text).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token; it stops working at once.
    Revoke { name: String },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (default: `api.listen` in the config,
    /// 127.0.0.1:7411). Only loopback addresses until API tokens exist.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Subcommand)]
pub enum ConnCommand {
    /// Save a connection. Put a password in the URL percent-encoded; it is
    /// stored encrypted and never shown again.
    Add {
        name: String,
        url: String,
        /// Refuse every write through this connection.
        #[arg(long)]
        read_only: bool,
    },
    /// List saved connections, passwords masked.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a saved connection.
    Rm { name: String },
    /// Connect and report latency, version, mode and memory used.
    Test {
        /// A connection name or a URL.
        conn: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// A connection name or a URL (postgres://…, sqlite://…, or a file).
    pub conn: String,
    /// One statement.
    pub statement: String,
    /// The most rows to print (default: `limits.sql_row_cap`).
    #[arg(long)]
    pub limit: Option<usize>,
    /// One JSON object per row instead of CSV.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["table", "sql"])))]
pub struct ExportArgs {
    /// A connection name or a URL.
    pub conn: String,
    /// A table or view: `schema.table`, or just `table` in the default
    /// schema (public, or SQLite's main).
    #[arg(long)]
    pub table: Option<String>,
    /// A statement whose rows to export instead of a table.
    #[arg(long)]
    pub sql: Option<String>,
    /// With --table: only rows matching this WHERE condition.
    #[arg(long = "where", value_name = "CONDITION")]
    pub filter: Option<String>,
    /// With --table: in this ORDER BY order.
    #[arg(long, value_name = "COLUMNS")]
    pub order: Option<String>,
    /// The file to write: CSV, or JSON Lines when it ends in .jsonl.
    #[arg(long, short)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    /// A connection name or a URL.
    pub conn: String,

    /// A Redis glob pattern (or plain text with --literal). Default: all keys.
    #[arg(long = "match", value_name = "PATTERN")]
    pub pattern: Option<String>,

    /// Treat --match as plain text to find anywhere in the key.
    #[arg(long)]
    pub literal: bool,

    /// Only keys of this type (string, hash, list, set, zset, stream, …).
    #[arg(long = "type", value_name = "TYPE")]
    pub key_type: Option<String>,

    /// The database number (default: the one in the URL, else 0).
    #[arg(long)]
    pub db: Option<u32>,

    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}
