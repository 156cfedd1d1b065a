//! Splitting passwords out of connection URLs, and short names for display.
//!
//! URLs are taken apart by hand rather than with `url::Url`: MongoDB and
//! PostgreSQL seed lists (`host1,host2`) are not valid URLs, and a password
//! holding an unencoded `#`, `/` or `?` ends the authority early, so a
//! generic parser blames a "wrong port" instead of the password. Nothing here
//! may put password text into an error message.

use percent_encoding::percent_decode_str;

use crate::domain::{Kind, Secret};

/// What `split_password` accepts, for the unknown-scheme message.
const SUPPORTED: &str = "redis://, rediss://, unix://, redis+unix://, mongodb://, \
    mongodb+srv://, postgres://, postgresql://, sqlite://, or a path to an SQLite file";

/// How to write the characters that break a password in a URL.
const ENCODE_HINT: &str = "percent-encode it: '#' as %23, '@' as %40, '/' as %2F, \
    ':' as %3A, '?' as %3F, '%' as %25";

/// Characters that end the authority part of a URL (RFC 3986, 3.2).
const AUTHORITY_END: &[char] = &['/', '?', '#'];

/// A URL with its password taken out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitUrl {
    pub kind: Kind,
    /// The URL without any password.
    pub url: String,
    pub password: Option<Secret>,
}

/// A URL that could not be parsed, naming the part at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(pub String);

impl UrlError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// Parses a connection URL and takes its password out. A password holding
/// `#`, `@`, `/`, `%` or `?` must be percent-encoded; an unencoded one gives
/// an error naming the password as the part at fault (never echoing it).
pub fn split_password(url: &str) -> Result<SplitUrl, UrlError> {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return sqlite_path(url);
    };
    let scheme = scheme.to_ascii_lowercase();
    let kind = Kind::from_scheme(&scheme)
        .ok_or_else(|| UrlError(format!("unknown URL scheme {scheme:?}: use {SUPPORTED}")))?;

    match scheme.as_str() {
        "sqlite" if rest.is_empty() => Err(UrlError::new("the SQLite file path is missing")),
        "sqlite" => Ok(SplitUrl {
            kind,
            url: format!("sqlite://{rest}"),
            password: None,
        }),
        "unix" | "redis+unix" => split_socket(kind, &scheme, rest),
        _ => split_network(kind, &scheme, rest),
    }
}

/// A short name for an ad-hoc connection: `host:port/db`, or the path.
pub fn display_name(url: &str) -> String {
    let Ok(split) = split_password(url) else {
        return "invalid URL".to_owned();
    };
    let rest = split
        .url
        .split_once("://")
        .map_or(split.url.as_str(), |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    if split.kind == Kind::Sqlite {
        return rest.to_owned();
    }
    // A socket URL has an empty authority, so this leaves its path.
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    format!("{host}{}", path.trim_end_matches('/'))
}

/// A URL without `scheme://`: a plain path names an SQLite file.
fn sqlite_path(text: &str) -> Result<SplitUrl, UrlError> {
    let looks_like_path = text.starts_with(['/', '.', '~'])
        || [".db", ".sqlite", ".sqlite3"]
            .iter()
            .any(|ext| text.ends_with(ext));
    if !looks_like_path {
        return Err(UrlError(format!(
            "the URL has no scheme (like redis://): use {SUPPORTED}"
        )));
    }
    Ok(SplitUrl {
        kind: Kind::Sqlite,
        url: format!("sqlite://{text}"),
        password: None,
    })
}

/// `unix:///path?db=0&pass=…`: the password is the `pass` query parameter.
fn split_socket(kind: Kind, scheme: &str, rest: &str) -> Result<SplitUrl, UrlError> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err(UrlError::new("the socket path is missing"));
    }
    let (query, password) = take_query_password(query, "pass")?;
    let url = if query.is_empty() {
        format!("{scheme}://{path}")
    } else {
        format!("{scheme}://{path}?{query}")
    };
    Ok(SplitUrl {
        kind,
        url,
        password,
    })
}

/// `scheme://[user[:password]@]hosts[/path][?query]`.
fn split_network(kind: Kind, scheme: &str, rest: &str) -> Result<SplitUrl, UrlError> {
    // An `@` after the authority means a `#`, `/` or `?` cut the user name
    // or password short and the rest of it landed in the path or query.
    // Refusing every such `@` also keeps password text out of the host and
    // database errors below.
    let (authority, tail) = rest.split_at(rest.find(AUTHORITY_END).unwrap_or(rest.len()));
    if tail.contains('@') {
        let userinfo = rest.rsplit_once('@').map_or(rest, |(userinfo, _)| userinfo);
        return Err(unencoded(userinfo.contains(':')));
    }
    let (userinfo, hosts) = authority.rsplit_once('@').unwrap_or(("", authority));
    check_hosts(kind, scheme, hosts)?;
    if kind == Kind::Redis {
        check_redis_database(tail)?;
    }

    let (user, mut password) = split_userinfo(userinfo)?;
    let mut tail = tail.to_owned();
    if kind == Kind::Postgres {
        let (path, query) = tail.split_once('?').unwrap_or((&tail, ""));
        let (query, from_query) = take_query_password(query, "password")?;
        if from_query.is_some() {
            tail = format!("{path}?{query}").trim_end_matches('?').to_owned();
        }
        password = password.or(from_query);
    }

    let user = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    Ok(SplitUrl {
        kind,
        url: format!("{scheme}://{user}{hosts}{tail}"),
        password,
    })
}

/// The error for a user name or password with a character that ends it.
fn unencoded(in_password: bool) -> UrlError {
    let part = if in_password { "password" } else { "user name" };
    UrlError(format!(
        "the {part} in the URL contains '#', '/', '?' or '@', which end it early; \
         {ENCODE_HINT} (an '@' in the path or query must be written %40 too)"
    ))
}

/// Splits `user:password`, checking both and decoding the password.
fn split_userinfo(userinfo: &str) -> Result<(&str, Option<Secret>), UrlError> {
    let (user, raw) = match userinfo.split_once(':') {
        Some((user, raw)) => (user, Some(raw)),
        None => (userinfo, None),
    };
    if user.contains('@') {
        return Err(unencoded(false));
    }
    check_escapes(user, "user name")?;
    let Some(raw) = raw else {
        return Ok((user, None));
    };
    if raw.contains('@') {
        return Err(unencoded(true));
    }
    Ok((user, decode_password(raw)?))
}

/// Percent-decodes a password; an empty one is no password.
fn decode_password(raw: &str) -> Result<Option<Secret>, UrlError> {
    check_escapes(raw, "password")?;
    let password = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| UrlError::new("the password is not valid UTF-8 once percent-decoded"))?;
    Ok(Some(Secret::new(password)).filter(|secret| !secret.is_empty()))
}

/// Rejects a `%` that does not start a two-digit hex escape.
fn check_escapes(text: &str, part: &str) -> Result<(), UrlError> {
    let bytes = text.as_bytes();
    let bad = bytes.iter().enumerate().any(|(at, &byte)| {
        byte == b'%'
            && !bytes
                .get(at + 1..at + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !bad {
        return Ok(());
    }
    Err(UrlError(format!(
        "the {part} in the URL has a '%' that does not start an escape like %23; {ENCODE_HINT}"
    )))
}

/// Checks each `host[:port]` of the authority.
fn check_hosts(kind: Kind, scheme: &str, hosts: &str) -> Result<(), UrlError> {
    if hosts.is_empty() {
        // libpq connects through the default socket when no host is given.
        return match kind {
            Kind::Postgres => Ok(()),
            _ => Err(UrlError::new("the host is missing")),
        };
    }
    let many = hosts.contains(',');
    if many && !matches!(kind, Kind::Mongo | Kind::Postgres) {
        return Err(UrlError(format!("{scheme}:// takes one host, not a list")));
    }
    if scheme == "mongodb+srv" && (many || hosts.contains(':')) {
        return Err(UrlError::new(
            "mongodb+srv:// takes one host name without a port",
        ));
    }
    hosts.split(',').try_for_each(check_host)
}

/// Checks one `host[:port]`, using the WHATWG rules for special URLs.
fn check_host(host: &str) -> Result<(), UrlError> {
    use url::ParseError;
    match url::Url::parse(&format!("http://{host}/")) {
        Ok(_) => Ok(()),
        Err(ParseError::InvalidPort) => Err(UrlError(format!(
            "the port in {host:?} is not a number from 0 to 65535"
        ))),
        Err(ParseError::EmptyHost) => Err(UrlError::new("the host is missing")),
        Err(ParseError::InvalidIpv4Address | ParseError::InvalidIpv6Address) => Err(UrlError(
            format!("the host {host:?} is not a valid IP address"),
        )),
        Err(error) => Err(UrlError(format!("the host {host:?} is not valid: {error}"))),
    }
}

/// Checks that a Redis URL's path, if any, is a database number.
fn check_redis_database(tail: &str) -> Result<(), UrlError> {
    let path = tail.split(['?', '#']).next().unwrap_or_default();
    let db = path.trim_start_matches('/');
    if db.is_empty() || db.parse::<u32>().is_ok() {
        return Ok(());
    }
    Err(UrlError(format!(
        "the database {db:?} is not a number: Redis databases are numbered 0, 1, 2, …"
    )))
}

/// Takes parameter `name` out of a query string, leaving the other
/// parameters byte for byte (libpq does not read `+` as a space).
fn take_query_password(query: &str, name: &str) -> Result<(String, Option<Secret>), UrlError> {
    let mut password = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        match pair.split_once('=') {
            Some((key, value)) if key == name => password = Some(decode_password(value)?),
            _ => kept.push(pair),
        }
    }
    Ok((kept.join("&"), password.flatten()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const B33: &str = "p#ss@w/rd:%?";
    const B33_ENCODED: &str = "p%23ss%40w%2Frd%3A%25%3F";

    fn ok(url: &str) -> SplitUrl {
        split_password(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn error(url: &str) -> String {
        split_password(url).expect_err(url).0
    }

    fn assert_hides_password(message: &str) {
        for fragment in ["p#ss", "ss@w", "w/rd", "rd:%", "%?"] {
            assert!(!message.contains(fragment), "{message}");
        }
    }

    #[test]
    fn b33_encoded_postgres_password_is_decoded() {
        let url = format!("postgres://app:{B33_ENCODED}@127.0.0.1:5432/postgres");
        let split = ok(&url);
        assert_eq!(split.kind, Kind::Postgres);
        assert_eq!(split.url, "postgres://app@127.0.0.1:5432/postgres");
        assert_eq!(split.password.as_ref().map(Secret::expose), Some(B33));
    }

    #[test]
    fn b33_encoded_redis_password_without_user() {
        let split = ok(&format!("redis://:{B33_ENCODED}@127.0.0.1:6379/0"));
        assert_eq!(split.kind, Kind::Redis);
        assert_eq!(split.url, "redis://127.0.0.1:6379/0");
        assert_eq!(split.password.as_ref().map(Secret::expose), Some(B33));
    }

    #[test]
    fn b33_unencoded_password_is_named_and_not_echoed() {
        for url in [
            format!("postgres://app:{B33}@127.0.0.1:5432/postgres"),
            format!("redis://:{B33}@127.0.0.1:6379/0"),
            format!("mongodb://app:{B33}@127.0.0.1:27017/admin"),
        ] {
            let message = error(&url);
            assert!(message.contains("password"), "{message}");
            assert!(message.contains("percent-encode"), "{message}");
            assert!(message.contains("'#' as %23"), "{message}");
            assert_hides_password(&message);
        }
    }

    #[test]
    fn unencoded_at_sign_alone_is_refused() {
        let message = error("postgres://app:p@ss@127.0.0.1/postgres");
        assert!(message.contains("password") && message.contains("%40"));
        assert!(!message.contains("p@ss"));
    }

    #[test]
    fn a_password_cut_by_a_slash_never_reaches_other_errors() {
        let message = error("redis://u:a@b/c@127.0.0.1:6379");
        assert!(message.contains("password"), "{message}");
        assert!(
            !message.contains("c@") && !message.contains("a@b"),
            "{message}"
        );
    }

    #[test]
    fn stray_percent_in_password_is_refused() {
        let message = error("redis://:50%off@127.0.0.1:6379");
        assert!(message.contains("password") && message.contains("%25"));
        assert!(!message.contains("50%off"));
    }

    #[test]
    fn mongodb_seed_list_keeps_hosts_and_options() {
        let split = ok(&format!(
            "mongodb://app:{B33_ENCODED}@h1:27017,h2:27018/admin?replicaSet=rs0"
        ));
        assert_eq!(split.kind, Kind::Mongo);
        assert_eq!(
            split.url,
            "mongodb://app@h1:27017,h2:27018/admin?replicaSet=rs0"
        );
        assert_eq!(split.password.as_ref().map(Secret::expose), Some(B33));
    }

    #[test]
    fn mongodb_srv_takes_one_host_without_port() {
        let split = ok("mongodb+srv://app:pw@cluster.example.com/db");
        assert_eq!(split.url, "mongodb+srv://app@cluster.example.com/db");
        assert!(error("mongodb+srv://cluster.example.com:27017").contains("without a port"));
    }

    #[test]
    fn postgres_password_in_query_is_taken_out() {
        let split = ok("postgresql://app@db.local/shop?password=s%23cret&sslmode=require");
        assert_eq!(split.url, "postgresql://app@db.local/shop?sslmode=require");
        assert_eq!(split.password.as_ref().map(Secret::expose), Some("s#cret"));
    }

    #[test]
    fn unix_socket_pass_parameter_is_taken_out() {
        let split = ok("redis+unix:///run/redis.sock?db=2&pass=s%23cret");
        assert_eq!(split.kind, Kind::Redis);
        assert_eq!(split.url, "redis+unix:///run/redis.sock?db=2");
        assert_eq!(split.password.as_ref().map(Secret::expose), Some("s#cret"));
        assert_eq!(ok("unix:///tmp/r.sock").url, "unix:///tmp/r.sock");
    }

    #[test]
    fn no_password_leaves_the_url_alone() {
        let split = ok("rediss://default@cache.example.com:6380/1");
        assert_eq!(split.url, "rediss://default@cache.example.com:6380/1");
        assert_eq!(split.password, None);
        assert_eq!(ok("redis://127.0.0.1").password, None);
    }

    #[test]
    fn sqlite_urls_and_plain_paths() {
        let split = ok("sqlite:///var/data/app.db");
        assert_eq!(
            (split.kind, split.url.as_str()),
            (Kind::Sqlite, "sqlite:///var/data/app.db")
        );
        assert_eq!(ok("./app.db").url, "sqlite://./app.db");
        assert_eq!(ok("/tmp/x.sqlite3").kind, Kind::Sqlite);
    }

    #[test]
    fn unknown_scheme_lists_supported_ones() {
        let message = error("mysql://root@localhost/db");
        assert!(message.contains("\"mysql\""), "{message}");
        assert!(message.contains("redis://") && message.contains("mongodb+srv://"));
        assert!(error("localhost:6379").contains("no scheme"));
    }

    #[test]
    fn other_parse_failures_name_their_part() {
        assert!(error("redis://127.0.0.1:99999/0").contains("port"));
        assert!(error("redis://:pw@:6379").contains("host is missing"));
        assert!(error("redis://127.0.0.1:6379/zero").contains("database"));
        assert!(error("redis://h1,h2").contains("one host"));
        assert!(error("redis+unix://").contains("socket path"));
    }

    #[test]
    fn display_names_are_short() {
        let url = format!("postgres://app:{B33_ENCODED}@127.0.0.1:5432/postgres?sslmode=disable");
        assert_eq!(display_name(&url), "127.0.0.1:5432/postgres");
        assert_eq!(display_name("redis://127.0.0.1:6379"), "127.0.0.1:6379");
        assert_eq!(display_name("redis://u@10.0.0.1:6379/3"), "10.0.0.1:6379/3");
        assert_eq!(
            display_name("unix:///run/redis.sock?db=1"),
            "/run/redis.sock"
        );
        assert_eq!(display_name("./app.db"), "./app.db");
        assert_eq!(
            display_name(&format!("redis://:{B33}@h:1/0")),
            "invalid URL"
        );
    }
}
