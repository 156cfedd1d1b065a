//! The edge of the program: settings, logging, the runtime, and running the
//! command the user asked for. Errors here are reports for a person, so this
//! module (with the TUI glue) is where color-eyre is used.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use color_eyre::eyre::{WrapErr as _, bail, eyre};

use crate::cli::{
    Cli, Command, ConnCommand, ExportArgs, KeysArgs, ServeArgs, SqlArgs, TokenCommand,
};
use crate::config::{Paths, Settings};
use crate::domain::Kind;
use crate::domain::export::{ExportFormat, ExportWriter};
use crate::domain::redis::{KeyFilter, KeyInfo, KeyType, Probe, ServerSummary};
use crate::domain::sql::TableRef;
use crate::domain::sql_write::select_all;
use crate::registry::NewProfile;
use crate::service::{Service, ServiceError};
use crate::worker::{Job, Progress, Request, Response};

/// Runs the parsed command line to completion.
pub fn run(cli: Cli) -> color_eyre::Result<()> {
    color_eyre::install()?;
    let paths = Paths::discover();
    let settings = load_settings(&cli, &paths)?;
    let mode = match cli.command {
        None => LogMode::Tui,
        Some(Command::Serve(_)) => LogMode::Serve,
        Some(_) => LogMode::Command,
    };
    let _log_guard = start_logging(&settings, &paths, mode)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let service = Service::open(settings, &paths).await?;
        match cli.command {
            None => tui(service, cli.url, cli.global.listen).await,
            Some(Command::Conn(command)) => conn(&service, command).await,
            Some(Command::Keys(args)) => keys(&service, args).await,
            Some(Command::Sql(args)) => sql(&service, args).await,
            Some(Command::Export(args)) => export(&service, args).await,
            Some(Command::Serve(args)) => serve(service, args).await,
            Some(Command::Token(command)) => token(&service, command).await,
        }
    })
}

/// The TUI, with the API beside it on the same service when asked.
async fn tui(
    service: Arc<Service>,
    url: Option<String>,
    listen: Option<std::net::SocketAddr>,
) -> color_eyre::Result<()> {
    let stop = tokio_util::sync::CancellationToken::new();
    if let Some(addr) = listen {
        // Refused before the terminal is taken, so the message is seen.
        crate::api::listen_policy(&service, addr).await?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .wrap_err_with(|| format!("could not listen on {addr}"))?;
        let (api, stopped) = (Arc::clone(&service), stop.clone());
        tokio::spawn(async move {
            let shutdown = async move { stopped.cancelled().await };
            if let Err(error) = crate::api::serve_on(api, listener, shutdown).await {
                tracing::error!(%error, "the API stopped");
            }
        });
    }
    let result = crate::tui::run(service, url).await;
    stop.cancel();
    result
}

/// `dbdeck serve`: the API alone, until Ctrl-C or SIGTERM.
async fn serve(service: Arc<Service>, args: ServeArgs) -> color_eyre::Result<()> {
    let addr = match args.listen {
        Some(addr) => addr,
        None => service
            .settings()
            .api
            .listen
            .parse()
            .wrap_err("api.listen in the config is not an address such as 127.0.0.1:7411")?,
    };
    eprintln!("dbdeck: serving the API on http://{addr}/api/v1 (Ctrl-C stops)");
    crate::api::serve(service, addr, shutdown_signal()).await?;
    Ok(())
}

async fn token(service: &Service, command: TokenCommand) -> color_eyre::Result<()> {
    match command {
        TokenCommand::Create {
            name,
            scope,
            connections,
            expires,
        } => {
            let scope = crate::domain::token::Scope::parse(&scope)
                .ok_or_else(|| eyre!("scope {scope:?}: use read, write or admin"))?;
            let expires_in = expires
                .as_deref()
                .map(crate::api::parse_lifetime)
                .transpose()
                .map_err(|e| eyre!(e))?;
            let (info, text) = service
                .create_token(name, scope, &connections, expires_in)
                .await?;
            eprintln!(
                "created token {} ({}); it is shown this once:",
                info.name, info.scope
            );
            println!("{text}");
        }
        TokenCommand::List { json } => {
            for info in service.tokens().await? {
                if json {
                    println!("{}", serde_json::to_string(&info)?);
                    continue;
                }
                let connections = match &info.connections {
                    None => "all connections".to_owned(),
                    Some(ids) => format!("{} connection(s)", ids.len()),
                };
                let expires = info.expires_at.as_deref().unwrap_or("never");
                println!(
                    "{}\t{}\t{connections}\texpires {expires}",
                    info.name, info.scope
                );
            }
        }
        TokenCommand::Revoke { name } => {
            let revoked = service.revoke_token(&name).await?;
            println!("revoked {}", revoked.name);
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn load_settings(cli: &Cli, paths: &Paths) -> color_eyre::Result<Settings> {
    let file = cli
        .global
        .config
        .clone()
        .unwrap_or_else(|| paths.config_file());
    if cli.global.config.is_some() && !file.exists() {
        bail!("config file {} does not exist", file.display());
    }
    let mut settings = Settings::load(Some(&file))?;
    if let Some(registry) = &cli.global.registry {
        settings.registry = registry.clone();
    }
    if let Some(log_file) = &cli.global.log_file {
        settings.log_file = log_file.display().to_string();
    }
    Ok(settings)
}

/// Where logs go, and how much of them by default.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LogMode {
    /// The terminal belongs to the TUI: warnings, to a file.
    Tui,
    /// A server's operator reads stderr: requests and warnings.
    Serve,
    /// A command reports its own failure on stderr, so it logs only what
    /// it cannot report.
    Command,
}

/// Logs to a file while the TUI owns the terminal, to stderr otherwise.
fn start_logging(
    settings: &Settings,
    paths: &Paths,
    mode: LogMode,
) -> color_eyre::Result<Option<tracing_appender::non_blocking::WorkerGuard>> {
    use tracing_subscriber::EnvFilter;
    let default = match mode {
        LogMode::Tui => "warn,sqlx=error",
        LogMode::Serve => "info,sqlx=warn",
        LogMode::Command => "error,sqlx=off",
    };
    let filter = EnvFilter::try_from_env("DBDECK_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    if mode != LogMode::Tui {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
        return Ok(None);
    }
    let file = match settings.log_file.as_str() {
        "" => paths.default_log_file(),
        path => PathBuf::from(path),
    };
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    let name = file
        .file_name()
        .ok_or_else(|| eyre!("log file has no name"))?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(dir, name));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .init();
    Ok(Some(guard))
}

async fn conn(service: &Service, command: ConnCommand) -> color_eyre::Result<()> {
    match command {
        ConnCommand::Add {
            name,
            url,
            read_only,
        } => {
            let profile = service
                .add_connection(NewProfile {
                    name,
                    url,
                    read_only,
                })
                .await?;
            println!("added {} ({}) {}", profile.name, profile.kind, profile.url);
        }
        ConnCommand::List { json } => {
            let profiles = service.connections().await?;
            if profiles.is_empty() && !json {
                eprintln!("no connections saved; add one with: dbdeck conn add NAME URL");
            }
            for profile in profiles {
                if json {
                    println!("{}", serde_json::to_string(&profile)?);
                } else {
                    let read_only = if profile.read_only {
                        " [read-only]"
                    } else {
                        ""
                    };
                    let secret = if profile.has_secret {
                        " [password stored]"
                    } else {
                        ""
                    };
                    println!(
                        "{}\t{}\t{}{read_only}{secret}",
                        profile.name, profile.kind, profile.url
                    );
                }
            }
        }
        ConnCommand::Rm { name } => {
            let removed = service.remove_connection(&name).await?;
            println!("removed {}", removed.name);
        }
        ConnCommand::Test { conn, json } => {
            let target = service.target(&conn).await?;
            let job = Job {
                target,
                db: 0,
                request: Request::Test,
            };
            let Response::Tested(summary) = service.run(job).await? else {
                bail!("unexpected reply to a connection test");
            };
            print_summary(&summary, json)?;
        }
    }
    Ok(())
}

fn print_summary(summary: &ServerSummary, json: bool) -> color_eyre::Result<()> {
    if json {
        println!("{}", serde_json::to_string(summary)?);
        return Ok(());
    }
    let human = |probe: Probe<u64>| match probe {
        Probe::Known(bytes) => Probe::Known(bytesize::ByteSize(bytes)),
        Probe::Unavailable => Probe::Unavailable,
    };
    println!("latency      {:.2} ms", summary.latency_ms);
    println!("version      {}", summary.version);
    println!("mode         {}", summary.mode);
    match summary.database_size {
        Probe::Known(_) => println!("size         {}", human(summary.database_size)),
        Probe::Unavailable => println!("used memory  {}", human(summary.used_memory)),
    }
    Ok(())
}

async fn keys(service: &Arc<Service>, args: KeysArgs) -> color_eyre::Result<()> {
    let target = service.target(&args.conn).await?;
    let pattern = args.pattern.unwrap_or_default();
    let filter = if args.literal {
        KeyFilter::Literal(pattern)
    } else {
        KeyFilter::Glob(pattern)
    };
    let key_type = args.key_type.as_deref().map(parse_key_type).transpose()?;
    let scan = service.scan_request(filter, key_type);
    let db = args.db.unwrap_or_else(|| service.default_db(&target));

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let json = args.json;
    let walked = service
        .walk_keys(&target, db, scan, |items| {
            items
                .iter()
                .try_for_each(|info| write_key(&mut out, info, json))?;
            // Each page reaches a pipe as soon as it is read, and a closed
            // pipe (`| head`) stops the walk at the next page.
            out.flush()
        })
        .await;
    match walked {
        Ok(_) => Ok(out.flush()?),
        // The reader went away (`| head`): stopping is what it asked for.
        Err(ServiceError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// `dbdeck sql`: one statement, its rows on stdout.
async fn sql(service: &Arc<Service>, args: SqlArgs) -> color_eyre::Result<()> {
    let target = service.target(&args.conn).await?;
    let cap = args
        .limit
        .unwrap_or(service.settings().limits.sql_row_cap)
        .max(1);
    let request = Request::SqlRun {
        sql: args.statement,
        cap,
        read_only: false,
    };
    let job = Job {
        target,
        db: 0,
        request,
    };
    let Response::Ran(result) = service.run(job).await? else {
        bail!("unexpected reply to a statement");
    };
    let format = if args.json {
        ExportFormat::JsonLines
    } else {
        ExportFormat::Csv
    };
    let stdout = std::io::stdout();
    let mut writer = ExportWriter::new(std::io::BufWriter::new(stdout.lock()), format);
    if !result.columns.is_empty() {
        writer.columns(&result.columns)?;
    }
    for row in &result.rows {
        writer.row(row)?;
    }
    writer.finish()?;
    if result.columns.is_empty() {
        eprintln!("{} rows affected", result.rows_affected);
    } else if result.truncated {
        eprintln!("only the first {cap} rows: raise --limit, or use dbdeck export");
    }
    Ok(())
}

/// `dbdeck export`: every row of a table or statement into a file.
async fn export(service: &Arc<Service>, args: ExportArgs) -> color_eyre::Result<()> {
    let target = service.target(&args.conn).await?;
    let statement = match (&args.table, args.sql) {
        (Some(table), _) => {
            let default_schema = if target.kind == Kind::Sqlite {
                "main"
            } else {
                "public"
            };
            let (schema, name) = table.split_once('.').unwrap_or((default_schema, table));
            select_all(
                &TableRef::new(schema, name),
                args.filter.as_deref(),
                args.order.as_deref(),
            )
        }
        (None, Some(sql)) => sql,
        (None, None) => bail!("name a --table or give a --sql statement"),
    };
    let request = Request::SqlExport {
        sql: statement,
        path: args.output.clone(),
        progress: Progress::default(),
    };
    let job = Job {
        target,
        db: 0,
        request,
    };
    let Response::Exported(rows) = service.run(job).await? else {
        bail!("unexpected reply to an export");
    };
    eprintln!("exported {rows} rows to {}", args.output.display());
    Ok(())
}

/// A `--type` argument: a core type, or a module type's own name (such as
/// `ReJSON-RL`). A lowercase word that is neither is a typo, not a module.
fn parse_key_type(name: &str) -> color_eyre::Result<KeyType> {
    const CORE: [&str; 6] = ["string", "list", "set", "zset", "hash", "stream"];
    let module_like = name.contains(|c: char| c.is_ascii_uppercase() || c == '-');
    match KeyType::from_reply(name) {
        Some(key_type) if CORE.contains(&name) || module_like => Ok(key_type),
        _ => bail!(
            "unknown type {name:?}: use one of {} or a module type's name",
            CORE.join(", ")
        ),
    }
}

fn write_key(out: &mut impl std::io::Write, info: &KeyInfo, json: bool) -> std::io::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, &crate::api::KeyItem::from(info))?;
        return writeln!(out);
    }
    let key_type = info.key_type.known().map(|t| t.as_ref().map(KeyType::name));
    let key_type = match key_type {
        Some(Some(name)) => name,
        Some(None) => "gone",
        None => "n/a",
    };
    let (ttl, size) = (info.ttl, info.size);
    writeln!(out, "{key_type}\t{ttl}\t{size}\t{}", info.key.escaped())
}
