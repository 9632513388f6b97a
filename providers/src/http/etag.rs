//! Conditional requests: an [`EtagCache`] keeps the `ETag` and body of successful GETs, so the
//! next GET of the same URL carries `If-None-Match` and a `304 Not Modified` answer is served
//! from the cache. APIs that count requests (GitHub) do not count a 304 against the rate limit,
//! so refreshing unchanged objects costs no quota.
//!
//! Opt in per API with [`ApiConfig::etag_cache`](super::ApiConfig): the client consults the
//! cache for every GET without an `If-None-Match` of its own. Correctness does not depend on
//! invalidation: the server compares the tag with the current object, so a changed object
//! comes back in full. The cache is bounded (entries and body size); the oldest entries go
//! first. One cache belongs to one client (one credential), so answers that vary by caller are
//! never mixed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::header::HeaderMap;

/// Default number of cached responses.
pub const DEFAULT_MAX_ENTRIES: usize = 4096;
/// Bodies larger than this are not cached.
pub const DEFAULT_MAX_BODY: usize = 2 << 20;

/// One cached answer: what a 304 stands for.
#[derive(Clone, Debug)]
pub struct Cached {
    pub etag: String,
    pub status: u16,
    /// The stored answer's headers (a `Link` to the next page, …).
    pub headers: HeaderMap,
    pub body: Arc<Vec<u8>>,
}

impl Cached {
    /// The stored headers updated by those of a `304 Not Modified` (RFC 9111, 4.3.4): what
    /// the 304 sends replaces, what it leaves out is kept.
    pub fn headers_updated_by(&self, fresh: &HeaderMap) -> HeaderMap {
        let mut out = self.headers.clone();
        for name in fresh.keys() {
            out.remove(name);
            for v in fresh.get_all(name) {
                out.append(name.clone(), v.clone());
            }
        }
        out
    }
}

#[derive(Debug)]
struct Entry {
    cached: Cached,
    seq: u64,
}

/// ETags and bodies of GET answers, by URL.
#[derive(Debug)]
pub struct EtagCache {
    entries: Mutex<HashMap<String, Entry>>,
    max_entries: usize,
    max_body: usize,
    seq: AtomicU64,
    hits: AtomicU64,
}

impl EtagCache {
    /// A cache of at most `max_entries` answers of at most [`DEFAULT_MAX_BODY`] bytes each.
    pub fn new(max_entries: usize) -> Arc<EtagCache> {
        Arc::new(EtagCache {
            entries: Mutex::new(HashMap::new()),
            max_entries: max_entries.max(1),
            max_body: DEFAULT_MAX_BODY,
            seq: AtomicU64::new(0),
            hits: AtomicU64::new(0),
        })
    }

    /// The cached answer for `url`, if any.
    pub fn get(&self, url: &str) -> Option<Cached> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(url).map(|e| e.cached.clone())
    }

    /// Remembers a successful answer that came with an `ETag`.
    pub fn store(&self, url: &str, etag: &str, status: u16, headers: &HeaderMap, body: &[u8]) {
        if body.len() > self.max_body || etag.trim().is_empty() {
            return;
        }
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.max_entries && !entries.contains_key(url) {
            // Evict the oldest eighth at once, so that eviction stays rare.
            let mut by_age: Vec<(u64, String)> =
                entries.iter().map(|(k, e)| (e.seq, k.clone())).collect();
            by_age.sort_unstable();
            let n = (self.max_entries / 8).max(1);
            for (_, k) in by_age.into_iter().take(n) {
                entries.remove(&k);
            }
        }
        entries.insert(
            url.to_string(),
            Entry {
                cached: Cached {
                    etag: etag.to_string(),
                    status,
                    headers: headers.clone(),
                    body: Arc::new(body.to_vec()),
                },
                seq,
            },
        );
    }

    /// Forgets `url` (e.g. after a 304 that did not match what was cached).
    pub fn forget(&self, url: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(url);
    }

    /// Counts an answer served from the cache.
    pub fn record_hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// How many 304 answers were served from the cache.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use reqwest::header::{HeaderValue, LINK};

    #[test]
    fn stores_bounded_and_evicts_the_oldest() {
        let h = HeaderMap::new();
        let c = EtagCache::new(8);
        for i in 0..8 {
            c.store(&format!("u{i}"), &format!("\"t{i}\""), 200, &h, b"{}");
        }
        assert_eq!(c.len(), 8);
        c.store("u8", "\"t8\"", 200, &h, b"{}");
        assert!(c.get("u0").is_none(), "the oldest went first");
        assert_eq!(c.get("u8").unwrap().etag, "\"t8\"");
        assert!(c.len() <= 8);
        c.store("big", "\"t\"", 200, &h, &vec![b'x'; DEFAULT_MAX_BODY + 1]);
        assert!(c.get("big").is_none(), "large bodies are not kept");
        c.store("no-tag", " ", 200, &h, b"{}");
        assert!(c.get("no-tag").is_none());
        c.forget("u8");
        assert!(c.get("u8").is_none());
    }

    #[test]
    fn a_304_updates_the_stored_headers() {
        let mut stored = HeaderMap::new();
        stored.insert(
            LINK,
            HeaderValue::from_static("<https://x.test/?page=2>; rel=\"next\""),
        );
        stored.insert("x-ratelimit-remaining", HeaderValue::from_static("10"));
        let c = EtagCache::new(8);
        c.store("u", "\"t\"", 200, &stored, b"[]");
        let mut fresh = HeaderMap::new();
        fresh.insert("x-ratelimit-remaining", HeaderValue::from_static("9"));
        let merged = c.get("u").unwrap().headers_updated_by(&fresh);
        assert_eq!(
            merged.get(LINK),
            stored.get(LINK),
            "kept: the 304 left it out"
        );
        assert_eq!(
            merged.get("x-ratelimit-remaining").unwrap(),
            "9",
            "replaced"
        );
    }
}
