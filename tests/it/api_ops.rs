//! Running the API: INFO and SLOWLOG, the list cache, rate limits, request
//! timeouts, and the metrics that count all of it.

use axum::http::{Method, StatusCode, header};
use dbdeck::config::Settings;
use serde_json::json;

use crate::support::api::Api;
use crate::support::redis::RedisServer;

async fn api_on(server: &RedisServer, settings: Settings) -> Api {
    Api::with(settings, &[("c", &server.url(), false)]).await
}

#[tokio::test]
async fn info_comes_back_by_section_and_slowlog_lists_slow_commands() {
    let server = RedisServer::with_args(&["--slowlog-log-slower-than", "0"]);
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<()>(&mut server.conn())
        .unwrap();
    let api = api_on(&server, Settings::default()).await;

    let info = api.get("/api/v1/redis/c/info").await.json();
    assert_eq!(info["server"]["redis_mode"], "standalone");
    assert_eq!(info["server"]["tcp_port"], server.port().to_string());
    assert!(
        info["memory"]["used_memory"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert!(
        info["keyspace"]["db0"]
            .as_str()
            .unwrap()
            .starts_with("keys=1,")
    );

    let slow = api.get("/api/v1/redis/c/slowlog?count=50").await.json();
    let commands: Vec<&serde_json::Value> = slow["items"].as_array().unwrap().iter().collect();
    let set = commands
        .iter()
        .find(|entry| entry["command"] == json!(["SET", "k", "v"]))
        .expect("the SET is in the slow log");
    assert!(set["duration_us"].is_u64());
    assert!(set["started_at"].as_i64().unwrap() > 1_600_000_000);
}

#[tokio::test]
async fn b12_a_user_denied_info_gets_forbidden_there_and_browses_anyway() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    redis::cmd("ACL")
        .arg(
            &[
                "SETUSER",
                "viewer",
                "on",
                ">viewer-pass",
                "~*",
                "&*",
                "+@all",
                "-@dangerous",
                "-@admin",
            ][..],
        )
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("SET")
        .arg("a")
        .arg("1")
        .query::<()>(&mut conn)
        .unwrap();
    let url = format!("redis://viewer:viewer-pass@127.0.0.1:{}", server.port());
    let api = Api::with(Settings::default(), &[("v", &url, false)]).await;

    let info = api.get("/api/v1/redis/v/info").await;
    assert_eq!(info.status, StatusCode::FORBIDDEN, "{}", info.text);
    assert_eq!(info.problem_code(), "forbidden");
    let keys = api.get("/api/v1/redis/v/keys").await.json();
    assert_eq!(keys["items"][0]["key"], "a");
    assert_eq!(keys["items"][0]["type"], "string");
}

#[tokio::test]
async fn clients_lists_the_servers_connections_and_403s_when_denied() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("watcher")
        .query::<()>(&mut conn)
        .unwrap();
    redis::cmd("ACL")
        .arg(&["SETUSER", "nocl", "on", ">pass", "~*", "+@all", "-client"][..])
        .query::<()>(&mut conn)
        .unwrap();
    let denied = format!("redis://nocl:pass@127.0.0.1:{}", server.port());
    let api = Api::with(
        Settings::default(),
        &[("c", &server.url(), false), ("d", &denied, false)],
    )
    .await;

    let page = api.get("/api/v1/redis/c/clients").await.json();
    assert_eq!(page["complete"], true);
    let items = page["items"].as_array().unwrap();
    let watcher = items.iter().find(|c| c["name"] == "watcher").unwrap();
    assert_eq!(watcher["db"], 0);
    assert_eq!(watcher["user"], "default");
    assert!(watcher["id"].is_u64());
    assert!(watcher["addr"].as_str().unwrap().starts_with("127.0.0.1:"));

    let refused = api.get("/api/v1/redis/d/clients").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(refused.problem_code(), "forbidden");
}

#[tokio::test]
async fn database_lists_are_cached_until_a_write_through_the_api() {
    let server = RedisServer::start();
    let mut settings = Settings::default();
    settings.api.cache_ttl_ms = 600_000;
    let api = api_on(&server, settings).await;
    let keys_in_db0 = |body: &serde_json::Value| body["items"][0]["keys"].clone();

    let first = api.get("/api/v1/redis/c/databases").await.json();
    assert_eq!(keys_in_db0(&first), json!(null));
    // A write from outside dbdeck is not seen while the entry lives…
    redis::cmd("SET")
        .arg("outside")
        .arg("1")
        .query::<()>(&mut server.conn())
        .unwrap();
    let cached = api.get("/api/v1/redis/c/databases").await.json();
    assert_eq!(keys_in_db0(&cached), json!(null));

    // …but a write through the API clears it.
    let created = api
        .post(
            "/api/v1/redis/c/keys",
            json!({"key": "inside", "value": "2"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let fresh = api.get("/api/v1/redis/c/databases").await.json();
    assert_eq!(keys_in_db0(&fresh), json!(2));

    let metrics = api.get("/metrics").await;
    assert!(
        metrics.text.contains("dbdeck_cache_hits_total 1"),
        "{}",
        metrics.text
    );
    assert!(
        metrics.text.contains("dbdeck_cache_misses_total 2"),
        "{}",
        metrics.text
    );
}

#[tokio::test]
async fn over_the_rate_limit_a_caller_gets_429_with_retry_after() {
    let server = RedisServer::start();
    let mut settings = Settings::default();
    settings.api.rate_limit_per_minute = 1;
    settings.api.rate_limit_burst = 3;
    let api = api_on(&server, settings).await;

    for remaining in ["2", "1", "0"] {
        let request = axum::http::Request::get("/api/v1/connections")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(api.router.clone(), request)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert_eq!(response.headers()["ratelimit-remaining"], remaining);
    }
    let request = axum::http::Request::get("/api/v1/connections")
        .body(axum::body::Body::empty())
        .unwrap();
    let refused = tower::ServiceExt::oneshot(api.router.clone(), request)
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        api.send(Method::GET, "/api/v1/connections", None)
            .await
            .problem_code(),
        "rate_limited"
    );
    let metrics = api.get("/metrics").await;
    assert_eq!(
        metrics.status,
        StatusCode::TOO_MANY_REQUESTS,
        "metrics are limited too"
    );
}

#[tokio::test]
async fn a_request_past_its_deadline_is_504_and_its_work_is_dropped() {
    let server = RedisServer::start();
    let mut settings = Settings::default();
    settings.api.request_timeout_ms = 300;
    let api = api_on(&server, settings).await;
    assert_eq!(api.get("/api/v1/redis/c/keys").await.status, StatusCode::OK);

    // Every client waits for two seconds; the API gives up after 300 ms.
    let mut pause = redis::cmd("CLIENT");
    pause.arg(&["PAUSE", "2000", "ALL"][..]);
    pause.query::<()>(&mut server.conn()).unwrap();
    let started = std::time::Instant::now();
    let late = api.get("/api/v1/redis/c/keys").await;
    assert_eq!(late.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(late.problem_code(), "upstream_timeout");
    assert!(started.elapsed() < std::time::Duration::from_millis(1500));
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_never_by_key() {
    let server = RedisServer::start();
    redis::cmd("SET")
        .arg("secret-key-name")
        .arg("v")
        .query::<()>(&mut server.conn())
        .unwrap();
    let api = api_on(&server, Settings::default()).await;
    api.get("/api/v1/redis/c/keys/secret-key-name").await;
    api.get("/api/v1/redis/c/keys/missing").await;

    let metrics = api.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.text;
    let line = |status: u16| {
        format!(
            "dbdeck_http_requests_total{{method=\"GET\",route=\"/api/v1/redis/{{conn}}/keys/{{key}}\",status=\"{status}\"}} 1"
        )
    };
    assert!(text.contains(&line(200)), "{text}");
    assert!(text.contains(&line(404)), "{text}");
    assert!(!text.contains("secret-key-name"));
    assert!(text.contains("dbdeck_client_misses_total"));
}

/// The CORS preflight's Access-Control-Allow-Origin for `origin`, if any.
async fn preflight(api: &Api, origin: &str) -> Option<String> {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt as _;

    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/v1/connections")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .expect("request");
    let response = api
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    response
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let server = RedisServer::start();
    let mut settings = Settings::default();
    settings.api.cors_origins = vec!["https://dash.example.com".into()];
    let open = api_on(&server, settings).await;
    assert_eq!(
        preflight(&open, "https://dash.example.com")
            .await
            .as_deref(),
        Some("https://dash.example.com")
    );
    assert_eq!(preflight(&open, "https://other.example.com").await, None);

    let closed = api_on(&server, Settings::default()).await;
    assert_eq!(preflight(&closed, "https://dash.example.com").await, None);
}
