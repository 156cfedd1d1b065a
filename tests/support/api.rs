//! The REST API over a real registry and a real redis-server, called through
//! tower's `oneshot` so each request runs the whole router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use dbdeck::config::Settings;
use dbdeck::registry::{NewProfile, Registry, SecretKey};
use dbdeck::service::Service;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt as _;

/// A router on its own registry, with Redis connections saved.
pub struct Api {
    pub router: Router,
    pub service: Arc<Service>,
    dir: Option<TempDir>,
}

/// A response's status, content type and body (JSON when it parses).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The problem document's `code`, checking the content type on the way.
    pub fn problem_code(&self) -> String {
        assert_eq!(self.content_type, "application/problem+json", "{self:?}");
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

impl Api {
    /// A fresh registry holding `connections` as (name, url, read_only).
    pub async fn with(settings: Settings, connections: &[(&str, &str, bool)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/registry.db", dir.path().display());
        let mut api = Self::on_registry(&url, dir.path(), settings, connections).await;
        api.dir = Some(dir);
        api
    }

    /// An instance on a registry others may share, with its key in `keydir`.
    pub async fn on_registry(
        url: &str,
        key_dir: &std::path::Path,
        settings: Settings,
        connections: &[(&str, &str, bool)],
    ) -> Self {
        let key = SecretKey::from_dir(key_dir).expect("key");
        let registry = Registry::open(url, key).await.expect("registry");
        let service = Service::with_registry(registry, settings);
        for (name, url, read_only) in connections {
            let profile = NewProfile {
                name: (*name).to_owned(),
                url: (*url).to_owned(),
                read_only: *read_only,
            };
            service.add_connection(profile).await.expect("add");
        }
        let router = dbdeck::api::router(Arc::clone(&service));
        Self {
            router,
            service,
            dir: None,
        }
    }

    /// The SQLite registry's URL, for tests that reach around the API.
    pub fn registry_url(&self) -> String {
        let dir = self.dir.as_ref().expect("an SQLite registry of its own");
        format!("sqlite://{}/registry.db", dir.path().display())
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body.to_string())).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body.to_string())).await
    }

    /// Sends a request with a raw body (which need not be valid JSON).
    pub async fn send(&self, method: Method, path: &str, body: Option<String>) -> Reply {
        self.request(method, path, body, None).await
    }

    /// Sends a request, with `Authorization: Bearer <token>` when given.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        token: Option<&str>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        Reply {
            status,
            content_type,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}
