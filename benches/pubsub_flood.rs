//! The pub/sub pane's pipeline under a flood, for `benches/pubsub_flood.sh`.
//!
//! `pipeline URL SECS` subscribes to `flood` through the hub the TUI uses,
//! takes a batch every frame into the pane's state exactly as the event
//! loop does, and after `SECS` prints what it received and dropped and its
//! peak RSS. `publish URL RATE SECS` publishes 100-byte messages on `flood`
//! at `RATE` a second, pipelined each millisecond, and prints how many it
//! sent. Both run only under `cargo bench`.

use std::error::Error;
use std::time::{Duration, Instant};

use dbdeck::domain::pubsub::{Target, now_ms};
use dbdeck::domain::{ConnectTarget, Kind, ProfileId};
use dbdeck::driver::redis::Timeouts;
use dbdeck::driver::redis::pubsub::Change;
use dbdeck::tui::state::PubSubPane;
use dbdeck::worker::PubSubHub;

/// The TUI's frame: one batch at most this often.
const FRAME: Duration = Duration::from_millis(50);
/// The pane's buffer, as configured by default.
const BUFFER: usize = 10_000;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let runtime = tokio::runtime::Runtime::new()?;
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["pipeline", url, secs] => runtime.block_on(pipeline(url, secs.parse()?)),
        ["publish", url, rate, secs] => publish(url, rate.parse()?, secs.parse()?),
        // `cargo test --all-targets` runs this binary without arguments.
        _ => Ok(()),
    }
}

async fn pipeline(url: &str, secs: u64) -> Result<()> {
    let target = ConnectTarget {
        id: ProfileId(1),
        name: "bench".into(),
        kind: Kind::Redis,
        url: url.to_owned(),
        password: None,
        read_only: false,
        revision: 0,
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(5),
        response: Duration::from_secs(10),
    };
    let hub = PubSubHub::new(timeouts);
    let member = hub.join(&target, BUFFER).await?;
    let subscribe = Change {
        target: Target::Channels,
        add: true,
    };
    member.change(subscribe, vec!["flood".into()]).await?;
    println!("subscribed");

    let mut pane = PubSubPane::new(BUFFER);
    let (mut peak_rate, mut peak_rss) = (0, rss_kb());
    let started = Instant::now();
    let mut frame = tokio::time::interval(FRAME);
    while started.elapsed() < Duration::from_secs(secs) {
        frame.tick().await;
        pane.receive(member.take(), now_ms());
        peak_rate = peak_rate.max(pane.rate);
        peak_rss = peak_rss.max(rss_kb());
    }
    pane.receive(member.take(), now_ms());
    println!(
        "received={} dropped={} peak_rate={peak_rate} peak_rss_kb={peak_rss}",
        pane.received, pane.dropped
    );
    Ok(())
}

/// VmRSS of this process in KiB, from /proc.
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

fn publish(url: &str, rate: u64, secs: u64) -> Result<()> {
    let mut conn = redis::Client::open(url)?.get_connection()?;
    let payload = "x".repeat(100);
    let per_ms = (rate / 1000).max(1);
    let started = Instant::now();
    let mut sent = 0u64;
    let mut tick = 0u64;
    while started.elapsed() < Duration::from_secs(secs) {
        let mut pipe = redis::pipe();
        for _ in 0..per_ms {
            pipe.cmd("PUBLISH").arg("flood").arg(&payload).ignore();
        }
        pipe.query::<()>(&mut conn)?;
        sent += per_ms;
        tick += 1;
        let due = started + Duration::from_millis(tick);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("sent={sent} rate={:.0}", sent as f64 / elapsed);
    Ok(())
}
