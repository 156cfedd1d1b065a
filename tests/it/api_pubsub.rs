//! The pub/sub WebSocket over a real listener: frames both ways, bytes as
//! base64, errors that keep the socket open, read-only profiles and token
//! scopes, a slow client that loses messages without growing the server,
//! and the Redis connection released with the last socket.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use dbdeck::config::Settings;
use dbdeck::domain::token::Scope;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::support::api::Api;
use crate::support::redis::RedisServer;

const WAIT: Duration = Duration::from_secs(10);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The API listening on a free port, stopped when dropped.
struct Listening {
    api: Api,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn listen(server: &RedisServer, settings: Settings) -> Listening {
    let url = server.url();
    let api = Api::with(settings, &[("a", &url, false), ("ro", &url, true)]).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = api.service.clone();
    let server = tokio::spawn(async move {
        dbdeck::api::serve_on(service, listener, std::future::pending())
            .await
            .unwrap();
    });
    Listening { api, addr, server }
}

async fn open(at: &Listening, conn: &str, token: Option<&str>) -> Result<Ws, WsError> {
    let url = format!("ws://{}/api/v1/redis/{conn}/pubsub", at.addr);
    let mut request = url.into_client_request().unwrap();
    if let Some(token) = token {
        let value = format!("Bearer {token}").parse().unwrap();
        request.headers_mut().insert("authorization", value);
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(ws, _)| ws)
}

async fn send(ws: &mut Ws, frame: Value) {
    ws.send(Message::text(frame.to_string())).await.unwrap();
}

/// The next JSON frame, failing the test after `WAIT`.
async fn next(ws: &mut Ws) -> Value {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time")
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(text) = frame {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// Sends a frame and returns the reply.
async fn ask(ws: &mut Ws, frame: Value) -> Value {
    send(ws, frame).await;
    next(ws).await
}

#[tokio::test]
async fn subscribes_receives_publishes_and_acknowledges() {
    let server = RedisServer::start();
    let at = listen(&server, Settings::default()).await;
    let mut ws = open(&at, "a", None).await.unwrap();

    let ack = ask(
        &mut ws,
        json!({"op": "subscribe", "channels": ["news", {"base64": "/wA="}]}),
    )
    .await;
    assert_eq!(
        ack,
        json!({"type": "subscribed", "channels": ["news", {"base64": "/wA="}]})
    );
    let ack = ask(&mut ws, json!({"op": "psubscribe", "patterns": ["user:*"]})).await;
    assert_eq!(ack, json!({"type": "psubscribed", "patterns": ["user:*"]}));

    assert_eq!(server.publish(b"news", b"hello"), 1);
    let message = next(&mut ws).await;
    assert!(message["ts"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(
        message,
        json!({"type": "message", "channel": "news", "pattern": null, "payload": "hello",
               "ts": message["ts"]})
    );
    server.publish(b"\xff\x00", b"\x01\xfe");
    let binary = next(&mut ws).await;
    assert_eq!(binary["channel"], json!({"base64": "/wA="}));
    assert_eq!(binary["payload"], json!({"base64": "Af4="}));
    server.publish(b"user:7", b"p");
    assert_eq!(next(&mut ws).await["pattern"], json!("user:*"));

    let published = ask(
        &mut ws,
        json!({"op": "publish", "channel": "news", "message": "mine"}),
    )
    .await;
    let echoed = next(&mut ws).await;
    // The socket hears its own message; the ack and the message may come
    // in either order.
    let (ack, message) = if published["type"] == "published" {
        (published, echoed)
    } else {
        (echoed, published)
    };
    assert_eq!(
        ack,
        json!({"type": "published", "channel": "news", "receivers": 1})
    );
    assert_eq!(message["payload"], json!("mine"));

    let ack = ask(&mut ws, json!({"op": "unsubscribe", "channels": ["news"]})).await;
    assert_eq!(ack, json!({"type": "unsubscribed", "channels": ["news"]}));
    let ack = ask(
        &mut ws,
        json!({"op": "punsubscribe", "patterns": ["user:*"]}),
    )
    .await;
    assert_eq!(ack["type"], json!("punsubscribed"));
    assert_eq!(server.publish(b"news", b"unheard"), 0);
}

#[tokio::test]
async fn bad_frames_get_error_frames_and_the_socket_stays_open() {
    let server = RedisServer::start();
    let at = listen(&server, Settings::default()).await;
    let mut ws = open(&at, "a", None).await.unwrap();

    let cases = [
        Message::text("not json"),
        Message::text(r#"{"op":"subscribe","channels":[]}"#),
        Message::text(r#"{"op":"shout","channels":["x"]}"#),
        Message::text(r#"{"op":"subscribe","channels":[{"base64":"%%"}]}"#),
        Message::binary(b"\x00".to_vec()),
    ];
    for frame in cases {
        ws.send(frame.clone()).await.unwrap();
        let reply = next(&mut ws).await;
        assert_eq!(reply["type"], json!("error"), "{frame:?}");
        assert_eq!(reply["code"], json!("invalid_input"), "{frame:?}");
    }
    let ack = ask(&mut ws, json!({"op": "subscribe", "channels": ["ok"]})).await;
    assert_eq!(ack["type"], json!("subscribed"));
}

#[tokio::test]
async fn a_plain_get_and_a_missing_connection_are_problems_not_sockets() {
    let server = RedisServer::start();
    let at = listen(&server, Settings::default()).await;
    let plain = at.api.get("/api/v1/redis/a/pubsub").await;
    assert_eq!(plain.status.as_u16(), 400);
    assert_eq!(plain.problem_code(), "invalid_input");
    let Err(WsError::Http(missing)) = open(&at, "nope", None).await else {
        panic!("a missing connection refuses the upgrade");
    };
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test]
async fn a_read_only_connection_subscribes_but_refuses_to_publish() {
    let server = RedisServer::start();
    let at = listen(&server, Settings::default()).await;
    let mut ws = open(&at, "ro", None).await.unwrap();
    let ack = ask(&mut ws, json!({"op": "subscribe", "channels": ["c"]})).await;
    assert_eq!(ack["type"], json!("subscribed"));
    let refused = ask(
        &mut ws,
        json!({"op": "publish", "channel": "c", "message": "x"}),
    )
    .await;
    assert_eq!(refused["code"], json!("read_only"));
    assert_eq!(server.publish(b"c", b"outside"), 1);
    assert_eq!(next(&mut ws).await["payload"], json!("outside"));
}

#[tokio::test]
async fn tokens_are_required_and_read_scope_may_not_publish() {
    let server = RedisServer::start();
    let at = listen(&server, Settings::default()).await;
    let service = &at.api.service;
    let (_, read) = service
        .create_token("r".into(), Scope::Read, &[], None)
        .await
        .unwrap();
    let (_, write) = service
        .create_token("w".into(), Scope::Write, &[], None)
        .await
        .unwrap();

    let Err(WsError::Http(refused)) = open(&at, "a", None).await else {
        panic!("no token, no socket");
    };
    assert_eq!(refused.status().as_u16(), 401);

    let mut reader = open(&at, "a", Some(&read)).await.unwrap();
    let ack = ask(&mut reader, json!({"op": "subscribe", "channels": ["t"]})).await;
    assert_eq!(ack["type"], json!("subscribed"));
    let denied = ask(
        &mut reader,
        json!({"op": "publish", "channel": "t", "message": "x"}),
    )
    .await;
    assert_eq!(denied["code"], json!("forbidden"));

    let mut writer = open(&at, "a", Some(&write)).await.unwrap();
    let sent = ask(
        &mut writer,
        json!({"op": "publish", "channel": "t", "message": "y"}),
    )
    .await;
    assert_eq!(
        sent,
        json!({"type": "published", "channel": "t", "receivers": 1})
    );
    assert_eq!(next(&mut reader).await["payload"], json!("y"));
}

#[tokio::test]
async fn a_slow_client_loses_the_oldest_and_is_told_exactly_how_many() {
    const SENT: usize = 20_000;
    let server = RedisServer::start();
    let mut settings = Settings::default();
    settings.pubsub.socket_queue = 50;
    let at = listen(&server, settings).await;
    let mut ws = open(&at, "a", None).await.unwrap();
    ask(
        &mut ws,
        json!({"op": "subscribe", "channels": ["flood", "done"]}),
    )
    .await;

    // 1 KiB payloads: far more than the socket buffers hold, so the
    // server must drop while the client is not reading.
    let payload = "x".repeat(1024);
    let mut pipe = redis::pipe();
    for _ in 0..SENT {
        pipe.cmd("PUBLISH").arg("flood").arg(&payload).ignore();
    }
    pipe.cmd("PUBLISH").arg("done").arg("").ignore();
    pipe.query::<()>(&mut server.conn()).unwrap();

    let (mut shown, mut dropped) = (0, 0);
    loop {
        let frame = next(&mut ws).await;
        match (frame["type"].as_str(), frame["channel"].as_str()) {
            (Some("dropped"), _) => dropped += frame["count"].as_u64().unwrap(),
            (Some("message"), Some("flood")) => shown += 1,
            (Some("message"), Some("done")) => break,
            other => panic!("unexpected frame {other:?}"),
        }
    }
    assert_eq!(shown + dropped, SENT as u64);
    assert!(dropped > 0, "a client that did not read lost messages");
}

#[tokio::test]
async fn the_redis_connection_closes_with_the_last_socket() {
    let server = RedisServer::start();
    let at = listen(&server, Settings::default()).await;
    let mut first = open(&at, "a", None).await.unwrap();
    let mut second = open(&at, "a", None).await.unwrap();
    ask(&mut first, json!({"op": "subscribe", "channels": ["x"]})).await;
    ask(&mut second, json!({"op": "subscribe", "channels": ["x"]})).await;
    assert_eq!(server.pubsub_clients(), 1);
    assert_eq!(at.api.service.pubsub_connections(), 1);

    first.close(None).await.unwrap();
    assert_eq!(server.publish(b"x", b"still"), 1);
    assert_eq!(next(&mut second).await["payload"], json!("still"));

    second.close(None).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while server.pubsub_clients() > 0 || at.api.service.pubsub_connections() > 0 {
        assert!(Instant::now() < deadline, "the connection closes");
        tokio::task::yield_now().await;
    }
}
