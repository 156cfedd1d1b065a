//! Where and how to reach a server: the redis crate's URL (`redis://`,
//! `rediss://`, `unix://`, `redis+unix://`) plus dbdeck's own TLS query
//! parameters, which are taken out before the crate sees the URL.
//!
//! - `tls_ca=/path/ca.pem`: trust this CA instead of the system's roots;
//! - `tls_cert=/path/client.pem&tls_key=/path/client.key`: a client
//!   certificate, for servers started with `tls-auth-clients yes`;
//! - `tls_insecure=true`: skip verifying the server's certificate. Off by
//!   default; meant for test servers with throwaway certificates only.

use std::path::{Path, PathBuf};

use redis::{ClientTlsConfig, ConnectionInfo, IntoConnectionInfo, TlsCertificates};

use crate::driver::DriverError;

/// dbdeck's query parameters for TLS.
const TLS_PARAMS: [&str; 4] = ["tls_ca", "tls_cert", "tls_key", "tls_insecure"];

/// A URL for the redis crate and the TLS files to load for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL without dbdeck's parameters (`#insecure` added when asked).
    pub url: String,
    pub ca: Option<PathBuf>,
    /// A client certificate and its key, both PEM.
    pub client: Option<(PathBuf, PathBuf)>,
    pub insecure: bool,
}

impl Endpoint {
    /// Takes dbdeck's TLS parameters out of `url`; refuses them on a URL
    /// that is not `rediss://`, and a certificate without its key.
    pub fn parse(url: &str) -> Result<Self, DriverError> {
        let (base, fragment) = url.split_once('#').unwrap_or((url, ""));
        let (base, query) = base.split_once('?').unwrap_or((base, ""));
        let mut endpoint = Self::default();
        let mut kept = Vec::new();
        let (mut cert, mut key) = (None, None);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let path = || PathBuf::from(decode(value));
            match name {
                "tls_ca" => endpoint.ca = Some(path()),
                "tls_cert" => cert = Some(path()),
                "tls_key" => key = Some(path()),
                "tls_insecure" => endpoint.insecure = parse_flag(value)?,
                _ => kept.push(pair),
            }
        }
        endpoint.client = match (cert, key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => {
                return Err(DriverError::InvalidInput(
                    "tls_cert and tls_key go together: give both, or neither".into(),
                ));
            }
        };

        let tls = base.to_ascii_lowercase().starts_with("rediss://");
        let uses_tls = endpoint.ca.is_some() || endpoint.client.is_some() || endpoint.insecure;
        if uses_tls && !tls {
            return Err(DriverError::InvalidInput(format!(
                "{} apply to TLS connections only: use a rediss:// URL",
                TLS_PARAMS.join(", ")
            )));
        }
        let fragment = if endpoint.insecure {
            "insecure"
        } else {
            fragment
        };
        endpoint.url = match (kept.is_empty(), fragment.is_empty()) {
            (true, true) => base.to_owned(),
            (true, false) => format!("{base}#{fragment}"),
            (false, true) => format!("{base}?{}", kept.join("&")),
            (false, false) => format!("{base}?{}#{fragment}", kept.join("&")),
        };
        Ok(endpoint)
    }

    /// The redis crate's connection info for the URL.
    pub fn info(&self) -> Result<ConnectionInfo, DriverError> {
        self.url
            .as_str()
            .into_connection_info()
            .map_err(|e| DriverError::InvalidInput(format!("invalid Redis URL: {e}")))
    }

    /// The CA and client certificate, read from their files; `None` when
    /// the URL names neither (the system's roots are used).
    pub fn certificates(&self) -> Result<Option<TlsCertificates>, DriverError> {
        if self.ca.is_none() && self.client.is_none() {
            return Ok(None);
        }
        let root_cert = self.ca.as_deref().map(|p| read("CA", p)).transpose()?;
        let client_tls = match &self.client {
            Some((cert, key)) => Some(ClientTlsConfig {
                client_cert: read("client certificate", cert)?,
                client_key: read("client key", key)?,
            }),
            None => None,
        };
        Ok(Some(TlsCertificates {
            client_tls,
            root_cert,
        }))
    }
}

fn decode(value: &str) -> String {
    percent_encoding::percent_decode_str(value)
        .decode_utf8_lossy()
        .into_owned()
}

fn parse_flag(value: &str) -> Result<bool, DriverError> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        other => Err(DriverError::InvalidInput(format!(
            "tls_insecure takes true or false, not {other:?}"
        ))),
    }
}

fn read(what: &str, path: &Path) -> Result<Vec<u8>, DriverError> {
    std::fs::read(path).map_err(|e| {
        DriverError::InvalidInput(format!(
            "cannot read the TLS {what} file {}: {e}",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_are_taken_out_of_the_url() {
        let endpoint = Endpoint::parse(
            "rediss://h:6380/2?tls_ca=%2Ftmp%2Fca.pem&protocol=resp3&tls_cert=/c.pem&tls_key=/c.key",
        )
        .unwrap();
        assert_eq!(endpoint.url, "rediss://h:6380/2?protocol=resp3");
        assert_eq!(endpoint.ca, Some(PathBuf::from("/tmp/ca.pem")));
        assert_eq!(
            endpoint.client,
            Some((PathBuf::from("/c.pem"), PathBuf::from("/c.key")))
        );
        assert!(!endpoint.insecure);
    }

    #[test]
    fn skipping_verification_is_asked_for_explicitly() {
        let endpoint = Endpoint::parse("rediss://h:6380?tls_insecure=true").unwrap();
        assert_eq!(endpoint.url, "rediss://h:6380#insecure");
        assert!(endpoint.insecure);
        let plain = Endpoint::parse("rediss://h:6380").unwrap();
        assert_eq!(
            (plain.url.as_str(), plain.insecure),
            ("rediss://h:6380", false)
        );
        assert!(Endpoint::parse("rediss://h?tls_insecure=maybe").is_err());
    }

    #[test]
    fn tls_parameters_without_tls_are_refused() {
        let Err(DriverError::InvalidInput(message)) = Endpoint::parse("redis://h?tls_ca=/ca.pem")
        else {
            panic!("tls_ca on redis:// must be refused");
        };
        assert!(message.contains("rediss://"), "{message}");
        assert!(Endpoint::parse("rediss://h?tls_cert=/c.pem").is_err());
    }

    #[test]
    fn socket_urls_pass_through() {
        let endpoint = Endpoint::parse("unix:///run/redis.sock?db=1").unwrap();
        assert_eq!(endpoint.url, "unix:///run/redis.sock?db=1");
        assert_eq!(endpoint.info().unwrap().redis_settings().db(), 1);
    }

    #[test]
    fn a_missing_ca_file_is_named() {
        let endpoint = Endpoint::parse("rediss://h?tls_ca=/no/such/ca.pem").unwrap();
        let Err(DriverError::InvalidInput(message)) = endpoint.certificates() else {
            panic!("a missing CA file must be an error");
        };
        assert!(message.contains("/no/such/ca.pem"), "{message}");
    }
}
