//! TLS and unix sockets against a real server: a verified connection with
//! the test CA, a clear refusal without it, explicit skip-verification, and
//! a socket path.

use dbdeck::domain::redis::Probe;
use dbdeck::driver::DriverError;
use dbdeck::driver::redis::{self as driver};

use crate::redis_driver::timeouts;
use crate::support::redis::{SocketRedis, TlsRedis};

fn seed(server: &crate::support::redis::RedisServer) {
    redis::cmd("SET")
        .arg("greeting")
        .arg("hello")
        .query::<()>(&mut server.conn())
        .unwrap();
}

#[tokio::test]
async fn tls_with_the_ca_and_a_client_certificate_connects_verified() {
    let tls = TlsRedis::start();
    seed(&tls.server);
    let query = format!("tls_ca={}&{}", tls.files.path("ca.crt"), tls.client_cert());
    let client = driver::connect(&tls.target(&query), 0, timeouts())
        .await
        .unwrap();
    let summary = driver::server_summary(&client).await.unwrap();
    assert_eq!(summary.dbsize, Probe::Known(1));
}

#[tokio::test]
async fn tls_without_the_ca_fails_with_a_clear_error() {
    let tls = TlsRedis::start();
    let Err(DriverError::Unavailable(message)) =
        driver::connect(&tls.target(&tls.client_cert()), 0, timeouts()).await
    else {
        panic!("a certificate from an unknown CA must be refused");
    };
    assert!(message.contains("not trusted"), "{message}");
    assert!(message.contains("tls_ca"), "{message}");
}

#[tokio::test]
async fn tls_skipping_verification_connects_only_when_asked() {
    let tls = TlsRedis::start();
    seed(&tls.server);
    let query = format!("tls_insecure=true&{}", tls.client_cert());
    let client = driver::connect(&tls.target(&query), 0, timeouts())
        .await
        .unwrap();
    let summary = driver::server_summary(&client).await.unwrap();
    assert_eq!(summary.dbsize, Probe::Known(1));

    let without_cert = driver::connect(&tls.target("tls_insecure=true"), 0, timeouts()).await;
    assert!(
        without_cert.is_err(),
        "the server requires a client certificate"
    );
}

#[tokio::test]
async fn unix_sockets_connect_in_both_spellings() {
    let server = SocketRedis::start();
    seed(&server.server);
    for url in [
        format!("unix://{}", server.socket()),
        format!("redis+unix://{}", server.socket()),
    ] {
        let target = dbdeck::domain::ConnectTarget {
            url: url.clone(),
            ..server.server.target(1)
        };
        let client = driver::connect(&target, 0, timeouts()).await.unwrap();
        let summary = driver::server_summary(&client).await.unwrap();
        assert_eq!(summary.dbsize, Probe::Known(1), "{url}");
    }
}
