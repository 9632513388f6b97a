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

/// A resource block's address in the configuration: its (static) module path and its local
/// address, with no instance keys: `module.net.null_resource.a`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    /// Names of the module calls from the root (empty in the root module).
    pub module: Vec<String>,
    pub mode: Mode,
    pub r#type: String,
    pub name: String,
}

impl ResourceAddr {
    pub fn managed(t: &str, n: &str) -> ResourceAddr {
        ResourceAddr { module: vec![], mode: Mode::Managed, r#type: t.to_string(), name: n.to_string() }
    }
    /// An instance in the root module (or, for a module resource, in the module instance
    /// whose keys are all `None`).
    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        let module = ModuleInstance(self.module.iter().map(|m| (m.clone(), InstanceKey::None)).collect());
        InstanceAddr { module, resource: self.clone(), key }
    }
    /// The address within its module: `null_resource.a`, `data.x.y`.
    pub fn local(&self) -> String {
        match self.mode {
            Mode::Data => format!("data.{}.{}", self.r#type, self.name),
            Mode::Managed => format!("{}.{}", self.r#type, self.name),
        }
    }
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.module {
            write!(f, "module.{m}.")?;
        }
        write!(f, "{}", self.local())
    }
}

/// A module instance: the module calls (with their instance keys) from the root, e.g.
/// `module.site["prod"].module.dns`. The root module is the empty path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleInstance(pub Vec<(String, InstanceKey)>);

impl ModuleInstance {
    pub fn root() -> ModuleInstance {
        ModuleInstance(vec![])
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    pub fn child(&self, name: &str, key: InstanceKey) -> ModuleInstance {
        let mut v = self.0.clone();
        v.push((name.to_string(), key));
        ModuleInstance(v)
    }
    /// The parent instance and this instance's own call (name, key); `None` for the root.
    pub fn split_last(&self) -> Option<(ModuleInstance, &(String, InstanceKey))> {
        let (last, rest) = self.0.split_last()?;
        Some((ModuleInstance(rest.to_vec()), last))
    }
    /// The static module path (call names only).
    pub fn path(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (n, k)) in self.0.iter().enumerate() {
            if i > 0 {
                write!(f, ".")?;
            }
            write!(f, "module.{n}{k}")?;
        }
        Ok(())
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

/// A resource instance's address. Invariant: `resource.module == module.path()`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceAddr {
    pub module: ModuleInstance,
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl InstanceAddr {
    /// The instance `key` of resource `local` (module path ignored) in module instance `module`.
    pub fn new(module: &ModuleInstance, local: &ResourceAddr, key: InstanceKey) -> InstanceAddr {
        let resource = ResourceAddr { module: module.path(), ..local.clone() };
        InstanceAddr { module: module.clone(), resource, key }
    }
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "{}{}", self.resource.local(), self.key)
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

/// Parses an instance key in brackets at the start of `s`; returns it and the rest.
fn parse_key<'a>(s: &'a str, err: &dyn Fn(&str) -> AddrParseError) -> Result<(InstanceKey, &'a str), AddrParseError> {
    let Some(rest) = s.strip_prefix('[') else { return Ok((InstanceKey::None, s)) };
    if let Some(q) = rest.strip_prefix('"') {
        // A JSON string up to the closing quote that is followed by `]`.
        let mut end = None;
        let mut escaped = false;
        for (i, c) in q.char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                end = Some(i);
                break;
            }
        }
        let end = end.ok_or_else(|| err("a string key must be a quoted string, like [\"key\"]"))?;
        let key: String = serde_json::from_str(&format!("\"{}\"", &q[..end])).map_err(|_| err("invalid string key"))?;
        let after = q[end + 1..].strip_prefix(']').ok_or_else(|| err("an instance key must end with ]"))?;
        return Ok((InstanceKey::Str(key), after));
    }
    let close = rest.find(']').ok_or_else(|| err("an instance key must end with ]"))?;
    let n = rest[..close].parse::<i64>().map_err(|_| err("an instance key is a number or a quoted string, like [0] or [\"key\"]"))?;
    Ok((InstanceKey::Int(n), &rest[close + 1..]))
}

impl FromStr for ModuleInstance {
    type Err = AddrParseError;
    /// `module.a["x"].module.b` (the empty string is the root).
    fn from_str(s: &str) -> Result<ModuleInstance, AddrParseError> {
        let err = |reason: &str| AddrParseError { input: s.to_string(), reason: reason.to_string() };
        let mut rest = s;
        let mut out = Vec::new();
        while !rest.is_empty() {
            let r = rest.strip_prefix("module.").ok_or_else(|| err("expected module.NAME"))?;
            let end = r.find(['[', '.']).unwrap_or(r.len());
            let name = &r[..end];
            if !is_ident(name) {
                return Err(err("module names must be identifiers"));
            }
            let (key, after) = parse_key(&r[end..], &err)?;
            out.push((name.to_string(), key));
            rest = after.strip_prefix('.').unwrap_or(after);
            if after.len() == rest.len() && !rest.is_empty() {
                return Err(err("expected . between module steps"));
            }
        }
        Ok(ModuleInstance(out))
    }
}

impl FromStr for InstanceAddr {
    type Err = AddrParseError;
    fn from_str(s: &str) -> Result<InstanceAddr, AddrParseError> {
        let err = |reason: &str| AddrParseError { input: s.to_string(), reason: reason.to_string() };
        // Leading module steps.
        let mut module = Vec::new();
        let mut rest = s;
        while let Some(r) = rest.strip_prefix("module.") {
            let end = r.find(['[', '.']).unwrap_or(r.len());
            let name = &r[..end];
            if !is_ident(name) {
                return Err(err("module names must be identifiers"));
            }
            let (key, after) = parse_key(&r[end..], &err)?;
            module.push((name.to_string(), key));
            rest = after.strip_prefix('.').ok_or_else(|| err("a module address must be followed by a resource address"))?;
        }
        let (head, key_part) = match rest.find('[') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (key, tail) = parse_key(key_part, &err)?;
        if !tail.is_empty() {
            return Err(err("unexpected text after the instance key"));
        }
        let parts: Vec<&str> = head.split('.').collect();
        let (mode, t, n) = match parts.as_slice() {
            ["data", t, n] => (Mode::Data, *t, *n),
            [t, n] => (Mode::Managed, *t, *n),
            _ => return Err(err("expected TYPE.NAME or data.TYPE.NAME")),
        };
        if !is_ident(t) || !is_ident(n) {
            return Err(err("resource type and name must be identifiers"));
        }
        let module = ModuleInstance(module);
        let resource = ResourceAddr { module: module.path(), mode, r#type: t.to_string(), name: n.to_string() };
        Ok(InstanceAddr { module, resource, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in ["null_resource.a", "data.null_data_source.x", "random_id.k[\"blue\"]", "null_resource.n[3]", "module.a.null_resource.b", "module.a[\"x.y\"].module.b[2].data.t.n[\"k\"]"] {
            let a: InstanceAddr = s.parse().expect(s);
            assert_eq!(a.to_string(), s);
        }
        assert!("nope".parse::<InstanceAddr>().is_err());
        assert!("a.b[x]".parse::<InstanceAddr>().is_err());
    }
}
