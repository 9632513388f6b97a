//! The shape of a REST provider: one [`TypeSpec`] (schema, normalisation, list pairing) and one
//! [`RestResource`] or [`DataSource`] implementation per type, a [`Configure`] that turns the
//! `provider` block into the vendor's API context `A`, and [`RestProvider`], which implements
//! the engine's [`Provider`] trait by dispatching on the type name. A vendor module is then its
//! configure step plus a list of types; adding a type is a schema and a mapping.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use infra_lang::Value;

use crate::provider::{PlannedState, Provider, ProviderError};
use crate::rest::docschema::parse_schema;
use crate::rest::json::{request_json, value_from_json};
use crate::rest::normalize::{reconcile, Normalizer};
use crate::rest::plan::{plan, PairFn};
use crate::rest::schema::{Block, Tweak};
use crate::schema::{ProviderSchema, Schema};

/// Everything static about one resource type or data source.
#[derive(Debug)]
pub struct TypeSpec {
    pub name: &'static str,
    /// The nested-attribute schema.
    pub block: Block,
    /// The engine's view of `block`.
    pub schema: Schema,
    pub normalizer: Normalizer,
    /// Custom pairing of nested list elements with prior ones, by dotted path.
    pub pairings: BTreeMap<String, PairFn>,
}

impl TypeSpec {
    /// A spec from an official documentation page plus what the page does not say. Problems
    /// (an unreadable page, an overlay naming a missing attribute, a normaliser rule for a
    /// missing path) are returned, never panicked on; the schema tests assert there are none.
    pub fn from_doc(
        name: &'static str,
        doc: &'static str,
        version: u64,
        overlay: &[(&str, Vec<Tweak>)],
        normalizer: Normalizer,
    ) -> (TypeSpec, Vec<String>) {
        let (mut block, mut errors) = match parse_schema(doc) {
            Ok(b) => (b, Vec::new()),
            Err(e) => (Block::default(), vec![format!("{name}: {e}")]),
        };
        errors.extend(
            block
                .tweak_all(overlay)
                .into_iter()
                .map(|e| format!("{name}: {e}")),
        );
        for path in normalizer.paths() {
            if block.attr(path).is_none() {
                errors.push(format!(
                    "{name}: normaliser rule for missing attribute {path}"
                ));
            }
        }
        let spec = TypeSpec::new(name, block, version, normalizer);
        (spec, errors)
    }

    pub fn new(name: &'static str, block: Block, version: u64, normalizer: Normalizer) -> TypeSpec {
        let schema = block.engine_schema(version);
        TypeSpec {
            name,
            block,
            schema,
            normalizer,
            pairings: BTreeMap::new(),
        }
    }

    /// Pairs the elements of the nested list at `path` with `pair` when planning.
    pub fn with_pairing(mut self, path: &str, pair: PairFn) -> TypeSpec {
        self.pairings.insert(path.to_string(), pair);
        self
    }

    /// [`plan`] for this type.
    pub fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        plan(self, prior, proposed)
    }

    /// An API object read into this type's object type.
    pub fn from_json(&self, j: &serde_json::Value) -> Value {
        value_from_json(j, &self.block.object_type())
    }

    /// Our value where the API's means the same (see [`reconcile`]).
    pub fn reconcile(&self, ours: &Value, theirs: &Value) -> Value {
        reconcile(&self.block, &self.normalizer, ours, theirs)
    }

    /// The request body for a value of this type (see [`request_json`]).
    pub fn request(&self, v: &Value) -> Result<serde_json::Value, ProviderError> {
        request_json(&self.block, v).map_err(|e| {
            ProviderError::new(format!("Invalid {} value", self.name)).with_detail(e.to_string())
        })
    }

    /// An object of this type with every attribute null.
    pub fn null_object(&self) -> Value {
        self.block.null_object()
    }

    /// An object of this type with the given attributes set and all others null.
    pub fn object_with<K: Into<String>>(&self, set: impl IntoIterator<Item = (K, Value)>) -> Value {
        let mut o = self.null_object().as_entries().cloned().unwrap_or_default();
        for (k, v) in set {
            o.insert(k.into(), v);
        }
        Value::Object(o)
    }
}

/// One managed resource type of a REST API. `A` is the provider's API context (a configured
/// client). Values are objects of `spec().block`, without marks.
#[async_trait]
pub trait RestResource<A: Send + Sync>: Send + Sync {
    fn spec(&self) -> &TypeSpec;

    fn type_name(&self) -> &'static str {
        self.spec().name
    }

    fn schema(&self) -> &Schema {
        &self.spec().schema
    }

    /// Plans a create (`prior` null) or update; the default is [`TypeSpec::plan`].
    fn plan(&self, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        self.spec().plan(prior, proposed)
    }

    /// Creates the object; returns the new state (reconciled with `planned`).
    async fn create(&self, api: &A, planned: &Value) -> Result<Value, ProviderError>;

    /// Reads the object `current` describes; `None` when it no longer exists.
    async fn read(&self, api: &A, current: &Value) -> Result<Option<Value>, ProviderError>;

    /// Reads many objects (refresh). The default reads each, up to 8 at a time; types whose
    /// API lists cheaply override it.
    async fn read_many(
        &self,
        api: &A,
        currents: &[Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let mut out = Vec::with_capacity(currents.len());
        for chunk in currents.chunks(8) {
            let reads: Vec<_> = chunk.iter().map(|c| self.read(api, c)).collect();
            out.extend(futures_util::future::join_all(reads).await);
        }
        out
    }

    async fn update(&self, api: &A, prior: &Value, planned: &Value)
        -> Result<Value, ProviderError>;

    async fn delete(&self, api: &A, prior: &Value) -> Result<(), ProviderError>;

    /// Adopts an existing object by its import ID.
    async fn import(&self, api: &A, id: &str) -> Result<Value, ProviderError>;
}

/// One data source of a REST API.
#[async_trait]
pub trait DataSource<A: Send + Sync>: Send + Sync {
    fn spec(&self) -> &TypeSpec;

    /// Reads the data source for its configuration (an object of `spec().block`).
    async fn read(&self, api: &A, config: &Value) -> Result<Value, ProviderError>;
}

/// Turns the `provider` block into the API context.
#[async_trait]
pub trait Configure<A: Send + Sync>: Send + Sync {
    /// The provider block's schema.
    fn schema(&self) -> &Schema;

    /// Builds the API context. `config` is an object of the schema's type, or null when the
    /// configuration has no `provider` block (then only the environment configures).
    async fn configure(&self, config: &Value) -> Result<A, ProviderError>;
}

/// A [`Provider`] made of REST types. The API context is built by [`Provider::configure`] and
/// kept for the provider's lifetime (the provider is shared behind an `Arc`); an operation that
/// comes first configures from the environment alone.
pub struct RestProvider<A: Send + Sync> {
    source: &'static str,
    schema: ProviderSchema,
    resources: BTreeMap<&'static str, Box<dyn RestResource<A>>>,
    data_sources: BTreeMap<&'static str, Box<dyn DataSource<A>>>,
    configure: Box<dyn Configure<A>>,
    api: tokio::sync::RwLock<Option<Result<Arc<A>, ProviderError>>>,
}

impl<A: Send + Sync + 'static> RestProvider<A> {
    pub fn new(source: &'static str, configure: impl Configure<A> + 'static) -> RestProvider<A> {
        let schema = ProviderSchema {
            provider: configure.schema().clone(),
            ..ProviderSchema::default()
        };
        RestProvider {
            source,
            schema,
            resources: BTreeMap::new(),
            data_sources: BTreeMap::new(),
            configure: Box::new(configure),
            api: tokio::sync::RwLock::new(None),
        }
    }

    pub fn resource(mut self, r: impl RestResource<A> + 'static) -> RestProvider<A> {
        self.schema
            .resources
            .insert(r.type_name().to_string(), r.schema().clone());
        self.resources.insert(r.type_name(), Box::new(r));
        self
    }

    pub fn data_source(mut self, d: impl DataSource<A> + 'static) -> RestProvider<A> {
        self.schema
            .data_sources
            .insert(d.spec().name.to_string(), d.spec().schema.clone());
        self.data_sources.insert(d.spec().name, Box::new(d));
        self
    }

    /// The nested-attribute specs of every type, by name (resources and data sources).
    pub fn specs(&self) -> Vec<&TypeSpec> {
        self.resources
            .values()
            .map(|r| r.spec())
            .chain(self.data_sources.values().map(|d| d.spec()))
            .collect()
    }

    /// The resource implementation for `type_name`.
    pub fn rest_resource(&self, type_name: &str) -> Result<&dyn RestResource<A>, ProviderError> {
        self.resources
            .get(type_name)
            .map(|r| r.as_ref())
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "provider {} has no resource type {type_name}",
                    self.source
                ))
            })
    }

    fn rest_data_source(&self, type_name: &str) -> Result<&dyn DataSource<A>, ProviderError> {
        self.data_sources
            .get(type_name)
            .map(|d| d.as_ref())
            .ok_or_else(|| {
                ProviderError::new(format!(
                    "provider {} has no data source {type_name}",
                    self.source
                ))
            })
    }

    /// The configured API context, configuring from the environment alone when
    /// [`Provider::configure`] was never called.
    pub async fn api(&self) -> Result<Arc<A>, ProviderError> {
        if let Some(api) = self.api.read().await.as_ref() {
            return api.clone();
        }
        let mut slot = self.api.write().await;
        if slot.is_none() {
            *slot = Some(self.configure.configure(&Value::null()).await.map(Arc::new));
        }
        slot.as_ref()
            .cloned()
            .unwrap_or_else(|| Err(ProviderError::new("provider is not configured")))
    }
}

#[async_trait]
impl<A: Send + Sync + 'static> Provider for RestProvider<A> {
    fn source(&self) -> &'static str {
        self.source
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, config: Value) -> Result<(), ProviderError> {
        let result = self.configure.configure(&config).await.map(Arc::new);
        let outcome = result.as_ref().map(|_| ()).map_err(Clone::clone);
        *self.api.write().await = Some(result);
        outcome
    }

    fn plan_resource(
        &self,
        type_name: &str,
        prior: &Value,
        proposed: &Value,
    ) -> Result<PlannedState, ProviderError> {
        let r = self.rest_resource(type_name)?;
        if proposed.is_null() {
            return Ok(PlannedState {
                planned: proposed.clone(),
                requires_replace: Vec::new(),
            });
        }
        r.plan(prior, proposed)
    }

    async fn apply_resource(
        &self,
        type_name: &str,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        let r = self.rest_resource(type_name)?;
        let api = self.api().await?;
        if planned.is_null() {
            if !prior.is_null() {
                r.delete(&api, prior).await?;
            }
            return Ok(Value::Null(r.spec().block.object_type()));
        }
        if prior.is_null() {
            r.create(&api, planned).await
        } else {
            r.update(&api, prior, planned).await
        }
    }

    async fn read_resource(
        &self,
        type_name: &str,
        current: &Value,
    ) -> Result<Option<Value>, ProviderError> {
        let r = self.rest_resource(type_name)?;
        let api = self.api().await?;
        r.read(&api, current).await
    }

    async fn read_many(
        &self,
        type_name: &str,
        currents: &[Value],
    ) -> Vec<Result<Option<Value>, ProviderError>> {
        let r = match self.rest_resource(type_name) {
            Ok(r) => r,
            Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
        };
        let api = match self.api().await {
            Ok(api) => api,
            Err(e) => return currents.iter().map(|_| Err(e.clone())).collect(),
        };
        r.read_many(&api, currents).await
    }

    async fn read_data_source(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Result<Value, ProviderError> {
        let d = self.rest_data_source(type_name)?;
        let api = self.api().await?;
        d.read(&api, config).await
    }

    async fn import_resource(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        let r = self.rest_resource(type_name)?;
        let api = self.api().await?;
        r.import(&api, id).await
    }
}

/// Splits an import ID of the form `<a>/<b>/…` into exactly `parts` non-empty pieces, with an
/// error that shows the expected form.
pub fn split_import_id<'a>(
    id: &'a str,
    parts: usize,
    form: &str,
) -> Result<Vec<&'a str>, ProviderError> {
    let pieces: Vec<&str> = id.split('/').collect();
    if pieces.len() != parts || pieces.iter().any(|p| p.trim().is_empty()) {
        return Err(ProviderError::new("Invalid import ID").with_detail(format!(
            "expected an import ID of the form {form}, got {id:?}"
        )));
    }
    Ok(pieces)
}

/// Implements [`Provider`](crate::Provider) for a vendor's provider struct by forwarding every
/// method to its `inner: RestProvider<_>` field, and `source()` to its `SOURCE` constant.
#[macro_export]
macro_rules! forward_provider {
    ($ty:ty) => {
        #[::async_trait::async_trait]
        impl $crate::Provider for $ty {
            fn source(&self) -> &'static str {
                Self::SOURCE
            }
            fn schema(&self) -> &$crate::ProviderSchema {
                self.inner.schema()
            }
            async fn configure(&self, config: ::infra_lang::Value) -> Result<(), $crate::ProviderError> {
                self.inner.configure(config).await
            }
            fn plan_resource(&self, type_name: &str, prior: &::infra_lang::Value, proposed: &::infra_lang::Value) -> Result<$crate::PlannedState, $crate::ProviderError> {
                self.inner.plan_resource(type_name, prior, proposed)
            }
            async fn apply_resource(&self, type_name: &str, prior: &::infra_lang::Value, planned: &::infra_lang::Value) -> Result<::infra_lang::Value, $crate::ProviderError> {
                self.inner.apply_resource(type_name, prior, planned).await
            }
            async fn read_resource(&self, type_name: &str, current: &::infra_lang::Value) -> Result<Option<::infra_lang::Value>, $crate::ProviderError> {
                self.inner.read_resource(type_name, current).await
            }
            async fn read_many(&self, type_name: &str, currents: &[::infra_lang::Value]) -> Vec<Result<Option<::infra_lang::Value>, $crate::ProviderError>> {
                self.inner.read_many(type_name, currents).await
            }
            async fn read_data_source(&self, type_name: &str, config: &::infra_lang::Value) -> Result<::infra_lang::Value, $crate::ProviderError> {
                self.inner.read_data_source(type_name, config).await
            }
            async fn import_resource(&self, type_name: &str, id: &str) -> Result<::infra_lang::Value, $crate::ProviderError> {
                self.inner.import_resource(type_name, id).await
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;
    use infra_lang::Type;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Api {
        token: String,
    }

    struct Conf {
        schema: Schema,
        calls: Arc<AtomicUsize>,
    }

    #[async_trait]
    impl Configure<Api> for Conf {
        fn schema(&self) -> &Schema {
            &self.schema
        }
        async fn configure(&self, config: &Value) -> Result<Api, ProviderError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            match config
                .get_attr("token")
                .and_then(|t| t.as_str().map(str::to_string))
            {
                Some(token) => Ok(Api { token }),
                None => Err(ProviderError::new("no token: set `token`")),
            }
        }
    }

    struct Thing {
        spec: TypeSpec,
    }

    #[async_trait]
    impl RestResource<Api> for Thing {
        fn spec(&self) -> &TypeSpec {
            &self.spec
        }
        async fn create(&self, api: &Api, planned: &Value) -> Result<Value, ProviderError> {
            let mut o = planned.as_entries().cloned().unwrap_or_default();
            o.insert("id".into(), Value::string(format!("{}-1", api.token)));
            Ok(Value::Object(o))
        }
        async fn read(&self, _: &Api, current: &Value) -> Result<Option<Value>, ProviderError> {
            Ok(Some(current.clone()))
        }
        async fn update(
            &self,
            _: &Api,
            _: &Value,
            planned: &Value,
        ) -> Result<Value, ProviderError> {
            Ok(planned.clone())
        }
        async fn delete(&self, _: &Api, _: &Value) -> Result<(), ProviderError> {
            Ok(())
        }
        async fn import(&self, _: &Api, id: &str) -> Result<Value, ProviderError> {
            let parts = split_import_id(id, 2, "<zone>/<id>")?;
            Ok(self.spec.object_with([("id", Value::string(parts[1]))]))
        }
    }

    fn provider(calls: Arc<AtomicUsize>) -> RestProvider<Api> {
        let schema = Schema::new(0).attr("token", Attribute::optional(Type::String).sensitive());
        let (spec, errors) = TypeSpec::from_doc(
            "x_thing",
            "## Schema\n\n### Optional\n\n- `name` (String) n\n\n### Read-Only\n\n- `id` (String) i\n",
            0,
            &[],
            Normalizer::new(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        RestProvider::new("example.com/x/x", Conf { schema, calls }).resource(Thing { spec })
    }

    #[tokio::test]
    async fn dispatches_and_configures_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let p = provider(calls.clone());
        assert!(p.schema().resources.contains_key("x_thing"));
        p.configure(Value::object([("token", Value::string("t"))]))
            .await
            .unwrap();
        let planned = p
            .plan_resource(
                "x_thing",
                &Value::null(),
                &Value::object([
                    ("name", Value::string("a")),
                    ("id", Value::Null(Type::String)),
                ]),
            )
            .unwrap()
            .planned;
        assert_eq!(planned.get_attr("id"), Some(Value::Unknown(Type::String)));
        let created = p
            .apply_resource("x_thing", &Value::null(), &planned)
            .await
            .unwrap();
        assert_eq!(created.get_attr("id"), Some(Value::string("t-1")));
        let gone = p
            .apply_resource("x_thing", &created, &Value::null())
            .await
            .unwrap();
        assert!(gone.is_null());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let err = p
            .import_resource("x_thing", "just-one-part")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("<zone>/<id>"), "{err}");
        assert!(p
            .plan_resource("nope", &Value::null(), &Value::null())
            .is_err());
    }

    #[tokio::test]
    async fn operations_before_configure_use_the_environment_and_explain_failures() {
        let calls = Arc::new(AtomicUsize::new(0));
        let p = provider(calls.clone());
        let err = p
            .read_resource("x_thing", &Value::null())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("set `token`"), "{err}");
        let many = p
            .read_many("x_thing", &[Value::null(), Value::null()])
            .await;
        assert_eq!(many.len(), 2);
        assert!(many.iter().all(|r| r.is_err()));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "configured once, failure remembered"
        );
    }
}
