//! IP network functions: cidrhost, cidrnetmask, cidrsubnet, cidrsubnets.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::util::{num, s};
use super::{bad, fail, p, FnError, MarkMode, Param, Spec, P};
use crate::value::Value;

pub(super) const NAMES: &[&str] = &["cidrhost", "cidrnetmask", "cidrsubnet", "cidrsubnets"];

fn sp(params: &[Param], ret: P, f: super::Impl) -> Option<Spec> {
    Some(Spec { params: params.to_vec(), variadic: None, ret, marks: MarkMode::Deep, f })
}

/// A parsed prefix: base address as u128, total bits (32 or 128), prefix length.
struct Net {
    addr: u128,
    bits: u32,
    len: u32,
}

/// Go 1.16's `net.ParseIP` (as in Terraform 1.0): IPv4 parts may have leading zeros and are
/// still decimal.
fn parse_ip(a: &str) -> Option<IpAddr> {
    if a.contains(':') {
        return a.parse().ok();
    }
    let parts: Vec<&str> = a.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut o = [0u8; 4];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        o[i] = p.parse::<u16>().ok().filter(|v| *v <= 255)? as u8;
    }
    Some(IpAddr::V4(Ipv4Addr::from(o)))
}

fn parse_cidr(c: &str) -> Result<Net, String> {
    let (a, l) = c.split_once('/').ok_or_else(|| format!("invalid CIDR address: {c}"))?;
    let ip: IpAddr = parse_ip(a).ok_or_else(|| format!("invalid CIDR address: {c}"))?;
    if l.is_empty() || l.len() > 3 || !l.chars().all(|x| x.is_ascii_digit()) || (l.len() > 1 && l.starts_with('0')) {
        return Err(format!("invalid CIDR address: {c}"));
    }
    let len: u32 = l.parse().map_err(|_| format!("invalid CIDR address: {c}"))?;
    let (addr, bits) = match ip {
        IpAddr::V4(v) => (u32::from(v) as u128, 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    };
    if len > bits {
        return Err(format!("invalid CIDR address: {c}"));
    }
    let mask = mask(bits, len);
    Ok(Net { addr: addr & mask, bits, len })
}

fn host_mask(bits: u32, len: u32) -> u128 {
    let h = bits - len;
    if h >= 128 {
        u128::MAX
    } else {
        (1u128 << h) - 1
    }
}

fn mask(bits: u32, len: u32) -> u128 {
    let all: u128 = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    all & !host_mask(bits, len)
}

fn fmt_addr(a: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(a as u32).to_string()
    } else {
        Ipv6Addr::from(a).to_string()
    }
}

fn subnet(n: &Net, newbits: i64, netnum: i64) -> Result<Net, String> {
    if newbits < 0 {
        return Err("must extend prefix by at least one bit".into());
    }
    let newlen = n.len as i64 + newbits;
    if newlen > n.bits as i64 {
        return Err(format!("insufficient address space to extend prefix of {} by {newbits}", n.len));
    }
    if netnum < 0 || (newbits < 64 && netnum as u128 >= (1u128 << newbits)) {
        return Err(format!("prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"));
    }
    let shift = n.bits - newlen as u32;
    let addr = n.addr | if shift >= 128 { 0 } else { (netnum as u128) << shift };
    Ok(Net { addr, bits: n.bits, len: newlen as u32 })
}

pub(super) fn spec(name: &str) -> Option<Spec> {
    match name {
        "cidrhost" => sp(&[p("prefix", P::Str), p("hostnum", P::Num)], P::Str, |a, _| {
            let n = parse_cidr(s(&a[0])).map_err(|e| fail(format!("invalid CIDR expression: {e}")))?;
            let h = num(&a[1]).as_i64().ok_or_else(|| fail("value must be a whole number"))?;
            let host_bits = n.bits - n.len;
            let size: i128 = if host_bits >= 127 { i128::MAX } else { 1i128 << host_bits };
            let h = h as i128;
            let idx = if h < 0 { size + h } else { h };
            if idx < 0 || idx >= size {
                return Err(fail(format!("prefix of {} does not accommodate a host numbered {h}", n.len)));
            }
            Ok(Value::String(fmt_addr(n.addr | idx as u128, n.bits)))
        }),
        "cidrnetmask" => sp(&[p("prefix", P::Str)], P::Str, |a, _| {
            let n = parse_cidr(s(&a[0])).map_err(|e| fail(format!("invalid CIDR expression: {e}")))?;
            if n.bits != 32 {
                return Err(fail("only IPv4 networks are supported"));
            }
            Ok(Value::String(fmt_addr(mask(32, n.len), 32)))
        }),
        "cidrsubnet" => sp(&[p("prefix", P::Str), p("newbits", P::Num), p("netnum", P::Num)], P::Str, |a, _| {
            let n = parse_cidr(s(&a[0])).map_err(|e| fail(format!("invalid CIDR expression: {e}")))?;
            let nb = num(&a[1]).as_i64().ok_or_else(|| fail("value must be a whole number"))?;
            let nn = num(&a[2]).as_i64().ok_or_else(|| fail("value must be a whole number"))?;
            let r = subnet(&n, nb, nn).map_err(fail)?;
            Ok(Value::String(format!("{}/{}", fmt_addr(r.addr, r.bits), r.len)))
        }),
        "cidrsubnets" => Some(Spec {
            params: vec![p("prefix", P::Str)],
            variadic: Some(p("newbits", P::Num)),
            ret: P::ListStr,
            marks: MarkMode::Deep,
            f: |a, _| {
                let n = parse_cidr(s(&a[0])).map_err(|e| bad(0, format!("invalid CIDR expression: {e}")))?;
                let mut out = Vec::new();
                let mut next: u128 = n.addr;
                let end: u128 = n.addr | host_mask(n.bits, n.len);
                for (i, nb) in a[1..].iter().enumerate() {
                    let nb = num(nb).as_i64().ok_or_else(|| bad(i + 1, "must be a whole number"))?;
                    if nb < 1 {
                        return Err(bad(i + 1, "must extend prefix by at least one bit"));
                    }
                    let newlen = n.len as i64 + nb;
                    if newlen > n.bits as i64 {
                        return Err(bad(i + 1, format!("would extend prefix to {newlen} bits, which is too long for an IPv{} address", if n.bits == 32 { 4 } else { 6 })));
                    }
                    let size: u128 = 1u128 << (n.bits - newlen as u32);
                    let start = next.div_ceil(size) * size;
                    if start > end || start + (size - 1) > end {
                        return Err(bad(i + 1, format!("not enough remaining address space for a subnet with a prefix of {newlen} bits after {}", out.last().map(|v: &Value| v.unmarked().as_str().unwrap_or("").to_string()).unwrap_or_default())));
                    }
                    out.push(Value::String(format!("{}/{}", fmt_addr(start, n.bits), newlen)));
                    next = start + size;
                }
                Ok(Value::List(crate::types::Type::String, out))
            },
        }),
        _ => None,
    }
}

#[allow(dead_code)]
fn _f(_: FnError) {}
