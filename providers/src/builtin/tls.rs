//! `registry.terraform.io/hashicorp/tls` (as terraform-provider-tls v4): the `tls_private_key`
//! resource. A logical resource: the key is generated at apply (every computed attribute is
//! unknown in the plan), kept in state (the private encodings are sensitive), read returns the
//! state as it is, and delete only forgets it. Every configurable argument forces replacement.
//!
//! Encodings follow the official provider byte for byte where the format is fixed: PEM blocks of
//! 64 columns with a trailing newline (`RSA PRIVATE KEY` PKCS#1, `EC PRIVATE KEY` SEC1, and
//! `PRIVATE KEY` PKCS#8 for ED25519 and for `private_key_pem_pkcs8`), `PUBLIC KEY` as PKIX, the
//! public key in `authorized_keys` form with a trailing newline, fingerprints as `aa:bb:...` (MD5)
//! and `SHA256:...` (unpadded base64), and `id` the hex SHA-1 of the PKIX DER (after Go's
//! `strings.TrimSpace`, as upstream's `hashForState`). ECDSA P-224 has no OpenSSH form, so its
//! `private_key_openssh`, `public_key_openssh` and fingerprints are empty strings, as upstream.

use async_trait::async_trait;
use infra_lang::{Type, Value};
use md5::Md5;
use pkcs8::der::pem::LineEnding;
use pkcs8::{EncodePrivateKey, EncodePublicKey};
use rand_core::OsRng;
use sha1::{Digest, Sha1};

use crate::builtin::common::{attr, deleted, fill_defaults, generating, int_arg, num, str_arg, with_attrs, ArgError};
use crate::provider::{plan_from_schema, PlannedState, Provider, ProviderError};
use crate::schema::{Attribute, ProviderSchema, Schema};

/// The algorithms `algorithm` accepts, in upstream's order.
pub const ALGORITHMS: [&str; 3] = ["RSA", "ECDSA", "ED25519"];
/// The curves `ecdsa_curve` accepts, in upstream's order.
pub const ECDSA_CURVES: [&str; 4] = ["P224", "P256", "P384", "P521"];
/// Upstream's default `rsa_bits`.
pub const DEFAULT_RSA_BITS: i64 = 2048;
/// Upstream's default `ecdsa_curve`.
pub const DEFAULT_ECDSA_CURVE: &str = "P224";
/// The smallest RSA key Go's `rsa.GenerateKey` (and so the official provider) accepts.
const MIN_RSA_BITS: i64 = 1024;
/// The largest RSA key infra generates (OpenSSH's limit; larger keys take minutes to generate).
const MAX_RSA_BITS: i64 = 16384;

/// The tls provider.
pub struct TlsProvider {
    schema: ProviderSchema,
}

impl TlsProvider {
    pub const SOURCE: &'static str = "registry.terraform.io/hashicorp/tls";

    pub fn new() -> TlsProvider {
        let mut schema = ProviderSchema::default();
        schema.resources.insert("tls_private_key".into(), private_key_schema());
        TlsProvider { schema }
    }
}

impl Default for TlsProvider {
    fn default() -> TlsProvider {
        TlsProvider::new()
    }
}

/// Schema of `tls_private_key` (version 1, as upstream).
pub fn private_key_schema() -> Schema {
    let computed = |d: &'static str| Attribute::computed(Type::String).describe(d);
    Schema::new(1)
        .attr(
            "algorithm",
            Attribute::required(Type::String)
                .force_new()
                .describe("Name of the algorithm to use when generating the private key. Currently-supported values are `RSA`, `ECDSA` and `ED25519`."),
        )
        .attr(
            "ecdsa_curve",
            Attribute::optional_computed(Type::String).force_new().describe(
                "When `algorithm` is `ECDSA`, the name of the elliptic curve to use. Currently-supported values are `P224`, `P256`, `P384` or `P521` (default: `P224`).",
            ),
        )
        .attr(
            "rsa_bits",
            Attribute::optional_computed(Type::Number)
                .force_new()
                .describe("When `algorithm` is `RSA`, the size of the generated RSA key, in bits (default: `2048`)."),
        )
        .attr(
            "openssh_comment",
            Attribute::optional(Type::String).force_new().describe("Comment to add to the OpenSSH key (default: `\"\"`)."),
        )
        .attr("id", computed("Unique identifier for this resource: hexadecimal representation of the SHA1 checksum of the resource."))
        .attr(
            "private_key_pem",
            computed("Private key data in [PEM (RFC 1421)](https://datatracker.ietf.org/doc/html/rfc1421) format.").sensitive(),
        )
        .attr(
            "private_key_openssh",
            computed("Private key data in [OpenSSH PEM (RFC 4716)](https://datatracker.ietf.org/doc/html/rfc4716) format.").sensitive(),
        )
        .attr(
            "private_key_pem_pkcs8",
            computed("Private key data in [PKCS#8 PEM (RFC 5208)](https://datatracker.ietf.org/doc/html/rfc5208) format.").sensitive(),
        )
        .attr("public_key_pem", computed("Public key data in [PEM (RFC 1421)](https://datatracker.ietf.org/doc/html/rfc1421) format."))
        .attr(
            "public_key_openssh",
            computed("The public key data in \"Authorized Keys\" format. This is populated only if the configured private key is supported: this includes all `RSA` and `ED25519` keys, as well as `ECDSA` keys with curves `P256`, `P384` and `P521`. `ECDSA` with curve `P224` is not supported."),
        )
        .attr(
            "public_key_fingerprint_md5",
            computed("The fingerprint of the public key data in OpenSSH MD5 hash format, e.g. `aa:bb:cc:...`. Only available if the selected private key format is compatible, similarly to `public_key_openssh` and the ECDSA P224 limitations."),
        )
        .attr(
            "public_key_fingerprint_sha256",
            computed("The fingerprint of the public key data in OpenSSH SHA256 hash format, e.g. `SHA256:...`. Only available if the selected private key format is compatible, similarly to `public_key_openssh` and the ECDSA P224 limitations."),
        )
}

#[async_trait]
impl Provider for TlsProvider {
    fn source(&self) -> &'static str {
        Self::SOURCE
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn plan_resource(&self, type_name: &str, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        if proposed.is_null() {
            return Ok(PlannedState { planned: proposed.clone(), requires_replace: Vec::new() });
        }
        plan(schema, prior, proposed)
    }

    async fn apply_resource(&self, type_name: &str, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
        let schema = self.resource_schema(type_name)?;
        if planned.is_null() {
            return Ok(deleted(schema));
        }
        apply(prior, planned)
    }

    async fn read_resource(&self, type_name: &str, current: &Value) -> Result<Option<Value>, ProviderError> {
        self.resource_schema(type_name)?;
        Ok(Some(current.clone()))
    }
}

/// Fills the defaults (`rsa_bits` 2048, `ecdsa_curve` "P224", set whatever the algorithm, as
/// upstream), checks what is known, and plans from the schema (every argument forces
/// replacement; the computed attributes are unknown until apply).
pub(crate) fn plan(schema: &Schema, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
    let proposed = fill_defaults(
        proposed,
        &[("rsa_bits", num(DEFAULT_RSA_BITS)), ("ecdsa_curve", Value::string(DEFAULT_ECDSA_CURVE))],
    );
    KeySpec::check_known(&proposed)?;
    Ok(plan_from_schema(schema, prior, &proposed))
}

/// Generates the key on create or replace; an unchanged key is kept as it is.
pub(crate) fn apply(prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
    if !generating(prior, planned, "id") {
        return Ok(planned.clone());
    }
    let spec = KeySpec::from_object(planned)?;
    let comment = str_arg(planned, "openssh_comment", "encode the OpenSSH private key")?.unwrap_or_default();
    let key = PrivateKey::generate(spec)?;
    let e = key.encode(&comment)?;
    Ok(with_attrs(
        planned,
        [
            ("id", Value::string(e.id)),
            ("private_key_pem", Value::string(e.private_key_pem)),
            ("private_key_pem_pkcs8", Value::string(e.private_key_pem_pkcs8)),
            ("private_key_openssh", Value::string(e.private_key_openssh)),
            ("public_key_pem", Value::string(e.public_key_pem)),
            ("public_key_openssh", Value::string(e.public_key_openssh)),
            ("public_key_fingerprint_md5", Value::string(e.public_key_fingerprint_md5)),
            ("public_key_fingerprint_sha256", Value::string(e.public_key_fingerprint_sha256)),
        ],
    ))
}

// ---------------------------------------------------------------------------------------------
// arguments

/// An ECDSA curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P224,
    P256,
    P384,
    P521,
}

/// What to generate: the validated arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeySpec {
    Rsa { bits: usize },
    Ecdsa(Curve),
    Ed25519,
}

const WHY: &str = "generate the private key";

fn one_of(name: &str, value: &str, allowed: &[&str]) -> Result<(), ArgError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
    Err(ArgError::invalid(name, format!("must be one of {}, got \"{value}\"", list.join(", "))))
}

fn curve(name: &str) -> Result<Curve, ArgError> {
    one_of("ecdsa_curve", name, &ECDSA_CURVES)?;
    Ok(match name {
        "P224" => Curve::P224,
        "P256" => Curve::P256,
        "P384" => Curve::P384,
        _ => Curve::P521,
    })
}

fn rsa_bits(bits: i64) -> Result<usize, ArgError> {
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(ArgError::invalid(
            "rsa_bits",
            format!("must be between {MIN_RSA_BITS} and {MAX_RSA_BITS}, got {bits}"),
        ));
    }
    Ok(bits as usize)
}

impl KeySpec {
    /// Validates the arguments that are known (at plan time some may not be): `algorithm` and
    /// `ecdsa_curve` against upstream's lists, `rsa_bits` when the algorithm is RSA.
    fn check_known(obj: &Value) -> Result<(), ArgError> {
        let algorithm = match attr(obj, "algorithm") {
            Value::String(s) => {
                one_of("algorithm", &s, &ALGORITHMS)?;
                Some(s)
            }
            _ => None,
        };
        if let Value::String(c) = attr(obj, "ecdsa_curve") {
            curve(&c)?;
        }
        if algorithm.as_deref() == Some("RSA") && attr(obj, "rsa_bits").is_known() {
            if let Some(bits) = int_arg(obj, "rsa_bits", WHY)? {
                rsa_bits(bits)?;
            }
        }
        Ok(())
    }

    /// The arguments of a planned object (all known at apply).
    pub(crate) fn from_object(obj: &Value) -> Result<KeySpec, ArgError> {
        let algorithm = str_arg(obj, "algorithm", WHY)?.ok_or_else(|| ArgError::Missing { attr: "algorithm".into() })?;
        one_of("algorithm", &algorithm, &ALGORITHMS)?;
        Ok(match algorithm.as_str() {
            "RSA" => KeySpec::Rsa { bits: rsa_bits(int_arg(obj, "rsa_bits", WHY)?.unwrap_or(DEFAULT_RSA_BITS))? },
            "ECDSA" => KeySpec::Ecdsa(curve(&str_arg(obj, "ecdsa_curve", WHY)?.unwrap_or_else(|| DEFAULT_ECDSA_CURVE.into()))?),
            _ => KeySpec::Ed25519,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// keys and their encodings

/// A generated private key.
pub(crate) enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    P224(p224::SecretKey),
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    P521(p521::SecretKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// Every computed attribute of `tls_private_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Encodings {
    pub id: String,
    pub private_key_pem: String,
    pub private_key_pem_pkcs8: String,
    pub private_key_openssh: String,
    pub public_key_pem: String,
    pub public_key_openssh: String,
    pub public_key_fingerprint_md5: String,
    pub public_key_fingerprint_sha256: String,
}

fn encode_error(what: &str, e: impl std::fmt::Display) -> ProviderError {
    ProviderError::new("Unable to encode key").with_detail(format!("{what}: {e}"))
}

/// A PEM block as Go's `pem.EncodeToMemory` writes it: 64 columns, LF, trailing newline.
fn pem(label: &'static str, der: &[u8]) -> Result<String, ProviderError> {
    pem_rfc7468::encode_string(label, LineEnding::LF, der).map_err(|e| encode_error(label, e))
}

impl PrivateKey {
    pub(crate) fn generate(spec: KeySpec) -> Result<PrivateKey, ProviderError> {
        Ok(match spec {
            KeySpec::Rsa { bits } => PrivateKey::Rsa(Box::new(rsa::RsaPrivateKey::new(&mut OsRng, bits).map_err(|e| {
                ProviderError::new("Unable to generate Key from configuration").with_detail(e.to_string())
            })?)),
            KeySpec::Ecdsa(Curve::P224) => PrivateKey::P224(p224::SecretKey::random(&mut OsRng)),
            KeySpec::Ecdsa(Curve::P256) => PrivateKey::P256(p256::SecretKey::random(&mut OsRng)),
            KeySpec::Ecdsa(Curve::P384) => PrivateKey::P384(p384::SecretKey::random(&mut OsRng)),
            KeySpec::Ecdsa(Curve::P521) => PrivateKey::P521(p521::SecretKey::random(&mut OsRng)),
            KeySpec::Ed25519 => PrivateKey::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng)),
        })
    }

    /// The private key in its traditional PEM form (upstream's `private_key_pem`).
    fn private_pem(&self) -> Result<String, ProviderError> {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let r = match self {
            PrivateKey::Rsa(k) => k.to_pkcs1_pem(LineEnding::LF).map(|s| s.to_string()).map_err(|e| e.to_string()),
            PrivateKey::P224(k) => k.to_sec1_pem(LineEnding::LF).map(|s| s.to_string()).map_err(|e| e.to_string()),
            PrivateKey::P256(k) => k.to_sec1_pem(LineEnding::LF).map(|s| s.to_string()).map_err(|e| e.to_string()),
            PrivateKey::P384(k) => k.to_sec1_pem(LineEnding::LF).map(|s| s.to_string()).map_err(|e| e.to_string()),
            PrivateKey::P521(k) => k.to_sec1_pem(LineEnding::LF).map(|s| s.to_string()).map_err(|e| e.to_string()),
            PrivateKey::Ed25519(_) => return self.pkcs8_pem(),
        };
        r.map_err(|e| encode_error("private key PEM", e))
    }

    /// The private key as PKCS#8 PEM. ED25519 is written as Go's `x509.MarshalPKCS8PrivateKey`
    /// does: version 1, without the optional public key.
    fn pkcs8_pem(&self) -> Result<String, ProviderError> {
        let r = match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P224(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P384(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P521(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Ed25519(k) => {
                ed25519_dalek::pkcs8::KeypairBytes { secret_key: k.to_bytes(), public_key: None }.to_pkcs8_pem(LineEnding::LF)
            }
        };
        r.map(|s| s.to_string()).map_err(|e| encode_error("PKCS#8 PEM", e))
    }

    /// The public key as PKIX (SubjectPublicKeyInfo) DER.
    fn public_der(&self) -> Result<Vec<u8>, ProviderError> {
        let r = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::P224(k) => k.public_key().to_public_key_der(),
            PrivateKey::P256(k) => k.public_key().to_public_key_der(),
            PrivateKey::P384(k) => k.public_key().to_public_key_der(),
            PrivateKey::P521(k) => k.public_key().to_public_key_der(),
            PrivateKey::Ed25519(k) => k.verifying_key().to_public_key_der(),
        };
        r.map(|d| d.into_vec()).map_err(|e| encode_error("public key", e))
    }

    /// The key pair for OpenSSH, `None` for P-224 (which OpenSSH does not support).
    fn ssh_keypair(&self) -> Result<Option<ssh_key::private::KeypairData>, ProviderError> {
        use ssh_key::private::{EcdsaKeypair, Ed25519Keypair, KeypairData, RsaKeypair};
        Ok(Some(match self {
            PrivateKey::Rsa(k) => {
                KeypairData::Rsa(RsaKeypair::try_from(k.as_ref()).map_err(|e| encode_error("OpenSSH RSA key", e))?)
            }
            PrivateKey::P224(_) => return Ok(None),
            PrivateKey::P256(k) => {
                KeypairData::Ecdsa(EcdsaKeypair::NistP256 { public: k.public_key().into(), private: k.clone().into() })
            }
            PrivateKey::P384(k) => {
                KeypairData::Ecdsa(EcdsaKeypair::NistP384 { public: k.public_key().into(), private: k.clone().into() })
            }
            PrivateKey::P521(k) => {
                KeypairData::Ecdsa(EcdsaKeypair::NistP521 { public: k.public_key().into(), private: k.clone().into() })
            }
            PrivateKey::Ed25519(k) => KeypairData::Ed25519(Ed25519Keypair::from(k.clone())),
        }))
    }

    /// Every encoding upstream stores, with `comment` in the OpenSSH private key.
    pub(crate) fn encode(&self, comment: &str) -> Result<Encodings, ProviderError> {
        let public_der = self.public_der()?;
        let mut e = Encodings {
            id: hash_for_state(&public_der),
            private_key_pem: self.private_pem()?,
            private_key_pem_pkcs8: self.pkcs8_pem()?,
            private_key_openssh: String::new(),
            public_key_pem: pem("PUBLIC KEY", &public_der)?,
            public_key_openssh: String::new(),
            public_key_fingerprint_md5: String::new(),
            public_key_fingerprint_sha256: String::new(),
        };
        if let Some(pair) = self.ssh_keypair()? {
            let private = ssh_key::PrivateKey::new(pair, comment).map_err(|e| encode_error("OpenSSH private key", e))?;
            let bytes = private.to_bytes().map_err(|e| encode_error("OpenSSH private key", e))?;
            e.private_key_openssh = pem("OPENSSH PRIVATE KEY", &bytes)?;
            let public = ssh_key::PublicKey::new(private.public_key().key_data().clone(), "");
            e.public_key_openssh = format!("{}\n", public.to_openssh().map_err(|e| encode_error("OpenSSH public key", e))?);
            let blob = public.to_bytes().map_err(|e| encode_error("OpenSSH public key", e))?;
            e.public_key_fingerprint_md5 = fingerprint_md5(&blob);
            e.public_key_fingerprint_sha256 = public.fingerprint(ssh_key::HashAlg::Sha256).to_string();
        }
        Ok(e)
    }
}

/// Go's `ssh.FingerprintLegacyMD5`: the MD5 of the public key blob as colon-separated hex.
fn fingerprint_md5(blob: &[u8]) -> String {
    Md5::digest(blob).iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// Upstream's `hashForState(string(der))`: the hex SHA-1 of the bytes after Go's
/// `strings.TrimSpace` (which trims Unicode white space, so a DER that happens to end in
/// `0x20` or `0x0a` loses it before hashing).
fn hash_for_state(bytes: &[u8]) -> String {
    let trimmed = go_trim_space(bytes);
    if trimmed.is_empty() {
        return String::new();
    }
    hex::encode(Sha1::digest(trimmed))
}

/// Go's `strings.TrimSpace` on arbitrary bytes: leading and trailing runes that are valid UTF-8
/// and white space are removed; an invalid byte stops the trimming.
fn go_trim_space(mut s: &[u8]) -> &[u8] {
    let space = |c: Option<char>| c.is_some_and(char::is_whitespace);
    loop {
        let (c, n) = first_rune(s);
        if !space(c) {
            break;
        }
        s = &s[n..];
    }
    loop {
        let (c, n) = last_rune(s);
        if !space(c) {
            break;
        }
        s = &s[..s.len() - n];
    }
    s
}

/// The rune `s` starts with and its length, or `None` when `s` is empty or starts with an
/// invalid sequence.
fn first_rune(s: &[u8]) -> (Option<char>, usize) {
    for n in 1..=4.min(s.len()) {
        if let Ok(t) = std::str::from_utf8(&s[..n]) {
            return (t.chars().next(), n);
        }
    }
    (None, 0)
}

/// The rune `s` ends with and its length, or `None` when it ends with an invalid sequence.
fn last_rune(s: &[u8]) -> (Option<char>, usize) {
    for n in 1..=4.min(s.len()) {
        if let Ok(t) = std::str::from_utf8(&s[s.len() - n..]) {
            let mut chars = t.chars();
            let c = chars.next_back();
            return if chars.next().is_none() { (c, n) } else { (None, 0) };
        }
    }
    (None, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use infra_lang::PathStep;
    use pkcs8::{DecodePrivateKey, DecodePublicKey};

    fn config(algorithm: &str, extra: &[(&'static str, Value)]) -> Value {
        let mut attrs = vec![("algorithm", Value::string(algorithm))];
        attrs.extend(extra.iter().cloned());
        crate::builtin::common::object_of(&private_key_schema(), attrs)
    }

    fn created(cfg: &Value) -> Value {
        let schema = private_key_schema();
        let planned = plan(&schema, &Value::Null(schema.object_type()), cfg).unwrap().planned;
        assert!(!attr(&planned, "id").is_known());
        apply(&Value::Null(schema.object_type()), &planned).unwrap()
    }

    fn s(obj: &Value, name: &str) -> String {
        match attr(obj, name) {
            Value::String(s) => s,
            other => panic!("{name} is {other:?}"),
        }
    }

    /// An `OPENSSH PRIVATE KEY` PEM in 64 columns (as Go writes it; ssh-key's own PEM reader
    /// insists on OpenSSH's 70), parsed back.
    fn parse_openssh_private(pem: &str) -> ssh_key::PrivateKey {
        let (label, bytes) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
        assert_eq!(label, "OPENSSH PRIVATE KEY");
        ssh_key::PrivateKey::from_bytes(&bytes).unwrap()
    }

    /// The checks every key shares: PEM shapes, the id, and (unless P-224) the OpenSSH forms and
    /// fingerprints recomputed from the public key parsed back.
    fn check_common(obj: &Value, ssh_prefix: Option<&str>) {
        let public_pem = s(obj, "public_key_pem");
        assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n") && public_pem.ends_with("-----END PUBLIC KEY-----\n"), "{public_pem}");
        assert!(public_pem.lines().all(|l| l.len() <= 64), "{public_pem}");
        let (label, der) = pem_rfc7468::decode_vec(public_pem.as_bytes()).unwrap();
        assert_eq!(label, "PUBLIC KEY");
        assert_eq!(s(obj, "id"), hash_for_state(&der));
        assert_eq!(s(obj, "id").len(), 40);
        let pkcs8 = s(obj, "private_key_pem_pkcs8");
        assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----\n") && pkcs8.ends_with("-----END PRIVATE KEY-----\n"), "{pkcs8}");
        match ssh_prefix {
            None => {
                for n in ["private_key_openssh", "public_key_openssh", "public_key_fingerprint_md5", "public_key_fingerprint_sha256"] {
                    assert_eq!(s(obj, n), "", "{n}");
                }
            }
            Some(prefix) => {
                let openssh = s(obj, "public_key_openssh");
                assert!(openssh.starts_with(&format!("{prefix} ")) && openssh.ends_with('\n'), "{openssh:?}");
                assert_eq!(openssh.matches(' ').count(), 1, "no comment in the authorized_keys form: {openssh:?}");
                let public = ssh_key::PublicKey::from_openssh(openssh.trim_end()).unwrap();
                let blob = public.to_bytes().unwrap();
                assert_eq!(s(obj, "public_key_fingerprint_md5"), fingerprint_md5(&blob));
                assert_eq!(s(obj, "public_key_fingerprint_md5").len(), 47);
                let sha = s(obj, "public_key_fingerprint_sha256");
                let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD_NO_PAD, sha2::Sha256::digest(&blob));
                assert_eq!(sha, format!("SHA256:{b64}"));
                assert!(!sha.ends_with('='));
                let private_openssh = s(obj, "private_key_openssh");
                assert!(private_openssh.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n"), "{private_openssh}");
                assert!(private_openssh.lines().all(|l| l.len() <= 64));
                let private = parse_openssh_private(&private_openssh);
                assert_eq!(private.public_key().key_data(), public.key_data());
            }
        }
    }

    #[test]
    fn ed25519_keys_parse_back() {
        let obj = created(&config("ED25519", &[]));
        check_common(&obj, Some("ssh-ed25519"));
        let pem = s(&obj, "private_key_pem");
        assert_eq!(pem, s(&obj, "private_key_pem_pkcs8"), "ED25519's private_key_pem is PKCS#8, as upstream");
        let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).unwrap();
        let public = ed25519_dalek::VerifyingKey::from_public_key_pem(&s(&obj, "public_key_pem")).unwrap();
        assert_eq!(key.verifying_key(), public);
        // Go writes PKCS#8 version 1 without the public key: 48 bytes of DER.
        let (_, der) = pem_rfc7468::decode_vec(pem.as_bytes()).unwrap();
        assert_eq!(der.len(), 48);
        // The defaults are stored whatever the algorithm, as upstream.
        assert_eq!(attr(&obj, "rsa_bits"), num(2048));
        assert_eq!(attr(&obj, "ecdsa_curve"), Value::string("P224"));
    }

    #[test]
    fn rsa_bits_are_honoured_and_keys_parse_back() {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::traits::PublicKeyParts;
        let obj = created(&config("RSA", &[("rsa_bits", num(1024))]));
        check_common(&obj, Some("ssh-rsa"));
        let pem = s(&obj, "private_key_pem");
        assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"), "{pem}");
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(&pem).unwrap();
        assert_eq!(key.n().bits(), 1024);
        let key8 = rsa::RsaPrivateKey::from_pkcs8_pem(&s(&obj, "private_key_pem_pkcs8")).unwrap();
        assert_eq!(key, key8);
        let public = rsa::RsaPublicKey::from_public_key_pem(&s(&obj, "public_key_pem")).unwrap();
        assert_eq!(public, key.to_public_key());
    }

    #[test]
    fn ecdsa_curves_parse_back() {
        let p256 = created(&config("ECDSA", &[("ecdsa_curve", Value::string("P256"))]));
        check_common(&p256, Some("ecdsa-sha2-nistp256"));
        let pem = s(&p256, "private_key_pem");
        assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"), "{pem}");
        let key = p256::SecretKey::from_sec1_pem(&pem).unwrap();
        assert_eq!(key, p256::SecretKey::from_pkcs8_pem(&s(&p256, "private_key_pem_pkcs8")).unwrap());
        assert_eq!(key.public_key(), p256::PublicKey::from_public_key_pem(&s(&p256, "public_key_pem")).unwrap());

        let p384 = created(&config("ECDSA", &[("ecdsa_curve", Value::string("P384"))]));
        check_common(&p384, Some("ecdsa-sha2-nistp384"));
        p384::SecretKey::from_sec1_pem(&s(&p384, "private_key_pem")).unwrap();

        let p521 = created(&config("ECDSA", &[("ecdsa_curve", Value::string("P521"))]));
        check_common(&p521, Some("ecdsa-sha2-nistp521"));
        p521::SecretKey::from_sec1_pem(&s(&p521, "private_key_pem")).unwrap();

        // The default curve is P224, which has no OpenSSH form.
        let p224 = created(&config("ECDSA", &[]));
        assert_eq!(attr(&p224, "ecdsa_curve"), Value::string("P224"));
        check_common(&p224, None);
        let key = p224::SecretKey::from_sec1_pem(&s(&p224, "private_key_pem")).unwrap();
        assert_eq!(key.public_key(), p224::PublicKey::from_public_key_pem(&s(&p224, "public_key_pem")).unwrap());
    }

    #[test]
    fn openssh_comment_goes_into_the_private_key_only() {
        let obj = created(&config("ED25519", &[("openssh_comment", Value::string("deploy@example"))]));
        let private = parse_openssh_private(&s(&obj, "private_key_openssh"));
        assert_eq!(private.comment(), "deploy@example");
        assert!(!s(&obj, "public_key_openssh").contains("deploy@example"));
    }

    #[test]
    fn invalid_arguments_fail_at_plan() {
        let schema = private_key_schema();
        let none = Value::Null(schema.object_type());
        let err = plan(&schema, &none, &config("DSA", &[])).unwrap_err();
        assert!(err.detail.as_deref().unwrap().contains(r#"must be one of "RSA", "ECDSA", "ED25519", got "DSA""#), "{err}");
        let err = plan(&schema, &none, &config("ECDSA", &[("ecdsa_curve", Value::string("P999"))])).unwrap_err();
        assert!(err.detail.as_deref().unwrap().contains("ecdsa_curve"), "{err}");
        let err = plan(&schema, &none, &config("RSA", &[("rsa_bits", num(512))])).unwrap_err();
        assert!(err.detail.as_deref().unwrap().contains("between 1024 and 16384"), "{err}");
        // rsa_bits only matters for RSA.
        plan(&schema, &none, &config("ED25519", &[("rsa_bits", num(512))])).unwrap();
        // Unknown arguments are checked at apply.
        plan(&schema, &none, &config("RSA", &[("rsa_bits", Value::Unknown(Type::Number))])).unwrap();
    }

    #[test]
    fn changing_any_argument_replaces_and_no_change_keeps_the_key() {
        let schema = private_key_schema();
        let prior = created(&config("ED25519", &[]));

        // Unchanged: no replacement, every value kept; apply returns the state as it is.
        let same = with_attrs(&prior, []);
        let p = plan(&schema, &prior, &same).unwrap();
        assert!(p.requires_replace.is_empty());
        assert_eq!(p.planned, prior);
        assert_eq!(apply(&prior, &p.planned).unwrap(), prior);

        let algo = with_attrs(&prior, [("algorithm", Value::string("ECDSA"))]);
        let p = plan(&schema, &prior, &algo).unwrap();
        assert_eq!(p.requires_replace, vec![vec![PathStep::Attr("algorithm".into())]]);
        for n in ["id", "private_key_pem", "public_key_openssh"] {
            assert!(!attr(&p.planned, n).is_known(), "{n} must be unknown in a replace plan");
        }
        let replaced = apply(&prior, &p.planned).unwrap();
        assert_ne!(s(&replaced, "id"), s(&prior, "id"));

        let comment = with_attrs(&prior, [("openssh_comment", Value::string("x"))]);
        assert_eq!(plan(&schema, &prior, &comment).unwrap().requires_replace, vec![vec![PathStep::Attr("openssh_comment".into())]]);
        let bits = with_attrs(&prior, [("rsa_bits", num(4096))]);
        assert_eq!(plan(&schema, &prior, &bits).unwrap().requires_replace, vec![vec![PathStep::Attr("rsa_bits".into())]]);
    }

    #[test]
    fn private_attributes_are_sensitive() {
        let schema = private_key_schema();
        let sensitive: Vec<&str> = schema.attributes.iter().filter(|(_, a)| a.sensitive).map(|(n, _)| n.as_str()).collect();
        assert_eq!(sensitive, ["private_key_openssh", "private_key_pem", "private_key_pem_pkcs8"]);
    }

    #[test]
    fn hash_for_state_trims_like_go() {
        assert_eq!(hash_for_state(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(hash_for_state(b"abc \n\t"), hash_for_state(b"abc"));
        // U+00A0 (NO-BREAK SPACE) in UTF-8 is white space for Go; a lone 0xA0 byte is not.
        assert_eq!(hash_for_state(b"abc\xc2\xa0"), hash_for_state(b"abc"));
        assert_ne!(hash_for_state(b"abc\xa0"), hash_for_state(b"abc"));
        assert_eq!(hash_for_state(b" \n"), "");
        assert_eq!(go_trim_space(b"\x30\x82\x01\x20"), b"\x30\x82\x01");
    }

    #[test]
    fn registered_under_hashicorp_tls() {
        let r = crate::Registry::builtin();
        assert_eq!(r.get("hashicorp/tls").map(|p| p.source()), Some(TlsProvider::SOURCE));
        assert!(r.get("registry.terraform.io/hashicorp/tls").unwrap().schema().resources.contains_key("tls_private_key"));
    }
}
