use crossterm::event::KeyCode;

use super::*;
use crate::tui::event::Event;
use crate::tui::state::tests::{Harness, many_keys};

fn message(channel: &str, payload: &str) -> Message {
    Message {
        received_ms: 1_700_000_000_000,
        channel: channel.into(),
        pattern: None,
        payload: payload.into(),
    }
}

fn batch(messages: Vec<Message>, dropped: u64) -> Batch {
    Batch {
        messages,
        dropped,
        ..Batch::default()
    }
}

fn flood(from: usize, count: usize) -> Vec<Message> {
    (from..from + count)
        .map(|n| message("flood", &n.to_string()))
        .collect()
}

/// The pane open on a connected key list, its connection joined.
fn opened(buffer: usize) -> (Harness, Vec<Effect>) {
    let mut h = Harness::with_keys(many_keys(2), None);
    h.state.config.pubsub_buffer = buffer;
    h.state.pubsub = PubSubPane::new(buffer);
    let effects = h.press(KeyCode::Char('P'));
    h.send(Event::Watching(Ok(())));
    (h, effects)
}

#[test]
fn one_key_opens_the_pane_joins_and_lists_channels_and_esc_leaves() {
    let (mut h, effects) = opened(100);
    assert_eq!(h.state.focus, Focus::PubSub);
    assert!(matches!(effects.as_slice(), [Effect::Watch(t)] if t.name == "local"));
    assert_eq!(h.state.pubsub.link, Link::Open);
    let id = h.last(|r| *r == Request::Channels { pattern: None });
    let list = vec![ChannelInfo {
        channel: "orders".into(),
        subscribers: 3,
    }];
    h.reply(id, Ok(Response::Channels(list.clone())));
    assert_eq!(h.state.pubsub.server_channels, list);

    let effects = h.press(KeyCode::Esc);
    assert!(matches!(effects.as_slice(), [Effect::Unwatch]));
    assert_eq!(h.state.focus, Focus::Keys);
    assert_eq!(h.state.pubsub.link, Link::Closed);
}

#[test]
fn the_prompt_subscribes_to_several_channels_and_patterns_at_once() {
    let (mut h, _) = opened(100);
    h.press(KeyCode::Char('s'));
    h.typed("orders bin:1 news");
    let effects = h.press(KeyCode::Enter);
    let names: Vec<ByteString> = ["orders", "bin:1", "news"].map(ByteString::from).into();
    let expected = Effect::ChangeSubscription {
        change: Change {
            target: Target::Channels,
            add: true,
        },
        names: names.clone(),
    };
    assert_eq!(format!("{effects:?}"), format!("{:?}", [expected]));

    let change = Change {
        target: Target::Channels,
        add: true,
    };
    let before = h.job_count();
    h.send(Event::SubscriptionChanged {
        change,
        names,
        result: Ok(()),
    });
    let sorted: Vec<ByteString> = ["bin:1", "news", "orders"].map(ByteString::from).into();
    assert_eq!(h.state.pubsub.channels, sorted);
    assert_eq!(h.job_count(), before + 1, "the channel list is read again");

    h.press(KeyCode::Char('S'));
    h.typed("user:*");
    let effects = h.press(KeyCode::Enter);
    assert!(matches!(
        effects.as_slice(),
        [Effect::ChangeSubscription {
            change: Change {
                target: Target::Patterns,
                add: true
            },
            ..
        }]
    ));
}

#[test]
fn a_subscription_asked_before_the_connection_opened_is_sent_when_it_has() {
    let mut h = Harness::with_keys(many_keys(2), None);
    h.press(KeyCode::Char('P'));
    h.press(KeyCode::Char('s'));
    h.typed("early");
    assert!(h.press(KeyCode::Enter).is_empty());
    let effects = h.send(Event::Watching(Ok(())));
    assert!(matches!(
        effects.as_slice(),
        [Effect::ChangeSubscription { names, .. }] if names == &[ByteString::from("early")]
    ));
}

#[test]
fn a_failed_subscription_says_why_and_changes_nothing() {
    let (mut h, _) = opened(100);
    h.send(Event::SubscriptionChanged {
        change: Change {
            target: Target::Channels,
            add: true,
        },
        names: vec!["x".into()],
        result: Err("NOPERM no permissions to access the 'x' channel".into()),
    });
    assert!(h.state.pubsub.channels.is_empty());
    assert!(h.message().contains("NOPERM"), "{}", h.message());
}

#[test]
fn under_a_flood_every_message_is_shown_or_counted_dropped() {
    let (mut h, _) = opened(1000);
    let mut sent = 0;
    let mut mailbox_drops = 0;
    for frame in 0..50u64 {
        // What a mailbox of 2,000 hands over per frame at 50,000 msg/s.
        let messages = flood(sent, 1000);
        sent += 1000 + 700;
        mailbox_drops += 700;
        h.send(Event::Feed {
            batch: batch(messages, 700),
            now_ms: frame * 20,
        });
        if frame == 20 {
            h.press(KeyCode::Char('p'));
        }
    }
    let pane = &h.state.pubsub;
    assert!(pane.paused);
    assert_eq!(pane.held.len(), 1000, "the paused ring is bounded");
    assert_eq!(pane.shown.len(), 1000, "the shown ring is bounded");
    assert!(pane.dropped > mailbox_drops, "the paused ring dropped too");
    assert_eq!(
        pane.received + pane.held.len() as u64 + pane.dropped,
        sent as u64
    );

    h.press(KeyCode::Char('p'));
    let pane = &h.state.pubsub;
    assert!(!pane.paused);
    assert!(pane.held.is_empty());
    assert_eq!(pane.received + pane.dropped, sent as u64);
    let newest = pane.visible().next().map(|m| m.payload.clone());
    assert_eq!(newest, Some(ByteString::from((sent - 701).to_string())));
    assert_eq!(
        pane.rate,
        1000 * 50,
        "the last second of batches, from their clock"
    );
}

#[test]
fn paused_messages_wait_with_a_count_and_show_on_resume() {
    let (mut h, _) = opened(100);
    h.send(Event::Feed {
        batch: batch(vec![message("a", "first")], 0),
        now_ms: 0,
    });
    h.press(KeyCode::Char('p'));
    h.send(Event::Feed {
        batch: batch(vec![message("a", "second"), message("a", "third")], 0),
        now_ms: 10,
    });
    assert_eq!(h.state.pubsub.held.len(), 2);
    assert_eq!(h.state.pubsub.visible().count(), 1);
    h.press(KeyCode::Char('p'));
    let shown: Vec<String> = h
        .state
        .pubsub
        .visible()
        .map(|m| m.payload.escaped())
        .collect();
    assert_eq!(shown, ["third", "second", "first"]);
    assert_eq!(h.state.pubsub.received, 3);
}

#[test]
fn the_filter_shows_matching_messages_and_clear_forgets_them() {
    let (mut h, _) = opened(100);
    let messages = vec![
        message("orders", "{\"id\":1}"),
        message("audit", "login alice"),
        message("orders", "{\"id\":2}"),
    ];
    h.send(Event::Feed {
        batch: batch(messages, 0),
        now_ms: 0,
    });
    h.press(KeyCode::Char('/'));
    h.typed("alice");
    h.press(KeyCode::Enter);
    let shown: Vec<String> = h
        .state
        .pubsub
        .visible()
        .map(|m| m.channel.escaped())
        .collect();
    assert_eq!(shown, ["audit"]);

    h.press(KeyCode::Char('c'));
    assert_eq!(h.state.pubsub.visible().count(), 0);
    assert_eq!((h.state.pubsub.received, h.state.pubsub.dropped), (0, 0));
}

#[test]
fn publish_sends_the_channel_and_the_rest_as_the_message() {
    let (mut h, _) = opened(100);
    h.press(KeyCode::Char('m'));
    h.typed("orders hello world");
    h.press(KeyCode::Enter);
    let id = h.last(|r| {
        *r == Request::Publish {
            channel: "orders".into(),
            message: "hello world".into(),
        }
    });
    h.reply(id, Ok(Response::Published(2)));
    assert_eq!(h.message(), "published to 2 clients");
}

#[test]
fn a_read_only_connection_refuses_to_publish() {
    let mut h = Harness::connected(true);
    h.press(KeyCode::Char('P'));
    let before = h.job_count();
    h.press(KeyCode::Char('m'));
    assert!(h.state.modal.is_none());
    assert_eq!(h.job_count(), before);
    assert!(h.message().contains("read-only"), "{}", h.message());
}

#[test]
fn a_drop_then_a_resubscription_show_in_the_link_state() {
    let (mut h, _) = opened(100);
    let lost = Batch {
        lost: Some(DriverError::Unavailable("closed".into())),
        ..Batch::default()
    };
    h.send(Event::Feed {
        batch: lost,
        now_ms: 0,
    });
    assert!(matches!(&h.state.pubsub.link, Link::Lost(why) if why.contains("closed")));
    let back = Batch {
        resubscribed: true,
        ..Batch::default()
    };
    h.send(Event::Feed {
        batch: back,
        now_ms: 5,
    });
    assert_eq!(h.state.pubsub.link, Link::Resubscribed);
}

#[test]
fn unsubscribe_drops_names_from_whichever_list_holds_them() {
    let (mut h, _) = opened(100);
    h.state.pubsub.patterns = vec!["news.*".into()];
    h.press(KeyCode::Char('u'));
    h.typed("orders news.*");
    let effects = h.press(KeyCode::Enter);
    let targets: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::ChangeSubscription { change, names } => Some((change.target, names.len())),
            _ => None,
        })
        .collect();
    assert_eq!(targets, [(Target::Channels, 2), (Target::Patterns, 1)]);
}

#[test]
fn keyspace_notifications_follow_the_servers_flags_and_toggle_off() {
    let (mut h, _) = opened(100);
    h.press(KeyCode::Char('K'));
    let id = h.last(|r| *r == Request::KeyspaceEvents);
    let effects = h.reply(id, Ok(Response::KeyspaceEvents(String::new())));
    assert!(
        effects.is_empty(),
        "nothing subscribed while the server sends none"
    );
    assert!(
        h.message().contains("does not change server settings"),
        "{}",
        h.message()
    );
    assert_eq!(h.state.pubsub.keyspace, None);

    h.press(KeyCode::Char('K'));
    let id = h.last(|r| *r == Request::KeyspaceEvents);
    let effects = h.reply(id, Ok(Response::KeyspaceEvents("K$g".into())));
    let pattern = ByteString::from("__keyspace@0__:*");
    assert!(matches!(
        effects.as_slice(),
        [Effect::ChangeSubscription { change: Change { target: Target::Patterns, add: true }, names }]
            if names.as_slice() == std::slice::from_ref(&pattern)
    ));
    assert_eq!(h.state.pubsub.keyspace, Some(pattern));

    let effects = h.press(KeyCode::Char('K'));
    assert!(matches!(
        effects.as_slice(),
        [Effect::ChangeSubscription {
            change: Change { add: false, .. },
            ..
        }]
    ));
    assert_eq!(h.state.pubsub.keyspace, None);
}

#[test]
fn switching_connection_ends_the_pane_and_its_subscriptions() {
    use crate::tui::effect::Purpose;
    use crate::tui::state::tests::target;
    let (mut h, _) = opened(100);
    h.send(Event::Feed {
        batch: batch(vec![message("a", "old server")], 0),
        now_ms: 0,
    });
    let other = crate::domain::ConnectTarget {
        name: "other".into(),
        id: crate::domain::ProfileId(2),
        ..target(false)
    };
    let effects = h.send(Event::Resolved {
        purpose: Purpose::Open,
        result: Ok(other),
    });
    assert!(effects.iter().any(|e| matches!(e, Effect::Unwatch)));
    assert_eq!(h.state.pubsub.link, Link::Closed);
    assert!(h.state.pubsub.shown.is_empty());
}
