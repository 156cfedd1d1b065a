//! A fresh PostgreSQL database per test on the local server, dropped when
//! its handle is dropped, including when the test panics.
//!
//! The server is `postgres://postgres@127.0.0.1:5432/postgres` (trust auth)
//! unless `DBDECK_TEST_PG_URL` names another admin connection.

#![expect(
    clippy::expect_used,
    reason = "a test fails by panicking, with the step named"
)]

use std::hash::{BuildHasher as _, RandomState};

use sqlx::{AssertSqlSafe, Connection as _, PgConnection};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists until this value is dropped.
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates a database with a random name.
    pub async fn create() -> Self {
        let admin_url =
            std::env::var("DBDECK_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
        // Each RandomState has fresh keys, so the hash is a random number.
        let name = format!("dbdeck_test_{:016x}", RandomState::new().hash_one(0u8));

        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("connect to the local PostgreSQL (set DBDECK_TEST_PG_URL to another server)");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create a test database");

        let mut url = url::Url::parse(&admin_url).expect("DBDECK_TEST_PG_URL is a URL");
        url.set_path(&name);
        Self {
            admin_url,
            name,
            url: url.into(),
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop cannot await, and the test's runtime may already be gone, so
        // the database is dropped on a thread with its own runtime, waited for.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        match std::thread::spawn(move || drop_database(&admin_url, &name)).join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop test database {}: {error}", self.name),
            Err(_) => eprintln!("dropping test database {} panicked", self.name),
        }
    }
}

fn drop_database(admin_url: &str, name: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(async {
            let mut admin = PgConnection::connect(admin_url).await?;
            // FORCE ends the connections a registry pool may still hold.
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            sqlx::query(AssertSqlSafe(sql)).execute(&mut admin).await?;
            admin.close().await
        })
        .map_err(|e: sqlx::Error| e.to_string())
}
