//! Fetch every page of a list: [`PageNumberPager`] for `page`/`per_page` APIs that report a page
//! count (e.g. a `result_info { page, total_pages }` envelope), and [`CursorPager`] for APIs that
//! hand back the next page as a `Link: <…>; rel="next"` URL or a cursor token.
//!
//! A pager is a pull stream: `next_page().await` yields one page's items until `None`;
//! `all().await` collects them. Both stop on a repeated next URL or token (smithy-rs' rule: a
//! server that hands back the same cursor would otherwise loop forever) and after `max_pages`.

use std::collections::HashSet;

use reqwest::header::{HeaderMap, LINK};

use super::client::{ApiClient, ApiRequest, ApiResponse};
use super::error::HttpError;

/// The `rel="next"` URL of a `Link` header (RFC 8288), as GitHub and others send it.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|value| {
            value.split(',').find_map(|link| {
                let mut parts = link.split(';');
                let target = parts.next()?.trim().strip_prefix('<')?.strip_suffix('>')?;
                parts
                    .any(|p| {
                        let p = p.trim();
                        let rel = p.strip_prefix("rel=").map(|r| r.trim_matches('"'));
                        rel.is_some_and(|rel| {
                            rel.split_whitespace()
                                .any(|r| r.eq_ignore_ascii_case("next"))
                        })
                    })
                    .then(|| target.to_owned())
            })
        })
}

/// How a page-numbered API names its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageNumbers {
    pub page_param: String,
    pub per_page_param: String,
    pub per_page: u32,
    pub first_page: u32,
    /// A safety bound, never reached by a sane API.
    pub max_pages: u32,
}

impl Default for PageNumbers {
    fn default() -> Self {
        PageNumbers {
            page_param: "page".into(),
            per_page_param: "per_page".into(),
            per_page: 100,
            first_page: 1,
            max_pages: 10_000,
        }
    }
}

/// One page of a page-numbered list, as the caller's extractor reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberedPage<T> {
    pub items: Vec<T>,
    /// The page count the API reports; `None` means "stop at a short or empty page".
    pub total_pages: Option<u32>,
}

/// Pages through `page=1,2,…` until the reported page count, an empty page or (without a
/// count) a short page.
pub struct PageNumberPager<T, F> {
    client: ApiClient,
    request: ApiRequest,
    style: PageNumbers,
    extract: F,
    next: Option<u32>,
    fetched: u32,
    _items: std::marker::PhantomData<fn() -> T>,
}

impl<T, F> PageNumberPager<T, F>
where
    F: FnMut(&ApiResponse) -> Result<NumberedPage<T>, HttpError>,
{
    pub fn new(client: &ApiClient, request: ApiRequest, style: PageNumbers, extract: F) -> Self {
        let next = Some(style.first_page);
        PageNumberPager {
            client: client.clone(),
            request,
            style,
            extract,
            next,
            fetched: 0,
            _items: Default::default(),
        }
    }

    /// The next page's items, or `None` after the last page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, HttpError> {
        let Some(page) = self.next.take() else {
            return Ok(None);
        };
        if self.fetched >= self.style.max_pages {
            self.client.log_event(|| {
                format!(
                    "pagination stopped after {} pages (max_pages)",
                    self.fetched
                )
            });
            return Ok(None);
        }
        let mut request = self.request.clone();
        request.set_query(&self.style.page_param, page.to_string());
        request.set_query(&self.style.per_page_param, self.style.per_page.to_string());
        let response = self.client.send(request).await?;
        self.fetched += 1;
        let NumberedPage { items, total_pages } = (self.extract)(&response)?;
        let more = match total_pages {
            Some(total) => page < total && !items.is_empty(),
            None => items.len() >= self.style.per_page as usize && !items.is_empty(),
        };
        self.next = more.then(|| page + 1);
        Ok(Some(items))
    }

    pub async fn all(mut self) -> Result<Vec<T>, HttpError> {
        let mut out = Vec::new();
        while let Some(items) = self.next_page().await? {
            out.extend(items);
        }
        Ok(out)
    }
}

/// Where the next page of a cursor-style list is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// An absolute URL on the API's origin (a `Link` header target), fetched as is.
    Url(String),
    /// The original request with this query parameter set, e.g. `cursor=abc`.
    Query { name: String, value: String },
}

/// One page of a cursor-style list.
#[derive(Clone, Debug, PartialEq)]
pub struct CursorPage<T> {
    pub items: Vec<T>,
    pub next: Option<Next>,
}

impl<T> CursorPage<T> {
    /// The items, with the next page taken from the response's `Link: rel="next"` header.
    pub fn from_link(items: Vec<T>, response: &ApiResponse) -> Self {
        CursorPage {
            items,
            next: response.next_link().map(Next::Url),
        }
    }
}

/// Follows next URLs or cursor tokens until there is none, one repeats, or `max_pages`.
pub struct CursorPager<T, F> {
    client: ApiClient,
    request: ApiRequest,
    extract: F,
    next: Option<ApiRequest>,
    seen: HashSet<String>,
    fetched: u32,
    /// A safety bound, never reached by a sane API (default 10,000).
    pub max_pages: u32,
    _items: std::marker::PhantomData<fn() -> T>,
}

impl<T, F> CursorPager<T, F>
where
    F: FnMut(&ApiResponse) -> Result<CursorPage<T>, HttpError>,
{
    pub fn new(client: &ApiClient, request: ApiRequest, extract: F) -> Self {
        let mut seen = HashSet::new();
        if let Ok(url) = client.url_for(&request) {
            seen.insert(url.to_string());
        }
        seen.extend(request.query.iter().map(|(k, v)| format!("{k}={v}")));
        CursorPager {
            client: client.clone(),
            next: Some(request.clone()),
            request,
            extract,
            seen,
            fetched: 0,
            max_pages: 10_000,
            _items: Default::default(),
        }
    }

    /// The next page's items, or `None` after the last page.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, HttpError> {
        let Some(request) = self.next.take() else {
            return Ok(None);
        };
        if self.fetched >= self.max_pages {
            self.client.log_event(|| {
                format!(
                    "pagination stopped after {} pages (max_pages)",
                    self.fetched
                )
            });
            return Ok(None);
        }
        let response = self.client.send(request).await?;
        self.fetched += 1;
        let CursorPage { items, next } = (self.extract)(&response)?;
        self.next = match next {
            None => None,
            Some(next) => {
                let (key, request) = match next {
                    Next::Url(url) => {
                        let mut request = self.request.clone();
                        request.path = url.clone();
                        request.query.clear();
                        (url, request)
                    }
                    Next::Query { name, value } => {
                        let mut request = self.request.clone();
                        let key = format!("{name}={value}");
                        request.set_query(&name, value);
                        (key, request)
                    }
                };
                // Compare resolved URLs so that a relative and an absolute form of one page match.
                let key = self
                    .client
                    .url_for(&request)
                    .map(|u| u.to_string())
                    .unwrap_or(key);
                if self.seen.insert(key) {
                    Some(request)
                } else {
                    self.client.log_event(|| {
                        "pagination stopped: the API repeated a next-page cursor".to_owned()
                    });
                    None
                }
            }
        };
        Ok(Some(items))
    }

    pub async fn all(mut self) -> Result<Vec<T>, HttpError> {
        let mut out = Vec::new();
        while let Some(items) = self.next_page().await? {
            out.extend(items);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn link(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(LINK, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn link_header_next() {
        let h = link(
            r#"<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last""#,
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/repositories/1/issues?page=2")
        );
        let h = link(r#"<https://x.test/?page=1>; rel="prev", <https://x.test/?page=3>; rel=next"#);
        assert_eq!(next_link(&h).as_deref(), Some("https://x.test/?page=3"));
        let h = link(r#"<https://x.test/?page=1>; rel="prev first""#);
        assert_eq!(next_link(&h), None);
        assert_eq!(next_link(&HeaderMap::new()), None);
    }
}
