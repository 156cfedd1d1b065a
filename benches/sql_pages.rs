//! Paging a 1,000,000-row PostgreSQL table: the first page, and a page
//! 900,000 rows deep by keyset and by OFFSET, read through dbdeck's driver
//! (primary-key lookup and cancel tag included), against psql running the
//! same SELECTs with `\timing`, in one run. Medians of 31 runs each.
//!
//! `cargo bench --bench sql_pages` against the local PostgreSQL
//! (`DBDECK_BENCH_PG_URL` names another admin connection). It creates and
//! drops its own database, `dbdeck_bench`.

use std::error::Error;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dbdeck::domain::sql::{Cell, RowCursor, RowsRequest, TableRef};
use dbdeck::domain::{ConnectTarget, Kind, ProfileId};
use dbdeck::driver::sql::{self, SqlClient};
use sqlx::Connection as _;

const ROWS: u32 = 1_000_000;
const DEEP: u32 = 900_000;
const PAGE: u32 = 100;
const RUNS: usize = 31;
const DATABASE: &str = "dbdeck_bench";

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    // `cargo test --all-targets` runs bench binaries too; only measure
    // under `cargo bench`.
    if !std::env::args().any(|arg| arg == "--bench") {
        return Ok(());
    }
    let admin = std::env::var("DBDECK_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let runtime = tokio::runtime::Runtime::new()?;
    let url = runtime.block_on(seed(&admin))?;
    let result = runtime.block_on(measure(&url));
    runtime.block_on(drop_database(&admin))?;
    result
}

async fn seed(admin: &str) -> Result<String> {
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {DATABASE}")))
        .execute(&mut conn)
        .await?;
    let mut url = url::Url::parse(admin)?;
    url.set_path(DATABASE);
    let mut bench = sqlx::PgConnection::connect(url.as_str()).await?;
    let started = Instant::now();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE big(id int PRIMARY KEY, name text, amount numeric(12, 2), \
                          created timestamptz); \
         INSERT INTO big SELECT g, 'customer ' || g, g * 1.25, \
                                '2026-01-01'::timestamptz + g * interval '1 minute' \
           FROM generate_series(1, {ROWS}) g"
    )))
    .execute(&mut bench)
    .await?;
    sqlx::raw_sql("VACUUM ANALYZE big")
        .execute(&mut bench)
        .await?;
    eprintln!(
        "seeded {ROWS} rows in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(url.into())
}

async fn drop_database(admin: &str) -> Result<()> {
    let mut conn = sqlx::PgConnection::connect(admin).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// One measured case: how dbdeck asks for the page, and the SELECT psql
/// runs for it (the one dbdeck sends).
struct Case {
    name: &'static str,
    request: RowsRequest,
    psql: String,
}

fn cases() -> Vec<Case> {
    let table = TableRef::new("public", "big");
    // A next page carries the primary key the first page found.
    let request = |order: Option<&str>, cursor: Option<RowCursor>| RowsRequest {
        table: table.clone(),
        filter: None,
        order: order.map(str::to_owned),
        primary_key: cursor.is_some().then(|| vec!["id".to_owned()]),
        cursor,
        limit: PAGE,
    };
    let limit = PAGE + 1;
    vec![
        Case {
            name: "first page (keyset)",
            request: request(None, None),
            psql: format!("SELECT * FROM \"public\".\"big\" ORDER BY \"id\" LIMIT {limit}"),
        },
        Case {
            name: "page at row 900,000 (keyset)",
            request: request(
                None,
                Some(RowCursor::After(vec![Cell::Text(DEEP.to_string())])),
            ),
            psql: format!(
                "SELECT * FROM \"public\".\"big\" WHERE (\"id\") > ('{DEEP}') \
                 ORDER BY \"id\" LIMIT {limit}"
            ),
        },
        Case {
            name: "page at row 900,000 (OFFSET)",
            request: request(Some("id"), Some(RowCursor::Offset(u64::from(DEEP)))),
            psql: format!(
                "SELECT * FROM \"public\".\"big\" ORDER BY id\n LIMIT {limit} OFFSET {DEEP}"
            ),
        },
    ]
}

async fn measure(url: &str) -> Result<()> {
    let target = ConnectTarget {
        id: ProfileId(1),
        name: "bench".into(),
        kind: Kind::Postgres,
        url: url.to_owned(),
        password: None,
        read_only: false,
        revision: 0,
    };
    let client = sql::connect(&target, Duration::from_secs(5)).await?;
    let cases = cases();
    let psql = psql_medians(url, &cases)?;
    println!("| page | dbdeck driver | psql | ratio |");
    println!("|---|---|---|---|");
    for (case, psql_ms) in cases.iter().zip(psql) {
        let dbdeck_ms = dbdeck_median(&client, &case.request).await?;
        println!(
            "| {} | {dbdeck_ms:.2} ms | {psql_ms:.2} ms | {:.2}x |",
            case.name,
            dbdeck_ms / psql_ms
        );
    }
    Ok(())
}

async fn dbdeck_median(client: &SqlClient, request: &RowsRequest) -> Result<f64> {
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let page = sql::read_rows(client, request, false).await?;
        times.push(started.elapsed().as_secs_f64() * 1_000.0);
        if page.rows.len() != PAGE as usize {
            return Err(format!("expected {PAGE} rows, got {}", page.rows.len()).into());
        }
    }
    Ok(median(times))
}

/// Runs every case's SELECT `RUNS` times in one psql session with
/// `\timing`, output discarded, and reads back the times.
fn psql_medians(url: &str, cases: &[Case]) -> Result<Vec<f64>> {
    let mut script = String::from("\\timing on\n\\o /dev/null\n");
    for case in cases {
        for _ in 0..RUNS {
            script.push_str(&case.psql);
            script.push_str(";\n");
        }
    }
    let mut child = Command::new("psql")
        .args(["-X", "-q", "-d", url, "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or("psql has no stdin")?
        .write_all(script.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
    }
    let times: Vec<f64> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("Time: "))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect();
    if times.len() != cases.len() * RUNS {
        return Err(format!("psql printed {} timings", times.len()).into());
    }
    Ok(times
        .chunks(RUNS)
        .map(|chunk| median(chunk.to_vec()))
        .collect())
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}
