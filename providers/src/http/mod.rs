//! `providers::http`: the one HTTP layer every cloud provider (Cloudflare, GitHub, Vercel, AWS)
//! uses, so that a vendor module holds only endpoints and schema mapping.
//!
//! - [`client`]: [`ApiClient`] and its request loop (rate limit → sign → send → classify → back off).
//! - [`retry`]: which outcomes are retried, server-requested waits, jittered backoff.
//! - [`ratelimit`]: the per-API token bucket shared by every resource of that API in a run.
//! - [`paginate`]: page-number and cursor/`Link` pagers that stop on a repeated cursor.
//! - [`etag`]: [`EtagCache`], conditional GETs (`If-None-Match`) answered from it on a 304.
//! - [`segment`]: [`path_segment`], configuration values made safe inside a request path.
//! - [`redact`]: [`Secret`], the [`Redactor`] and the debug [`LogSink`] (`INFRA_LOG=debug`).
//! - [`error`]: [`HttpError`], with the API's messages and the attempts made, never a credential.
//!
//! ```no_run
//! # async fn example() -> Result<(), infra_providers::http::HttpError> {
//! use std::time::Duration;
//! use infra_providers::http::{ApiClient, ApiConfig, ApiRequest, RateLimit};
//!
//! let mut config = ApiConfig::new("cloudflare", "https://api.cloudflare.com/client/v4")
//!     .secret_header("Authorization", "Bearer <token>");
//! config.rate_limit = Some(RateLimit { requests: 1200, per: Duration::from_secs(300) });
//! let client = ApiClient::new(config)?;
//! let zones: serde_json::Value = client.send(ApiRequest::get("/zones").query("name", "example.com")).await?.json()?;
//! # let _ = zones;
//! # Ok(()) }
//! ```

pub mod client;
pub mod error;
pub mod etag;
pub mod paginate;
pub mod ratelimit;
pub mod redact;
pub mod retry;
pub mod segment;

pub use client::{
    default_user_agent, ApiClient, ApiConfig, ApiRequest, ApiResponse, HeaderValueSpec, SignRequest,
};
pub use error::{default_error_messages, ErrorExtractor, HttpError};
pub use etag::EtagCache;
pub use paginate::{
    next_link, CursorPage, CursorPager, Next, NumberedPage, PageNumberPager, PageNumbers,
};
pub use ratelimit::{RateLimit, RateLimiter};
pub use redact::{register_sensitive, scrub_registered, LogSink, Redactor, Secret, REDACTED};
pub use reqwest::header::HeaderMap;
pub use reqwest::{Method, Url};
pub use retry::{Backoff, RetryAction, TransportFailure};
pub use segment::path_segment;
