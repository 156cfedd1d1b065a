//! Pub/sub: a subscriber on its own connection, and PUBSUB CHANNELS,
//! PUBSUB NUMSUB and PUBLISH on the ordinary client.
//!
//! A subscriber's connection cannot run other commands, so it is opened
//! from the profile's target beside the shared client, never instead of it.
//! One task owns it: it hands each message to a sink as it arrives, applies
//! subscription changes in the order they were asked for, and when the
//! connection drops it reconnects with a growing pause and subscribes again
//! to everything it had, reporting both through the sink.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use redis::aio::{PubSub, PubSubSink, PubSubStream};
use tokio::sync::{mpsc, oneshot};

use super::{RedisClient, Timeouts, map_error};
use crate::domain::pubsub::{ChannelInfo, Message, Target};
use crate::domain::{ByteString, ConnectTarget};
use crate::driver::DriverError;

/// The first pause before reconnecting, doubled up to `MAX_PAUSE`.
const FIRST_PAUSE: Duration = Duration::from_millis(100);
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// How many channels one PUBSUB NUMSUB asks about.
const NUMSUB_BATCH: usize = 500;

/// What a subscriber reports.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedEvent {
    Message(Message),
    /// The connection dropped; the subscriber is reconnecting.
    Lost(DriverError),
    /// The connection is back and every subscription was made again.
    Resubscribed,
}

/// Where a subscriber hands its events; called on the subscriber's task, so
/// it must not block.
pub type FeedSink = Arc<dyn Fn(FeedEvent) + Send + Sync>;

/// A subscription change: add or remove channels or patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub target: Target,
    pub add: bool,
}

struct Command {
    change: Change,
    names: Vec<ByteString>,
    reply: oneshot::Sender<Result<(), DriverError>>,
}

/// A live subscription connection. Dropping it closes the connection.
pub struct Subscriber {
    commands: mpsc::UnboundedSender<Command>,
}

impl Subscriber {
    /// Asks for a change now, in order with every change asked before, and
    /// returns a future for the server's confirmation.
    pub fn change(
        &self,
        change: Change,
        names: Vec<ByteString>,
    ) -> impl Future<Output = Result<(), DriverError>> + Send + 'static {
        let (reply, answer) = oneshot::channel();
        let sent = self.commands.send(Command {
            change,
            names,
            reply,
        });
        async move {
            sent.map_err(|_| closed())?;
            answer.await.map_err(|_| closed())?
        }
    }
}

fn closed() -> DriverError {
    DriverError::Unavailable("the subscription connection is closed".into())
}

/// Opens a subscription connection to the target's server and starts the
/// task that feeds `sink`.
pub async fn subscriber(
    target: &ConnectTarget,
    timeouts: Timeouts,
    sink: FeedSink,
) -> Result<Subscriber, DriverError> {
    // Its own connection, with the user, password and TLS files of the
    // target, on the URL's database.
    let client = super::server_client(target)?;
    let (conn_sink, stream) = open(&client, timeouts).await?.split();
    let (commands, receiver) = mpsc::unbounded_channel();
    let task = Task {
        client,
        timeouts,
        sink,
        commands: receiver,
        channels: BTreeSet::new(),
        patterns: BTreeSet::new(),
    };
    tokio::spawn(task.run(conn_sink, stream));
    Ok(Subscriber { commands })
}

async fn open(client: &redis::Client, timeouts: Timeouts) -> Result<PubSub, DriverError> {
    match tokio::time::timeout(timeouts.connect, client.get_async_pubsub()).await {
        Ok(result) => result.map_err(map_error),
        Err(_) => Err(DriverError::Timeout),
    }
}

/// The subscriber's task: owns the connection and what it subscribes to.
struct Task {
    client: redis::Client,
    timeouts: Timeouts,
    sink: FeedSink,
    commands: mpsc::UnboundedReceiver<Command>,
    channels: BTreeSet<ByteString>,
    patterns: BTreeSet<ByteString>,
}

impl Task {
    async fn run(mut self, mut conn: PubSubSink, mut stream: PubSubStream) {
        loop {
            tokio::select! {
                command = self.commands.recv() => {
                    let Some(command) = command else { return };
                    let result = self.apply(&mut conn, command.change, &command.names).await;
                    let _ = command.reply.send(result);
                }
                message = stream.next() => {
                    if let Some(message) = message {
                        (self.sink)(FeedEvent::Message(convert(&message)));
                        continue;
                    }
                    (self.sink)(FeedEvent::Lost(closed()));
                    let Some((new_conn, new_stream)) = self.reconnect().await else { return };
                    (conn, stream) = (new_conn, new_stream);
                    (self.sink)(FeedEvent::Resubscribed);
                }
            }
        }
    }

    /// Sends one change and, once the server confirmed it, records it.
    async fn apply(
        &mut self,
        conn: &mut PubSubSink,
        change: Change,
        names: &[ByteString],
    ) -> Result<(), DriverError> {
        if names.is_empty() {
            return Ok(());
        }
        let args: Vec<&[u8]> = names.iter().map(ByteString::as_bytes).collect();
        let sent = match (change.target, change.add) {
            (Target::Channels, true) => conn.subscribe(args).await,
            (Target::Channels, false) => conn.unsubscribe(args).await,
            (Target::Patterns, true) => conn.psubscribe(args).await,
            (Target::Patterns, false) => conn.punsubscribe(args).await,
        };
        sent.map_err(map_error)?;
        let set = match change.target {
            Target::Channels => &mut self.channels,
            Target::Patterns => &mut self.patterns,
        };
        for name in names {
            if change.add {
                set.insert(name.clone());
            } else {
                set.remove(name);
            }
        }
        Ok(())
    }

    /// Reconnects until it succeeds, answering changes asked meanwhile
    /// with an error; `None` once the subscriber was dropped.
    async fn reconnect(&mut self) -> Option<(PubSubSink, PubSubStream)> {
        let mut pause = FIRST_PAUSE;
        loop {
            let deadline = tokio::time::Instant::now() + pause;
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => break,
                    command = self.commands.recv() => {
                        let command = command?;
                        let _ = command.reply.send(Err(DriverError::Unavailable(
                            "the subscription connection is reconnecting; try again".into(),
                        )));
                    }
                }
            }
            match self.resubscribe().await {
                Ok(pair) => return Some(pair),
                Err(error) => tracing::debug!(%error, "pub/sub reconnect failed"),
            }
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }

    async fn resubscribe(&self) -> Result<(PubSubSink, PubSubStream), DriverError> {
        let (mut conn, stream) = open(&self.client, self.timeouts).await?.split();
        if !self.channels.is_empty() {
            let args: Vec<&[u8]> = self.channels.iter().map(ByteString::as_bytes).collect();
            conn.subscribe(args).await.map_err(map_error)?;
        }
        if !self.patterns.is_empty() {
            let args: Vec<&[u8]> = self.patterns.iter().map(ByteString::as_bytes).collect();
            conn.psubscribe(args).await.map_err(map_error)?;
        }
        Ok((conn, stream))
    }
}

fn convert(message: &redis::Msg) -> Message {
    let channel: Vec<u8> = message.get_channel().unwrap_or_default();
    let pattern: Option<Vec<u8>> = message.get_pattern().unwrap_or_default();
    Message::now(
        channel.into(),
        pattern.map(ByteString::from),
        message.get_payload_bytes().into(),
    )
}

/// The active channels (PUBSUB CHANNELS, matching `pattern` when given),
/// sorted, with their subscriber counts.
pub async fn channels(
    client: &RedisClient,
    pattern: Option<&ByteString>,
) -> Result<Vec<ChannelInfo>, DriverError> {
    let mut cmd = redis::cmd("PUBSUB");
    cmd.arg("CHANNELS");
    if let Some(pattern) = pattern {
        cmd.arg(pattern.as_bytes());
    }
    let mut names: Vec<Vec<u8>> = client.query(&cmd).await?;
    names.sort();
    let mut infos = Vec::with_capacity(names.len());
    for batch in names.chunks(NUMSUB_BATCH) {
        let mut cmd = redis::cmd("PUBSUB");
        cmd.arg("NUMSUB").arg(batch);
        let counts: Vec<(Vec<u8>, u64)> = client.query(&cmd).await?;
        infos.extend(
            counts
                .into_iter()
                .map(|(channel, subscribers)| ChannelInfo {
                    channel: channel.into(),
                    subscribers,
                }),
        );
    }
    Ok(infos)
}

/// Publishes `message` on `channel`; returns how many clients received it.
pub async fn publish(
    client: &RedisClient,
    channel: &ByteString,
    message: &ByteString,
) -> Result<u64, DriverError> {
    client
        .query(
            redis::cmd("PUBLISH")
                .arg(channel.as_bytes())
                .arg(message.as_bytes()),
        )
        .await
}

/// The server's `notify-keyspace-events` flags, read with CONFIG GET. dbdeck
/// never changes them: turning notifications on is the operator's call.
pub async fn keyspace_events(client: &RedisClient) -> Result<String, DriverError> {
    let reply: std::collections::HashMap<String, String> = client
        .query(
            redis::cmd("CONFIG")
                .arg("GET")
                .arg("notify-keyspace-events"),
        )
        .await?;
    Ok(reply
        .get("notify-keyspace-events")
        .cloned()
        .unwrap_or_default())
}
