//! `/redis/{conn}/pubsub`: a WebSocket to watch channels and publish.
//!
//! Client frames are JSON text: `{"op":"subscribe","channels":[…]}`,
//! `unsubscribe`, `{"op":"psubscribe","patterns":[…]}`, `punsubscribe`,
//! and `{"op":"publish","channel":…,"message":…}`. The server answers each
//! with an acknowledgement or an `error` frame, and sends
//! `{"type":"message","channel","pattern","payload","ts"}` for every message.
//! Byte strings are JSON strings when they are UTF-8, else `{"base64":…}`.
//!
//! Every socket of a connection shares one subscription connection, released
//! when the last socket closes. A socket's messages wait in a bounded queue;
//! a client that reads slower than they arrive loses the oldest, and a
//! `dropped` frame says how many. Subscribing needs the read scope,
//! publishing the write scope and a writable connection.

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, State};
use axum::response::Response as HttpResponse;
use futures::SinkExt as _;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::run_redis;
use crate::api::auth::Caller;
use crate::api::error::{ApiError, Problem};
use crate::api::extract::Conn;
use crate::api::state::AppState;
use crate::domain::pubsub::{Message, Target};
use crate::domain::token::Scope;
use crate::domain::{ByteString, ConnectTarget};
use crate::driver::redis::pubsub::Change;
use crate::worker::{Batch, Membership, Request, Response};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(pubsub))
}

/// What a client may send.
#[derive(Deserialize, Debug)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
enum ClientFrame {
    Subscribe {
        channels: Vec<ByteString>,
    },
    Unsubscribe {
        channels: Vec<ByteString>,
    },
    Psubscribe {
        patterns: Vec<ByteString>,
    },
    Punsubscribe {
        patterns: Vec<ByteString>,
    },
    Publish {
        channel: ByteString,
        message: ByteString,
    },
}

/// What the server sends.
#[derive(Serialize, Debug)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ServerFrame {
    Message {
        channel: ByteString,
        pattern: Option<ByteString>,
        payload: ByteString,
        /// Arrival time, milliseconds since the Unix epoch.
        ts: u64,
    },
    /// Messages this socket lost because it read too slowly.
    Dropped {
        count: u64,
    },
    /// The Redis connection dropped; messages stop until `resubscribed`.
    Disconnected {
        detail: String,
    },
    Resubscribed,
    Subscribed {
        channels: Vec<ByteString>,
    },
    Unsubscribed {
        channels: Vec<ByteString>,
    },
    Psubscribed {
        patterns: Vec<ByteString>,
    },
    Punsubscribed {
        patterns: Vec<ByteString>,
    },
    /// How many clients received the published message.
    Published {
        channel: ByteString,
        receivers: u64,
    },
    Error {
        code: &'static str,
        detail: String,
    },
}

impl From<ApiError> for ServerFrame {
    fn from(error: ApiError) -> Self {
        Self::Error {
            code: error.code,
            detail: error.detail,
        }
    }
}

impl From<Message> for ServerFrame {
    fn from(message: Message) -> Self {
        Self::Message {
            channel: message.channel,
            pattern: message.pattern,
            payload: message.payload,
            ts: message.received_ms,
        }
    }
}

/// Opens a WebSocket on the connection's channels (see the module docs for
/// the frames).
#[utoipa::path(get, path = "/redis/{conn}/pubsub", tag = "redis",
    params(("conn" = String, Path, description = "A connection's name or id")),
    responses((status = 101, description = "Switched to the WebSocket protocol"),
        (status = 400, body = Problem, description = "Not a WebSocket upgrade"),
        (status = 404, body = Problem)))]
async fn pubsub(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Conn(target): Conn,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<HttpResponse, ApiError> {
    let upgrade = upgrade.map_err(|rejection| ApiError::invalid_input(rejection.body_text()))?;
    let settings = state.service.settings();
    let queue = settings.pubsub.socket_queue;
    let member = state.service.watch_channels(&target, queue).await?;
    let socket = Socket {
        state: state.clone(),
        caller,
        target,
        member,
    };
    let max = settings.api.max_body_bytes;
    Ok(upgrade
        .max_message_size(max)
        .on_upgrade(move |ws| socket.run(ws)))
}

/// One open socket and its share of the connection's subscriber.
struct Socket {
    state: AppState,
    caller: Caller,
    target: ConnectTarget,
    member: Membership,
}

impl Socket {
    async fn run(self, mut ws: WebSocket) {
        loop {
            let sent = tokio::select! {
                frame = ws.recv() => match frame {
                    Some(Ok(WsMessage::Text(text))) => {
                        let reply = self.answer(&text).await;
                        send(&mut ws, &reply).await
                    }
                    Some(Ok(WsMessage::Binary(_))) => {
                        let error = ApiError::invalid_input("send frames as JSON text");
                        send(&mut ws, &error.into()).await
                    }
                    Some(Ok(_)) => true,
                    Some(Err(_)) | None => false,
                },
                () = self.member.ready() => self.forward(&mut ws).await,
            };
            if !sent {
                // Dropping the membership unsubscribes what only this socket
                // wanted, and closes the connection after the last socket.
                return;
            }
        }
    }

    /// Sends what waited in the mailbox; false once the client is gone.
    async fn forward(&self, ws: &mut WebSocket) -> bool {
        let Batch {
            messages,
            dropped,
            lost,
            resubscribed,
        } = self.member.take();
        let mut frames = Vec::with_capacity(messages.len() + 3);
        if let Some(error) = lost {
            frames.push(ServerFrame::Disconnected {
                detail: error.to_string(),
            });
        }
        if resubscribed {
            frames.push(ServerFrame::Resubscribed);
        }
        if dropped > 0 {
            frames.push(ServerFrame::Dropped { count: dropped });
        }
        frames.extend(messages.into_iter().map(ServerFrame::from));
        // Queued first and flushed once: one write for a batch, not one
        // per message.
        for frame in &frames {
            let Some(text) = encode(frame) else {
                return false;
            };
            if ws.feed(WsMessage::Text(text)).await.is_err() {
                return false;
            }
        }
        ws.flush().await.is_ok()
    }

    /// The reply to one client frame.
    async fn answer(&self, text: &str) -> ServerFrame {
        let frame = match serde_json::from_str::<ClientFrame>(text) {
            Ok(frame) => frame,
            Err(error) => return ApiError::invalid_input(format!("bad frame: {error}")).into(),
        };
        self.apply(frame).await.unwrap_or_else(ServerFrame::from)
    }

    async fn apply(&self, frame: ClientFrame) -> Result<ServerFrame, ApiError> {
        let (target, add, names) = match frame {
            ClientFrame::Publish { channel, message } => {
                return self.publish(channel, message).await;
            }
            ClientFrame::Subscribe { channels } => (Target::Channels, true, channels),
            ClientFrame::Unsubscribe { channels } => (Target::Channels, false, channels),
            ClientFrame::Psubscribe { patterns } => (Target::Patterns, true, patterns),
            ClientFrame::Punsubscribe { patterns } => (Target::Patterns, false, patterns),
        };
        if names.is_empty() {
            return Err(ApiError::invalid_input(
                "name at least one channel or pattern",
            ));
        }
        self.member
            .change(Change { target, add }, names.clone())
            .await?;
        Ok(match (target, add) {
            (Target::Channels, true) => ServerFrame::Subscribed { channels: names },
            (Target::Channels, false) => ServerFrame::Unsubscribed { channels: names },
            (Target::Patterns, true) => ServerFrame::Psubscribed { patterns: names },
            (Target::Patterns, false) => ServerFrame::Punsubscribed { patterns: names },
        })
    }

    async fn publish(
        &self,
        channel: ByteString,
        message: ByteString,
    ) -> Result<ServerFrame, ApiError> {
        if self.caller.scope() < Scope::Write {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "this token's scope is {}; publishing needs write",
                    self.caller.scope()
                ),
            ));
        }
        let request = Request::Publish {
            channel: channel.clone(),
            message,
        };
        match run_redis(&self.state, self.target.clone(), None, request).await? {
            Response::Published(receivers) => Ok(ServerFrame::Published { channel, receivers }),
            _ => Err(super::unexpected()),
        }
    }
}

/// Sends one frame; false once the client is gone.
async fn send(ws: &mut WebSocket, frame: &ServerFrame) -> bool {
    match encode(frame) {
        Some(text) => ws.send(WsMessage::Text(text)).await.is_ok(),
        None => false,
    }
}

fn encode(frame: &ServerFrame) -> Option<Utf8Bytes> {
    serde_json::to_string(frame)
        .map(Utf8Bytes::from)
        .map_err(|error| tracing::error!(%error, "a pub/sub frame did not encode"))
        .ok()
}
