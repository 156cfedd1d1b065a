//! The schema tree from the catalogs: schemas, relations with the catalog's
//! row estimates (never a COUNT(*)), and one table's columns, indexes and
//! foreign keys. Each level loads on its own, so a database with thousands
//! of tables opens at once.

use sqlx::Row as _;

use super::{Pool, SqlClient, map_error};
use crate::domain::sql::{ColumnInfo, IndexInfo, Relation, RelationKind, TableDetails, TableRef};
use crate::driver::DriverError;

/// SQLite's one schema.
pub const SQLITE_SCHEMA: &str = "main";

/// The schemas a user would browse (system schemas left out).
pub async fn schemas(client: &SqlClient) -> Result<Vec<String>, DriverError> {
    match &client.pool {
        Pool::Postgres(pool) => sqlx::query_scalar(
            "SELECT nspname::text FROM pg_namespace \
             WHERE nspname NOT IN ('pg_catalog', 'information_schema') \
               AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%' \
             ORDER BY nspname = 'public' DESC, nspname",
        )
        .fetch_all(pool)
        .await
        .map_err(map_error),
        Pool::Sqlite(_) => Ok(vec![SQLITE_SCHEMA.to_owned()]),
    }
}

/// The tables and views of one schema, by name.
pub async fn relations(client: &SqlClient, schema: &str) -> Result<Vec<Relation>, DriverError> {
    match &client.pool {
        Pool::Postgres(pool) => {
            let rows = sqlx::query(
                "SELECT c.relname::text, c.relkind::text, c.reltuples::bigint \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
                 ORDER BY c.relname",
            )
            .bind(schema)
            .fetch_all(pool)
            .await
            .map_err(map_error)?;
            rows.iter()
                .map(|row| {
                    let kind: String = row.try_get(1).map_err(map_error)?;
                    let estimate: i64 = row.try_get(2).map_err(map_error)?;
                    Ok(Relation {
                        table: TableRef::new(
                            schema,
                            row.try_get::<String, _>(0).map_err(map_error)?,
                        ),
                        kind: pg_relation_kind(&kind),
                        // -1: never vacuumed or analyzed, so unknown.
                        estimated_rows: (estimate >= 0).then_some(estimate),
                    })
                })
                .collect()
        }
        Pool::Sqlite(pool) => {
            let rows = sqlx::query(
                "SELECT name, type FROM sqlite_schema \
                 WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .map_err(map_error)?;
            rows.iter()
                .map(|row| {
                    let kind: String = row.try_get(1).map_err(map_error)?;
                    Ok(Relation {
                        table: TableRef::new(
                            SQLITE_SCHEMA,
                            row.try_get::<String, _>(0).map_err(map_error)?,
                        ),
                        kind: if kind == "view" {
                            RelationKind::View
                        } else {
                            RelationKind::Table
                        },
                        estimated_rows: None,
                    })
                })
                .collect()
        }
    }
}

fn pg_relation_kind(relkind: &str) -> RelationKind {
    match relkind {
        "v" => RelationKind::View,
        "m" => RelationKind::MaterializedView,
        _ => RelationKind::Table,
    }
}

/// One table's columns (with primary key positions), indexes and foreign
/// keys. A table that does not exist is `NotFound`.
pub async fn table_details(
    client: &SqlClient,
    table: &TableRef,
) -> Result<TableDetails, DriverError> {
    let details = match &client.pool {
        Pool::Postgres(pool) => pg_details(pool, table).await?,
        Pool::Sqlite(pool) => sqlite_details(pool, table).await?,
    };
    if details.columns.is_empty() {
        return Err(DriverError::Missing(format!(
            "no table or view {}.{}",
            table.schema, table.name
        )));
    }
    Ok(details)
}

/// A table's primary key columns in key order (empty: none), for paging:
/// one catalog query, remembered for a while by the client.
pub async fn primary_key(client: &SqlClient, table: &TableRef) -> Result<Vec<String>, DriverError> {
    if let Some(key) = client.cached_key(table).await {
        return Ok(key);
    }
    let key = read_primary_key(client, table).await?;
    client.remember_key(table, &key).await;
    Ok(key)
}

async fn read_primary_key(
    client: &SqlClient,
    table: &TableRef,
) -> Result<Vec<String>, DriverError> {
    match &client.pool {
        Pool::Postgres(pool) => sqlx::query_scalar(
            "SELECT a.attname::text \
             FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
             WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary \
             ORDER BY k.ord",
        )
        .bind(&table.schema)
        .bind(&table.name)
        .fetch_all(pool)
        .await
        .map_err(map_error),
        Pool::Sqlite(pool) => {
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk")
                .bind(&table.name)
                .fetch_all(pool)
                .await
                .map_err(map_error)
        }
    }
}

const PG_COLUMNS: &str = "\
    SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
           pg_get_expr(d.adbin, d.adrelid), \
           (SELECT k.ord FROM pg_index i, unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
             WHERE i.indrelid = c.oid AND i.indisprimary AND k.attnum = a.attnum) \
    FROM pg_attribute a \
    JOIN pg_class c ON c.oid = a.attrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped \
    ORDER BY a.attnum";

const PG_INDEXES: &str = "\
    SELECT i.relname::text, ix.indisunique, \
           ARRAY(SELECT pg_get_indexdef(ix.indexrelid, k, true) \
                 FROM generate_series(1, ix.indnkeyatts) AS k ORDER BY k) \
    FROM pg_index ix \
    JOIN pg_class i ON i.oid = ix.indexrelid \
    JOIN pg_class c ON c.oid = ix.indrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = $1 AND c.relname = $2 \
    ORDER BY i.relname";

const PG_CONSTRAINTS: &str = "\
    SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k \
    JOIN pg_class c ON c.oid = k.conrelid \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = $1 AND c.relname = $2 AND k.contype NOT IN ('p', 'n') \
    ORDER BY k.conname";

async fn pg_details(pool: &sqlx::PgPool, table: &TableRef) -> Result<TableDetails, DriverError> {
    let columns = sqlx::query(PG_COLUMNS)
        .bind(&table.schema)
        .bind(&table.name)
        .fetch_all(pool)
        .await
        .map_err(map_error)?;
    let columns = columns
        .iter()
        .map(|row| {
            Ok(ColumnInfo {
                name: row.try_get(0).map_err(map_error)?,
                type_name: row.try_get(1).map_err(map_error)?,
                nullable: row.try_get(2).map_err(map_error)?,
                default: row.try_get(3).map_err(map_error)?,
                primary_key: row
                    .try_get::<Option<i64>, _>(4)
                    .map_err(map_error)?
                    .and_then(|at| u32::try_from(at).ok()),
            })
        })
        .collect::<Result<_, DriverError>>()?;
    let indexes = sqlx::query(PG_INDEXES)
        .bind(&table.schema)
        .bind(&table.name)
        .fetch_all(pool)
        .await
        .map_err(map_error)?
        .iter()
        .map(|row| {
            Ok(IndexInfo {
                name: row.try_get(0).map_err(map_error)?,
                unique: row.try_get(1).map_err(map_error)?,
                columns: row.try_get(2).map_err(map_error)?,
            })
        })
        .collect::<Result<_, DriverError>>()?;
    let constraints = sqlx::query_scalar(PG_CONSTRAINTS)
        .bind(&table.schema)
        .bind(&table.name)
        .fetch_all(pool)
        .await
        .map_err(map_error)?;
    Ok(TableDetails {
        columns,
        indexes,
        constraints,
    })
}

async fn sqlite_details(
    pool: &sqlx::SqlitePool,
    table: &TableRef,
) -> Result<TableDetails, DriverError> {
    let columns = sqlx::query(
        "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
    )
    .bind(&table.name)
    .fetch_all(pool)
    .await
    .map_err(map_error)?
    .iter()
    .map(|row| {
        let pk: i64 = row.try_get(4).map_err(map_error)?;
        Ok(ColumnInfo {
            name: row.try_get(0).map_err(map_error)?,
            type_name: row.try_get(1).map_err(map_error)?,
            nullable: row.try_get::<i64, _>(2).map_err(map_error)? == 0,
            default: row.try_get(3).map_err(map_error)?,
            primary_key: u32::try_from(pk).ok().filter(|at| *at > 0),
        })
    })
    .collect::<Result<_, DriverError>>()?;
    Ok(TableDetails {
        columns,
        indexes: sqlite_indexes(pool, table).await?,
        constraints: sqlite_constraints(pool, table).await?,
    })
}

async fn sqlite_indexes(
    pool: &sqlx::SqlitePool,
    table: &TableRef,
) -> Result<Vec<IndexInfo>, DriverError> {
    let rows = sqlx::query(
        "SELECT l.name, l.\"unique\", group_concat(i.name, char(31)) \
         FROM pragma_index_list(?1) AS l, pragma_index_info(l.name) AS i \
         GROUP BY l.name, l.\"unique\" ORDER BY l.name",
    )
    .bind(&table.name)
    .fetch_all(pool)
    .await
    .map_err(map_error)?;
    rows.iter()
        .map(|row| {
            let columns: Option<String> = row.try_get(2).map_err(map_error)?;
            Ok(IndexInfo {
                name: row.try_get(0).map_err(map_error)?,
                unique: row.try_get::<i64, _>(1).map_err(map_error)? != 0,
                columns: columns
                    .unwrap_or_default()
                    .split('\u{1f}')
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect()
}

async fn sqlite_constraints(
    pool: &sqlx::SqlitePool,
    table: &TableRef,
) -> Result<Vec<String>, DriverError> {
    sqlx::query_scalar(
        "SELECT 'FOREIGN KEY (' || group_concat(\"from\", ', ') || ') REFERENCES ' \
                || \"table\" || '(' || group_concat(\"to\", ', ') || ')' \
         FROM (SELECT * FROM pragma_foreign_key_list(?1) ORDER BY id, seq) \
         GROUP BY id ORDER BY id",
    )
    .bind(&table.name)
    .fetch_all(pool)
    .await
    .map_err(map_error)
}
