//! API tokens: the scope matrix, connection limits that leak nothing,
//! revocation and expiry, the listen policy, and two instances sharing one
//! PostgreSQL registry.

use axum::http::{Method, StatusCode, header};
use dbdeck::api::AuthPolicy;
use dbdeck::config::Settings;
use dbdeck::domain::token::Scope;
use serde_json::{Value, json};

use crate::support::api::{Api, Reply};
use crate::support::postgres::TestDatabase;
use crate::support::redis::RedisServer;

/// An API with connections `a` and `b` (read-only) on one server.
async fn two_connections(server: &RedisServer) -> Api {
    let url = server.url();
    Api::with(
        Settings::default(),
        &[("a", &url, false), ("b", &url, true)],
    )
    .await
}

async fn token(api: &Api, name: &str, scope: Scope, connections: &[&str]) -> String {
    let connections: Vec<String> = connections.iter().map(|c| (*c).to_owned()).collect();
    let (_, text) = api
        .service
        .create_token(name.into(), scope, &connections, None)
        .await
        .unwrap();
    text
}

/// A token, a request, and the status (and problem code) it must get.
type Case<'a> = (
    &'a str,
    Method,
    &'a str,
    Option<Value>,
    u16,
    Option<&'a str>,
);

async fn call(api: &Api, method: Method, path: &str, body: Option<Value>, token: &str) -> Reply {
    let body = body.map(|b| b.to_string());
    api.request(method, path, body, Some(token)).await
}

#[tokio::test]
async fn without_tokens_the_loopback_api_is_open_and_then_closes() {
    let server = RedisServer::start();
    let api = two_connections(&server).await;
    assert_eq!(api.get("/api/v1/redis/a/keys").await.status, StatusCode::OK);

    token(&api, "ci", Scope::Read, &[]).await;
    let refused = api.get("/api/v1/redis/a/keys").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.problem_code(), "unauthenticated");
    let wrong = call(
        &api,
        Method::GET,
        "/api/v1/redis/a/keys",
        None,
        "dbdk_guess",
    )
    .await;
    assert_eq!(wrong.problem_code(), "unauthenticated");
    assert_eq!(api.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(api.get("/readyz").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unauthenticated_replies_ask_for_a_bearer_token() {
    let server = RedisServer::start();
    let mut settings = Settings::default();
    settings.api.require_auth = true;
    let api = Api::with(settings, &[("a", &server.url(), false)]).await;
    let reply = api.router.clone();
    let request = axum::http::Request::get("/api/v1/connections")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(reply, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
}

#[tokio::test]
async fn each_scope_does_what_it_names_and_no_more() {
    let server = RedisServer::start();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut server.conn())
        .unwrap();
    let api = two_connections(&server).await;
    let read = token(&api, "r", Scope::Read, &[]).await;
    let write = token(&api, "w", Scope::Write, &[]).await;
    let admin = token(&api, "adm", Scope::Admin, &[]).await;
    let put = Some(json!({"value": "new"}));
    let conn = Some(json!({"name": "c", "url": server.url()}));

    let cases: [Case; 10] = [
        (
            &read,
            Method::GET,
            "/api/v1/redis/a/keys/k",
            None,
            200,
            None,
        ),
        (
            &read,
            Method::PUT,
            "/api/v1/redis/a/keys/k",
            put.clone(),
            403,
            Some("forbidden"),
        ),
        (
            &read,
            Method::DELETE,
            "/api/v1/redis/a/keys/k",
            None,
            403,
            Some("forbidden"),
        ),
        (
            &read,
            Method::POST,
            "/api/v1/connections/a/test",
            None,
            200,
            None,
        ),
        (
            &write,
            Method::PUT,
            "/api/v1/redis/a/keys/k",
            put.clone(),
            204,
            None,
        ),
        (
            &write,
            Method::PUT,
            "/api/v1/redis/b/keys/k",
            put.clone(),
            403,
            Some("read_only"),
        ),
        (
            &write,
            Method::POST,
            "/api/v1/connections",
            conn.clone(),
            403,
            Some("forbidden"),
        ),
        (
            &write,
            Method::GET,
            "/api/v1/tokens",
            None,
            403,
            Some("forbidden"),
        ),
        (
            &admin,
            Method::POST,
            "/api/v1/connections",
            conn.clone(),
            201,
            None,
        ),
        (&admin, Method::GET, "/api/v1/tokens", None, 200, None),
    ];
    for (token, method, path, body, status, code) in cases {
        let reply = call(&api, method.clone(), path, body, token).await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{method} {path}: {}",
            reply.text
        );
        if let Some(code) = code {
            assert_eq!(reply.problem_code(), code, "{method} {path}");
        }
    }
    let stored: String = redis::cmd("GET")
        .arg("k")
        .query(&mut server.conn())
        .unwrap();
    assert_eq!(stored, "new");
}

#[tokio::test]
async fn a_token_limited_to_a_connection_cannot_see_the_others() {
    let server = RedisServer::start();
    let api = two_connections(&server).await;
    let limited = token(&api, "only-a", Scope::Write, &["a"]).await;

    let list = call(&api, Method::GET, "/api/v1/connections", None, &limited)
        .await
        .json();
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a"]);

    let hidden = call(&api, Method::GET, "/api/v1/redis/b/keys", None, &limited).await;
    let missing = call(&api, Method::GET, "/api/v1/redis/zz/keys", None, &limited).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.json()["detail"], "no connection named \"b\"");
    assert_eq!(missing.json()["detail"], "no connection named \"zz\"");
    let by_id = call(&api, Method::GET, "/api/v1/connections/2", None, &limited).await;
    assert_eq!(by_id.status, StatusCode::NOT_FOUND);

    let own = call(&api, Method::GET, "/api/v1/redis/a/keys", None, &limited).await;
    assert_eq!(own.status, StatusCode::OK);
    let admin = token(&api, "adm-a", Scope::Admin, &["a"]).await;
    let tokens = call(&api, Method::GET, "/api/v1/tokens", None, &admin).await;
    assert_eq!(tokens.problem_code(), "forbidden");
}

#[tokio::test]
async fn tokens_are_created_listed_and_revoked_over_the_api() {
    let server = RedisServer::start();
    let api = two_connections(&server).await;
    let admin = token(&api, "adm", Scope::Admin, &[]).await;

    let body = json!({"name": "ci", "scope": "read", "connections": ["a"], "expires_in": "30d"});
    let created = call(&api, Method::POST, "/api/v1/tokens", Some(body), &admin).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let created = created.json();
    let text = created["token"].as_str().unwrap().to_owned();
    assert!(text.starts_with("dbdk_"));
    assert_eq!(created["connections"], json!([1]));
    assert!(created["expires_at"].is_string());

    let listed = call(&api, Method::GET, "/api/v1/tokens", None, &admin).await;
    assert!(
        !listed.text.contains(&text),
        "a listing never shows a token"
    );
    assert_eq!(listed.json()["items"].as_array().unwrap().len(), 2);

    let bad = json!({"name": "x", "scope": "root"});
    let refused = call(&api, Method::POST, "/api/v1/tokens", Some(bad), &admin).await;
    assert_eq!(refused.problem_code(), "invalid_input");
    let bad = json!({"name": "x", "scope": "read", "expires_in": "soon"});
    let refused = call(&api, Method::POST, "/api/v1/tokens", Some(bad), &admin).await;
    assert_eq!(refused.problem_code(), "invalid_input");

    assert_eq!(
        call(&api, Method::GET, "/api/v1/redis/a/keys", None, &text)
            .await
            .status,
        200
    );
    let revoked = call(&api, Method::DELETE, "/api/v1/tokens/ci", None, &admin).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let after = call(&api, Method::GET, "/api/v1/redis/a/keys", None, &text).await;
    assert_eq!(after.problem_code(), "unauthenticated");
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let api = Api::with(Settings::default(), &[]).await;
    let (_, text) = api
        .service
        .create_token("short".into(), Scope::Read, &[], Some(3600))
        .await
        .unwrap();
    assert_eq!(
        call(&api, Method::GET, "/api/v1/connections", None, &text)
            .await
            .status,
        200
    );

    // The registry's clock decides; move the expiry into the past there.
    let db = api.registry_url();
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = datetime('now', '-1 seconds')")
        .execute(&pool)
        .await
        .unwrap();
    let expired = call(&api, Method::GET, "/api/v1/connections", None, &text).await;
    assert_eq!(expired.problem_code(), "unauthenticated");
}

#[tokio::test]
async fn listening_beyond_loopback_needs_a_token_and_then_always_asks_for_one() {
    let api = Api::with(Settings::default(), &[]).await;
    let wildcard = "0.0.0.0:7411".parse().unwrap();
    let refused = dbdeck::api::listen_policy(&api.service, wildcard)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("loopback"), "{refused}");
    let loopback = "127.0.0.1:7411".parse().unwrap();
    let policy = dbdeck::api::listen_policy(&api.service, loopback)
        .await
        .unwrap();
    assert_eq!(policy, AuthPolicy::Registry);

    token(&api, "t", Scope::Read, &[]).await;
    let policy = dbdeck::api::listen_policy(&api.service, wildcard)
        .await
        .unwrap();
    assert_eq!(policy, AuthPolicy::Always);

    // Revoking every token must not open a public API.
    api.service.revoke_token("t").await.unwrap();
    let public = dbdeck::api::app(api.service.clone(), AuthPolicy::Always);
    let request = axum::http::Request::get("/api/v1/connections")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(public, request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn two_instances_on_one_postgres_registry_share_connections_and_tokens() {
    let server = RedisServer::start();
    let database = TestDatabase::create().await;
    let keys = tempfile::tempdir().unwrap();
    let one = Api::on_registry(database.url(), keys.path(), Settings::default(), &[]).await;
    let two = Api::on_registry(database.url(), keys.path(), Settings::default(), &[]).await;

    let admin = token(&one, "adm", Scope::Admin, &[]).await;
    let conn = json!({"name": "shared", "url": server.url()});
    let created = call(
        &one,
        Method::POST,
        "/api/v1/connections",
        Some(conn),
        &admin,
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);

    let body = json!({"name": "reader", "scope": "read"});
    let made = call(&one, Method::POST, "/api/v1/tokens", Some(body), &admin)
        .await
        .json();
    let reader = made["token"].as_str().unwrap().to_owned();
    let seen = call(
        &two,
        Method::GET,
        "/api/v1/redis/shared/keys",
        None,
        &reader,
    )
    .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);

    let revoked = call(&one, Method::DELETE, "/api/v1/tokens/reader", None, &admin).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    // The other instance hears of it through PostgreSQL's NOTIFY, which
    // arrives a moment after the commit: allow it that moment, no more.
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    let after = loop {
        let after = call(
            &two,
            Method::GET,
            "/api/v1/redis/shared/keys",
            None,
            &reader,
        )
        .await;
        if after.status != StatusCode::OK || std::time::Instant::now() > deadline {
            break after;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(after.problem_code(), "unauthenticated");
}
