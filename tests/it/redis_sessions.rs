//! The worker pool and sessions against a real server: read-only
//! connections, lost servers, and the live-client cache.

use std::sync::Arc;
use std::time::Duration;

use dbdeck::domain::redis::{
    KeyFilter, Probe, ScanCursor, ScanRequest, Ttl, ValueRequest, ValueWindow,
};
use dbdeck::domain::{ByteString, ConnectTarget};
use dbdeck::driver::DriverError;
use dbdeck::worker::{Job, Request, Response, SessionStats, Sessions, TtlChange, WorkerPool};
use tokio::sync::mpsc;

use dbdeck::driver::redis::Timeouts;

use crate::redis_driver::timeouts;
use crate::support::redis::RedisServer;

fn pool(idle_close: Duration) -> WorkerPool {
    WorkerPool::new(Sessions::new(idle_close, timeouts()), 2)
}

fn job(target: &ConnectTarget, db: u32, request: Request) -> Job {
    Job {
        target: target.clone(),
        db,
        request,
    }
}

fn read_request(key: &str) -> Request {
    Request::Value(ValueRequest {
        key: ByteString::from(key),
        window: ValueWindow::First,
        count: 100,
        max_bytes: 1024,
    })
}

fn stats(pool: &WorkerPool) -> SessionStats {
    pool.sessions().stats()
}

#[tokio::test]
async fn read_only_connection_refuses_every_write_and_changes_nothing() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .arg("EX")
        .arg(600)
        .query::<()>(&mut conn)
        .unwrap();
    let target = ConnectTarget {
        read_only: true,
        ..server.target(1)
    };
    let pool = pool(Duration::from_secs(600));
    let key = ByteString::from("k");

    let writes = [
        Request::SetTtl {
            key: key.clone(),
            change: TtlChange::Persist,
        },
        Request::SetTtl {
            key: key.clone(),
            change: TtlChange::Seconds(5),
        },
        Request::Delete { key: key.clone() },
        Request::SetString {
            key: key.clone(),
            value: ByteString::from("changed"),
        },
    ];
    for write in writes {
        let refused = pool.run(job(&target, 0, write.clone())).await;
        assert_eq!(refused, Err(DriverError::ReadOnly), "{write:?}");
    }

    let value: String = redis::cmd("GET").arg("k").query(&mut conn).unwrap();
    let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut conn).unwrap();
    assert_eq!(value, "v");
    assert!((590..=600).contains(&ttl), "TTL changed to {ttl}");
    let Ok(Response::Value(read)) = pool.run(job(&target, 0, read_request("k"))).await else {
        panic!("reads still work on a read-only connection");
    };
    assert!(matches!(read.ttl, Probe::Known(Ttl::ExpiresIn(_))));
}

#[tokio::test]
async fn killed_server_is_unavailable_then_a_restart_is_picked_up() {
    let mut server = RedisServer::start();
    let target = server.target(1);
    let pool = pool(Duration::from_secs(600));
    let tested = pool.run(job(&target, 0, Request::Test)).await;
    assert!(matches!(tested, Ok(Response::Tested(_))), "{tested:?}");
    assert_eq!(stats(&pool).open, 1);

    server.stop();
    let lost = pool.run(job(&target, 0, read_request("k"))).await;
    assert!(
        matches!(
            lost,
            Err(DriverError::Unavailable(_) | DriverError::Timeout)
        ),
        "{lost:?}"
    );
    assert_eq!(stats(&pool).open, 0, "a lost client is forgotten");

    let port = server.port();
    server.restart();
    assert_eq!(server.port(), port);
    redis::cmd("SET")
        .arg("k")
        .arg("back")
        .query::<()>(&mut server.conn())
        .unwrap();
    let Ok(Response::Value(value)) = pool.run(job(&target, 0, read_request("k"))).await else {
        panic!("the request after a restart should work");
    };
    assert_eq!(
        value.page,
        dbdeck::domain::redis::ValuePage::String {
            length: 4,
            offset: 0,
            preview: ByteString::from("back"),
            truncated: false,
        }
    );
}

#[tokio::test]
async fn sessions_reuse_clients_and_drop_them_on_edit() {
    let server = RedisServer::start();
    let target = server.target(7);
    let pool = pool(Duration::from_secs(600));

    pool.run(job(&target, 0, Request::Test)).await.unwrap();
    pool.run(job(&target, 0, Request::Databases)).await.unwrap();
    let expected = SessionStats {
        hits: 1,
        misses: 1,
        open: 1,
    };
    assert_eq!(stats(&pool), expected);

    pool.run(job(&target, 3, Request::Test)).await.unwrap();
    assert_eq!((stats(&pool).misses, stats(&pool).open), (2, 2));

    // An edited profile has a new revision: its old client is not reused.
    let edited = ConnectTarget {
        revision: 1,
        ..target.clone()
    };
    pool.run(job(&edited, 0, Request::Test)).await.unwrap();
    assert_eq!((stats(&pool).hits, stats(&pool).misses), (1, 3));
    assert_eq!(stats(&pool).open, 2);

    pool.sessions().evict(target.id);
    assert_eq!(stats(&pool).open, 0);
}

#[tokio::test]
async fn close_idle_closes_only_idle_clients() {
    let server = RedisServer::start();
    let target = server.target(1);

    let patient = pool(Duration::from_secs(3600));
    patient.run(job(&target, 0, Request::Test)).await.unwrap();
    assert_eq!(patient.sessions().close_idle(), 0);
    assert_eq!(stats(&patient).open, 1);

    let eager = pool(Duration::ZERO);
    eager.run(job(&target, 0, Request::Test)).await.unwrap();
    eager.run(job(&target, 1, Request::Test)).await.unwrap();
    assert_eq!(eager.sessions().close_idle(), 2);
    assert_eq!(stats(&eager).open, 0);
    eager.run(job(&target, 0, Request::Test)).await.unwrap();
    assert_eq!(stats(&eager).misses, 3);
}

#[tokio::test]
async fn submitted_jobs_answer_with_their_request_ids() {
    let server = RedisServer::start();
    let target = server.target(1);
    let pool = Arc::new(pool(Duration::from_secs(600)));
    let (reply, mut outcomes) = mpsc::unbounded_channel();

    let scan = Request::Scan(ScanRequest {
        filter: KeyFilter::default(),
        key_type: None,
        count: 100,
        cursor: ScanCursor::START,
        budget: Duration::from_secs(5),
    });
    let first = pool.submit(job(&target, 0, Request::Test), reply.clone());
    let second = pool.submit(job(&target, 0, scan), reply);
    let mut ids = Vec::new();
    while let Some(outcome) = outcomes.recv().await {
        match (&outcome.result, outcome.id) {
            (Ok(Response::Tested(_)), id) => assert_eq!(id, first.id),
            (Ok(Response::Keys(page)), id) => {
                assert_eq!(id, second.id);
                assert!(page.complete && page.items.is_empty());
            }
            other => panic!("unexpected outcome {other:?}"),
        }
        ids.push(outcome.id);
    }
    ids.sort();
    assert_eq!(ids, vec![first.id, second.id]);
}

#[tokio::test]
async fn a_cancelled_job_reports_cancelled_and_the_pool_goes_on() {
    let server = RedisServer::start();
    let target = server.target(1);
    let pool = pool(Duration::from_secs(600));
    let (reply, mut outcomes) = mpsc::unbounded_channel();

    // Cancelled before it could connect, so the cancellation always wins.
    let handle = pool.submit(job(&target, 0, Request::Test), reply);
    handle.cancel();
    let outcome = outcomes.recv().await.unwrap();
    assert_eq!(outcome.id, handle.id);
    assert_eq!(outcome.result.unwrap_err(), DriverError::Cancelled);

    let tested = pool.run(job(&target, 0, Request::Test)).await;
    assert!(matches!(tested, Ok(Response::Tested(_))), "{tested:?}");
}

#[tokio::test]
async fn wrong_password_and_no_server_are_told_apart() {
    let mut server = RedisServer::start();
    let mut setuser = redis::cmd("ACL");
    setuser.arg(&["SETUSER", "viewer", "on", ">viewer-pass", "~*", "+@all"][..]);
    setuser.query::<()>(&mut server.conn()).unwrap();
    let pool = pool(Duration::from_secs(600));

    let wrong = server.target_as(1, "viewer", "not-the-password");
    let refused = pool.run(job(&wrong, 0, Request::Test)).await;
    assert!(
        matches!(refused, Err(DriverError::AuthFailed(_))),
        "{refused:?}"
    );

    let right = server.target_as(2, "viewer", "viewer-pass");
    let tested = pool.run(job(&right, 0, Request::Test)).await;
    assert!(matches!(tested, Ok(Response::Tested(_))), "{tested:?}");

    server.stop();
    let unreachable = pool.run(job(&server.target(3), 0, Request::Test)).await;
    assert!(
        matches!(unreachable, Err(DriverError::Unavailable(_))),
        "{unreachable:?}"
    );
}

#[tokio::test]
async fn a_server_that_stops_answering_times_out() {
    let server = RedisServer::start();
    let target = server.target(1);
    let quick = Timeouts {
        connect: Duration::from_secs(2),
        response: Duration::from_millis(200),
    };
    let pool = WorkerPool::new(Sessions::new(Duration::from_secs(600), quick), 2);
    pool.run(job(&target, 0, Request::Databases)).await.unwrap();

    // Every client's commands wait for a second; the reply deadline is 200 ms.
    let mut pause = redis::cmd("CLIENT");
    pause.arg(&["PAUSE", "1000", "ALL"][..]);
    pause.query::<()>(&mut server.conn()).unwrap();
    let late = pool.run(job(&target, 0, Request::Test)).await;
    assert_eq!(late, Err(DriverError::Timeout));
    assert_eq!(stats(&pool).open, 0, "a timed-out client is forgotten");
}
