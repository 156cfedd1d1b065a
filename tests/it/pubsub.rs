//! Pub/sub against a real server: subscribing to channels and patterns at
//! once, unsubscribing, reconnecting after the server restarts, channels
//! with their subscriber counts, publishing, sharing one connection between
//! members, and a flood that a small mailbox must drop from, exactly.

use std::time::Duration;

use dbdeck::domain::pubsub::{ChannelInfo, Message, Target};
use dbdeck::domain::{ByteString, ConnectTarget};
use dbdeck::driver::DriverError;
use dbdeck::driver::redis::pubsub::Change;
use dbdeck::worker::{Batch, Job, Membership, PubSubHub, Request, Response, Sessions, WorkerPool};

use crate::redis_driver::timeouts;
use crate::support::redis::RedisServer;

const WAIT: Duration = Duration::from_secs(10);

const SUBSCRIBE: Change = Change {
    target: Target::Channels,
    add: true,
};
const UNSUBSCRIBE: Change = Change {
    target: Target::Channels,
    add: false,
};
const PSUBSCRIBE: Change = Change {
    target: Target::Patterns,
    add: true,
};

fn names(list: &[&[u8]]) -> Vec<ByteString> {
    list.iter().map(|name| ByteString::from(*name)).collect()
}

/// The next non-empty batch, failing the test after `WAIT`.
async fn next_batch(member: &Membership) -> Batch {
    loop {
        let batch = member.take();
        if !batch.is_empty() {
            return batch;
        }
        tokio::time::timeout(WAIT, member.ready())
            .await
            .expect("something in the mailbox in time");
    }
}

/// Exactly `count` messages, gathered over as many batches as they take.
async fn messages(member: &Membership, count: usize) -> Vec<Message> {
    let mut got = Vec::new();
    while got.len() < count {
        let batch = next_batch(member).await;
        assert_eq!(
            batch.dropped, 0,
            "nothing dropped from a mailbox read in time"
        );
        got.extend(batch.messages);
    }
    assert_eq!(got.len(), count);
    got
}

fn hub() -> PubSubHub {
    PubSubHub::new(timeouts())
}

#[tokio::test]
async fn subscribes_to_channels_and_patterns_at_once_and_keeps_bytes() {
    let server = RedisServer::start();
    let hub = hub();
    let member = hub.join(&server.target(1), 100).await.unwrap();
    let channels = names(&[b"orders", b"bin\xff\x00"]);
    member.change(SUBSCRIBE, channels).await.unwrap();
    member
        .change(PSUBSCRIBE, names(&[b"user:*", b"audit.?"]))
        .await
        .unwrap();

    assert_eq!(server.publish(b"orders", b"one"), 1);
    assert_eq!(server.publish(b"bin\xff\x00", b"\x00\x01\xfe"), 1);
    assert_eq!(server.publish(b"user:42", b"{\"a\":1}"), 1);
    assert_eq!(server.publish(b"audit.x", b"two"), 1);
    assert_eq!(server.publish(b"elsewhere", b"no"), 0);

    let got = messages(&member, 4).await;
    let seen: Vec<_> = got
        .iter()
        .map(|m| (m.channel.clone(), m.pattern.clone(), m.payload.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (b"orders"[..].into(), None, b"one"[..].into()),
            (b"bin\xff\x00"[..].into(), None, b"\x00\x01\xfe"[..].into()),
            (
                b"user:42"[..].into(),
                Some("user:*".into()),
                b"{\"a\":1}"[..].into()
            ),
            (
                b"audit.x"[..].into(),
                Some("audit.?".into()),
                b"two"[..].into()
            ),
        ]
    );
    assert!(got.iter().all(|m| m.received_ms > 1_600_000_000_000));
    let (channels, patterns) = member.subscriptions();
    assert_eq!(channels, names(&[b"bin\xff\x00", b"orders"]));
    assert_eq!(patterns, names(&[b"audit.?", b"user:*"]));
}

#[tokio::test]
async fn a_subscription_the_acl_refuses_is_an_error_and_not_kept() {
    let server = RedisServer::start();
    redis::cmd("ACL")
        .arg("SETUSER")
        .arg("narrow")
        .arg("on")
        .arg(">pw")
        .arg("resetchannels")
        .arg("&allowed")
        .arg("+@all")
        .query::<()>(&mut server.conn())
        .unwrap();
    let hub = hub();
    let member = hub
        .join(&server.target_as(1, "narrow", "pw"), 100)
        .await
        .unwrap();
    let refused = member.change(SUBSCRIBE, names(&[b"secret"])).await;
    assert!(
        matches!(refused, Err(DriverError::NotPermitted(_))),
        "{refused:?}"
    );
    assert!(member.subscriptions().0.is_empty());
    member
        .change(SUBSCRIBE, names(&[b"allowed"]))
        .await
        .unwrap();
    assert_eq!(member.subscriptions().0, names(&[b"allowed"]));
}

#[tokio::test]
async fn unsubscribing_stops_only_those_channels() {
    let server = RedisServer::start();
    let hub = hub();
    let member = hub.join(&server.target(1), 100).await.unwrap();
    member
        .change(SUBSCRIBE, names(&[b"a", b"b"]))
        .await
        .unwrap();
    member.change(UNSUBSCRIBE, names(&[b"a"])).await.unwrap();

    assert_eq!(server.publish(b"a", b"gone"), 0);
    assert_eq!(server.publish(b"b", b"kept"), 1);
    let got = messages(&member, 1).await;
    assert_eq!(got[0].payload, ByteString::from("kept"));
    assert_eq!(member.subscriptions().0, names(&[b"b"]));
}

#[tokio::test]
async fn a_restarted_server_is_resubscribed_and_says_so() {
    let mut server = RedisServer::start();
    let hub = hub();
    let member = hub.join(&server.target(1), 100).await.unwrap();
    member.change(SUBSCRIBE, names(&[b"jobs"])).await.unwrap();
    member.change(PSUBSCRIBE, names(&[b"ev:*"])).await.unwrap();

    server.restart();
    let mut lost = false;
    let mut resubscribed = false;
    while !resubscribed {
        let batch = next_batch(&member).await;
        lost |= batch.lost.is_some();
        resubscribed = batch.resubscribed;
    }
    assert!(lost, "the drop is reported before the resubscription");

    assert_eq!(server.publish(b"jobs", b"after"), 1);
    server.publish(b"ev:1", b"pattern after");
    let got = messages(&member, 2).await;
    assert_eq!(got[0].payload, ByteString::from("after"));
    assert_eq!(got[1].pattern, Some(ByteString::from("ev:*")));
}

#[tokio::test]
async fn members_share_one_connection_that_closes_with_the_last() {
    let server = RedisServer::start();
    let hub = hub();
    let target = server.target(1);
    let first = hub.join(&target, 100).await.unwrap();
    let second = hub.join(&target, 100).await.unwrap();
    first
        .change(SUBSCRIBE, names(&[b"shared", b"mine"]))
        .await
        .unwrap();
    second.change(SUBSCRIBE, names(&[b"shared"])).await.unwrap();
    assert_eq!(server.pubsub_clients(), 1);
    assert_eq!(hub.open_connections(), 1);

    server.publish(b"mine", b"for first");
    server.publish(b"shared", b"for both");
    let to_first = messages(&first, 2).await;
    let to_second = messages(&second, 1).await;
    assert_eq!(to_first[0].payload, ByteString::from("for first"));
    assert_eq!(to_second[0].payload, ByteString::from("for both"));

    // The second leaving keeps `shared` subscribed for the first.
    drop(second);
    assert_eq!(server.publish(b"shared", b"still"), 1);
    assert_eq!(
        messages(&first, 1).await[0].payload,
        ByteString::from("still")
    );

    drop(first);
    assert_eq!(hub.open_connections(), 0);
    let deadline = std::time::Instant::now() + WAIT;
    while server.pubsub_clients() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the connection closes"
        );
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_flood_into_a_small_mailbox_counts_every_message_it_drops() {
    const SENT: usize = 20_000;
    const CAPACITY: usize = 500;
    let server = RedisServer::start();
    let hub = hub();
    let target = server.target(1);
    let flooded = hub.join(&target, CAPACITY).await.unwrap();
    let watcher = hub.join(&target, 10).await.unwrap();
    flooded.change(SUBSCRIBE, names(&[b"flood"])).await.unwrap();
    watcher.change(SUBSCRIBE, names(&[b"done"])).await.unwrap();

    let mut pipe = redis::pipe();
    for n in 0..SENT {
        pipe.cmd("PUBLISH").arg("flood").arg(n).ignore();
    }
    pipe.cmd("PUBLISH").arg("done").arg("").ignore();
    pipe.query::<()>(&mut server.conn()).unwrap();

    // One connection delivers in order: once `done` arrived, so did the flood.
    messages(&watcher, 1).await;
    let batch = flooded.take();
    assert_eq!(batch.messages.len() as u64 + batch.dropped, SENT as u64);
    assert_eq!(batch.messages.len(), CAPACITY);
    let last = batch.messages.last().map(|m| m.payload.clone());
    assert_eq!(last, Some(ByteString::from((SENT - 1).to_string())));
}

fn pool() -> WorkerPool {
    WorkerPool::new(Sessions::new(Duration::from_secs(600), timeouts()), 2)
}

fn job(target: &ConnectTarget, request: Request) -> Job {
    Job {
        target: target.clone(),
        db: 0,
        request,
    }
}

#[tokio::test]
async fn channels_list_with_subscriber_counts_and_publish_reaches_them() {
    let server = RedisServer::start();
    let hub = hub();
    let target = server.target(1);
    let member = hub.join(&target, 100).await.unwrap();
    member
        .change(SUBSCRIBE, names(&[b"news:eu", b"news:us", b"other"]))
        .await
        .unwrap();
    let pool = pool();

    let request = Request::Channels {
        pattern: Some("news:*".into()),
    };
    let Ok(Response::Channels(list)) = pool.run(job(&target, request)).await else {
        panic!("a channel list");
    };
    let expected = ["news:eu", "news:us"].map(|channel| ChannelInfo {
        channel: channel.into(),
        subscribers: 1,
    });
    assert_eq!(list, expected);

    let publish = Request::Publish {
        channel: "other".into(),
        message: b"\xff payload"[..].into(),
    };
    assert_eq!(
        pool.run(job(&target, publish)).await,
        Ok(Response::Published(1))
    );
    let got = messages(&member, 1).await;
    assert_eq!(got[0].payload, ByteString::from(&b"\xff payload"[..]));
}

#[tokio::test]
async fn a_read_only_connection_refuses_to_publish_but_subscribes() {
    let server = RedisServer::start();
    let target = ConnectTarget {
        read_only: true,
        ..server.target(1)
    };
    let hub = hub();
    let member = hub.join(&target, 100).await.unwrap();
    member.change(SUBSCRIBE, names(&[b"ro"])).await.unwrap();
    let request = Request::Publish {
        channel: "ro".into(),
        message: "x".into(),
    };
    assert_eq!(
        pool().run(job(&target, request)).await,
        Err(DriverError::ReadOnly)
    );
    assert_eq!(server.publish(b"ro", b"from outside"), 1);
    assert_eq!(
        messages(&member, 1).await[0].channel,
        ByteString::from("ro")
    );
}

#[tokio::test]
async fn keyspace_flags_are_read_and_notifications_arrive_when_on() {
    let off = RedisServer::start();
    let on = RedisServer::with_args(&["--notify-keyspace-events", "K$g"]);
    let request = || job(&off.target(1), Request::KeyspaceEvents);
    assert_eq!(
        pool().run(request()).await,
        Ok(Response::KeyspaceEvents(String::new()))
    );
    let Ok(Response::KeyspaceEvents(flags)) = pool()
        .run(job(&on.target(2), Request::KeyspaceEvents))
        .await
    else {
        panic!("the flags");
    };
    assert!(
        dbdeck::domain::pubsub::keyspace_events_on(&flags),
        "{flags}"
    );

    let hub = hub();
    let member = hub.join(&on.target(2), 100).await.unwrap();
    let pattern = dbdeck::domain::pubsub::keyspace_pattern(0, "user:*");
    member
        .change(PSUBSCRIBE, vec![pattern.clone()])
        .await
        .unwrap();
    redis::cmd("SET")
        .arg("user:1")
        .arg("x")
        .query::<()>(&mut on.conn())
        .unwrap();
    let got = messages(&member, 1).await;
    assert_eq!(got[0].channel, ByteString::from("__keyspace@0__:user:1"));
    assert_eq!(got[0].pattern, Some(pattern));
    assert_eq!(got[0].payload, ByteString::from("set"));
}
