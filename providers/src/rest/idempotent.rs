//! Creating without duplicates, updating and deleting safely when the network or the API fails
//! part-way.
//!
//! The HTTP layer does not repeat a POST whose outcome is unknown (a 5xx answer, a timeout, a
//! dropped connection: the server may have created the object anyway). [`create_once`] settles
//! that doubt: after an *ambiguous* failure it asks the type's `find_existing` (e.g. list DNS
//! records by name, type and content) whether the object now exists, adopts it when exactly
//! one matches, and creates again (bounded, with backoff) only when none does. An "already
//! exists" answer after an ambiguous attempt is the same question answered by the API. An
//! "already exists" answer to the *first* attempt means the object predates this run; it is
//! adopted only when the policy says so (`adopt_on_conflict`), otherwise it is an error, as in
//! Terraform (import the object instead).
//!
//! Updates (PUT, and PATCH bodies that set whole values) and DELETEs are idempotent and retried
//! by the HTTP layer; [`delete_idempotent`] treats a 404 as success (the object is gone,
//! possibly deleted by an earlier attempt whose answer was lost).

use std::future::Future;
use std::time::Duration;

use crate::http::{Backoff, HttpError, TransportFailure};

/// How hard [`create_once`] tries.
#[derive(Clone, Debug)]
pub struct CreatePolicy {
    /// Create attempts, the first included.
    pub attempts: u32,
    /// Lookups of the existing object after one ambiguous failure (each itself retried by the
    /// HTTP layer) before giving up with "outcome unknown".
    pub find_attempts: u32,
    pub backoff: Backoff,
    /// Adopt a matching object when the very first attempt is told it already exists.
    pub adopt_on_conflict: bool,
}

impl Default for CreatePolicy {
    fn default() -> Self {
        CreatePolicy {
            attempts: 5,
            find_attempts: 3,
            backoff: Backoff {
                base: Duration::from_millis(200),
                cap: Duration::from_secs(10),
            },
            adopt_on_conflict: false,
        }
    }
}

/// Why [`create_once`] failed.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The API refused the create, or every attempt failed without creating anything.
    #[error("{0}")]
    Http(HttpError),
    /// The object already existed before this run.
    #[error("{error}; the object already exists (import it to manage it)")]
    AlreadyExists { error: HttpError },
    /// An attempt may have created the object, and looking for it failed too.
    #[error(
        "{create}; whether the object was created is unknown, as looking for it failed: {find}"
    )]
    Unknown { create: HttpError, find: HttpError },
    /// More than one existing object matches: which one this run created cannot be told.
    #[error("{create}; {count} existing objects match the one being created (ids: {})", ids.join(", "))]
    Ambiguous {
        create: HttpError,
        count: usize,
        ids: Vec<String>,
    },
}

impl CreateError {
    /// The underlying HTTP error.
    pub fn http(&self) -> &HttpError {
        match self {
            CreateError::Http(e) | CreateError::AlreadyExists { error: e } => e,
            CreateError::Unknown { create, .. } | CreateError::Ambiguous { create, .. } => create,
        }
    }
}

/// Whether the request may have been applied although it failed: a 5xx answer, a timeout or a
/// connection that broke after sending. (A refused connection never reached the server; a 4xx
/// is a definite no.)
pub fn is_ambiguous(e: &HttpError) -> bool {
    match e {
        HttpError::Status { status, .. } => *status >= 500,
        HttpError::Transport { failure, .. } => *failure != TransportFailure::Connect,
        _ => false,
    }
}

/// Creates one object at most once. `create` sends the POST; `find_existing` lists the objects
/// that match what is being created, as `(id, object)`; `already_exists` recognises the API's
/// conflict answer.
pub async fn create_once<T, C, CF, F, FF>(
    policy: &CreatePolicy,
    mut create: C,
    mut find_existing: F,
    already_exists: impl Fn(&HttpError) -> bool,
) -> Result<T, CreateError>
where
    C: FnMut() -> CF,
    CF: Future<Output = Result<T, HttpError>>,
    F: FnMut() -> FF,
    FF: Future<Output = Result<Vec<(String, T)>, HttpError>>,
{
    let mut ambiguous_before = false;
    let attempts = policy.attempts.max(1);
    let mut attempt = 1;
    loop {
        let error = match create().await {
            Ok(created) => return Ok(created),
            Err(e) => e,
        };
        let conflict = already_exists(&error);
        let ambiguous = is_ambiguous(&error);
        if conflict && !ambiguous_before && !policy.adopt_on_conflict {
            return Err(CreateError::AlreadyExists { error });
        }
        if !ambiguous && !conflict {
            return Err(CreateError::Http(error));
        }
        // Did an attempt create it?
        let mut found = None;
        let mut last_find_error = None;
        for find_attempt in 1..=policy.find_attempts.max(1) {
            match find_existing().await {
                Ok(matches) => {
                    found = Some(matches);
                    break;
                }
                Err(e) => {
                    last_find_error = Some(e);
                    tokio::time::sleep(policy.backoff.delay(find_attempt)).await;
                }
            }
        }
        match (found, last_find_error) {
            (Some(mut matches), _) if matches.len() == 1 => return Ok(matches.remove(0).1),
            (Some(matches), _) if matches.len() > 1 => {
                return Err(CreateError::Ambiguous {
                    create: error,
                    count: matches.len(),
                    ids: matches.into_iter().map(|(id, _)| id).collect(),
                })
            }
            (Some(_), _) if conflict => return Err(CreateError::AlreadyExists { error }),
            (Some(_), _) => {}
            (None, Some(find)) => {
                return Err(CreateError::Unknown {
                    create: error,
                    find,
                })
            }
            (None, None) => return Err(CreateError::Http(error)),
        }
        ambiguous_before = true;
        if attempt >= attempts {
            return Err(CreateError::Http(error));
        }
        tokio::time::sleep(policy.backoff.delay(attempt)).await;
        attempt += 1;
    }
}

/// Runs a DELETE; a 404 (already gone) counts as success.
pub async fn delete_idempotent<T>(
    delete: impl Future<Output = Result<T, HttpError>>,
) -> Result<(), HttpError> {
    match delete.await {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    fn status(code: u16, message: &str) -> HttpError {
        HttpError::Status {
            api: "t",
            target: "POST /x".into(),
            status: code,
            messages: vec![message.into()],
            body_excerpt: String::new(),
            attempts: 1,
        }
    }

    fn fast() -> CreatePolicy {
        CreatePolicy {
            backoff: Backoff {
                base: Duration::ZERO,
                cap: Duration::ZERO,
            },
            ..CreatePolicy::default()
        }
    }

    /// A fake store: `create` applies the object, then fails as scripted.
    struct Store {
        objects: Mutex<Vec<String>>,
        script: Mutex<Vec<Option<HttpError>>>,
        finds: AtomicUsize,
    }

    impl Store {
        fn new(script: Vec<Option<HttpError>>) -> Arc<Store> {
            Arc::new(Store {
                objects: Mutex::new(Vec::new()),
                script: Mutex::new(script),
                finds: AtomicUsize::new(0),
            })
        }
        async fn create(&self) -> Result<String, HttpError> {
            let next = {
                let mut s = self.script.lock().unwrap();
                if s.is_empty() {
                    None
                } else {
                    s.remove(0)
                }
            };
            if let Some(e) = &next {
                if e.status() == Some(409) {
                    return Err(status(409, "already exists"));
                }
                if e.status() == Some(400) {
                    return Err(status(400, "bad"));
                }
            }
            let id = format!("o{}", self.objects.lock().unwrap().len());
            self.objects.lock().unwrap().push(id.clone());
            match next {
                Some(e) => Err(e),
                None => Ok(id),
            }
        }
        async fn find(&self) -> Result<Vec<(String, String)>, HttpError> {
            self.finds.fetch_add(1, Ordering::SeqCst);
            Ok(self
                .objects
                .lock()
                .unwrap()
                .iter()
                .map(|o| (o.clone(), o.clone()))
                .collect())
        }
    }

    async fn run(store: &Arc<Store>, policy: &CreatePolicy) -> Result<String, CreateError> {
        create_once(
            policy,
            || store.create(),
            || store.find(),
            |e| e.status() == Some(409),
        )
        .await
    }

    #[tokio::test]
    async fn applied_then_5xx_is_adopted_not_duplicated() {
        let store = Store::new(vec![Some(status(502, "bad gateway"))]);
        let got = run(&store, &fast()).await.unwrap();
        assert_eq!(got, "o0");
        assert_eq!(store.objects.lock().unwrap().len(), 1);
        assert_eq!(store.finds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn timeouts_are_ambiguous_too() {
        let timeout = HttpError::Transport {
            api: "t",
            target: "POST /x".into(),
            failure: TransportFailure::Timeout,
            message: "timed out".into(),
            attempts: 1,
        };
        assert!(is_ambiguous(&timeout));
        assert!(!is_ambiguous(&status(404, "nope")));
        let store = Store::new(vec![Some(timeout)]);
        assert_eq!(run(&store, &fast()).await.unwrap(), "o0");
    }

    #[tokio::test]
    async fn definite_failures_are_not_retried_and_conflicts_are_errors() {
        let store = Store::new(vec![Some(status(400, "bad"))]);
        assert!(matches!(
            run(&store, &fast()).await,
            Err(CreateError::Http(_))
        ));
        assert_eq!(store.finds.load(Ordering::SeqCst), 0);
        let store = Store::new(vec![Some(status(409, "exists"))]);
        let err = run(&store, &fast()).await.unwrap_err();
        assert!(err.to_string().contains("import it"), "{err}");
    }

    #[tokio::test]
    async fn several_matches_are_reported_not_guessed() {
        let store = Store::new(vec![Some(status(500, "x"))]);
        store.objects.lock().unwrap().push("pre".into());
        let err = run(&store, &fast()).await.unwrap_err();
        assert!(
            matches!(err, CreateError::Ambiguous { count: 2, .. }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn deletes_treat_404_as_done() {
        assert!(
            delete_idempotent(async { Err::<(), _>(status(404, "gone")) })
                .await
                .is_ok()
        );
        assert!(delete_idempotent(async { Err::<(), _>(status(403, "no")) })
            .await
            .is_err());
    }
}
