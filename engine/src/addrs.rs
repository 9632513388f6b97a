//! Addresses of configuration objects and their instances, printed and parsed in Terraform's
//! syntax: `null_resource.a`, `data.x.y`, `random_id.k["blue"]`, `null_resource.n[3]`.

use std::fmt;
use std::str::FromStr;

/// Managed resource or data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Managed,
    Data,
}

/// A resource block's address (no instance key).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    pub mode: Mode,
    pub r#type: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn managed(t: &str, n: &str) -> ResourceAddr {
        ResourceAddr { mode: Mode::Managed, r#type: t.to_string(), name: n.to_string() }
    }
    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        InstanceAddr { resource: self.clone(), key }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == Mode::Data {
            write!(f, "data.")?;
        }
        write!(f, "{}.{}", self.r#type, self.name)
    }
}

/// The key of one instance of a resource with `count` (Int) or `for_each` (Str).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    None,
    Int(i64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", serde_json::Value::String(s.clone())),
        }
    }
}

/// A resource instance's address.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

/// Why an address could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid address {input:?}: {reason}")]
pub struct AddrParseError {
    pub input: String,
    pub reason: String,
}

fn is_ident(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_alphabetic() || c == '_')
        && cs.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

impl FromStr for InstanceAddr {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<InstanceAddr, AddrParseError> {
        let err = |reason: &str| AddrParseError { input: s.to_string(), reason: reason.to_string() };
        let (head, key) = match s.find('[') {
            Some(i) => {
                let rest = &s[i..];
                if !rest.ends_with(']') {
                    return Err(err("an instance key must end with ]"));
                }
                let inner = &rest[1..rest.len() - 1];
                let key = if let Ok(n) = inner.parse::<i64>() {
                    InstanceKey::Int(n)
                } else if inner.starts_with('"') {
                    match serde_json::from_str::<String>(inner) {
                        Ok(k) => InstanceKey::Str(k),
                        Err(_) => return Err(err("a string key must be a quoted string, like [\"key\"]")),
                    }
                } else {
                    return Err(err("an instance key is a number or a quoted string, like [0] or [\"key\"]"));
                };
                (&s[..i], key)
            }
            None => (s, InstanceKey::None),
        };
        let parts: Vec<&str> = head.split('.').collect();
        let (mode, t, n) = match parts.as_slice() {
            ["data", t, n] => (Mode::Data, *t, *n),
            [t, n] => (Mode::Managed, *t, *n),
            ["module", ..] => return Err(err("module addresses are not supported yet")),
            _ => return Err(err("expected TYPE.NAME or data.TYPE.NAME")),
        };
        if !is_ident(t) || !is_ident(n) {
            return Err(err("resource type and name must be identifiers"));
        }
        Ok(InstanceAddr { resource: ResourceAddr { mode, r#type: t.to_string(), name: n.to_string() }, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in ["null_resource.a", "data.null_data_source.x", "random_id.k[\"blue\"]", "null_resource.n[3]"] {
            let a: InstanceAddr = s.parse().expect(s);
            assert_eq!(a.to_string(), s);
        }
        assert!("nope".parse::<InstanceAddr>().is_err());
        assert!("a.b[x]".parse::<InstanceAddr>().is_err());
    }
}
