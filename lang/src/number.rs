//! `Number`: the language's number. Terraform uses arbitrary-precision numbers; this type is
//! opaque so that its representation can change without touching callers.

use std::cmp::Ordering;
use std::fmt;

/// A number of the Terraform language.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
pub struct Number(f64);

impl Number {
    pub fn from_f64(f: f64) -> Number {
        Number(f)
    }
    pub fn as_f64(&self) -> f64 {
        self.0
    }
    /// The number as an integer when it is whole and in range.
    pub fn as_i64(&self) -> Option<i64> {
        if self.0.fract() == 0.0 && self.0 >= i64::MIN as f64 && self.0 <= i64::MAX as f64 {
            Some(self.0 as i64)
        } else {
            None
        }
    }
    pub fn is_integer(&self) -> bool {
        self.0.is_finite() && self.0.fract() == 0.0
    }
    /// Parses Terraform number syntax (decimal, optional fraction and exponent).
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim();
        if t.is_empty() || t.starts_with('+') && t.len() == 1 {
            return None;
        }
        t.parse::<f64>().ok().filter(|f| f.is_finite()).map(Number)
    }
    /// Parses the strict decimal syntax cty accepts when converting a string to a number:
    /// optional sign, digits with an optional fraction, optional exponent, nothing else.
    pub fn parse_strict(s: &str) -> Option<Number> {
        let b = s.as_bytes();
        let mut i = 0;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let mut digits = i - start;
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let fs = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            digits += i - fs;
        }
        if digits == 0 {
            return None;
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
                i += 1;
            }
            let es = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == es {
                return None;
            }
        }
        if i != b.len() {
            return None;
        }
        Number::parse(s)
    }
    pub fn from_json(n: &serde_json::Number) -> Result<Number, String> {
        n.as_f64().map(Number).ok_or_else(|| format!("number {n} out of range"))
    }
    pub fn to_json(&self) -> serde_json::Value {
        if let Some(i) = self.as_i64() {
            serde_json::Value::Number(i.into())
        } else {
            serde_json::Number::from_f64(self.0)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null)
        }
    }
    pub fn total_cmp(&self, other: &Number) -> Ordering {
        self.0.total_cmp(&other.0)
    }
    pub fn add(&self, o: &Number) -> Number {
        Number(self.0 + o.0)
    }
    pub fn sub(&self, o: &Number) -> Number {
        Number(self.0 - o.0)
    }
    pub fn mul(&self, o: &Number) -> Number {
        Number(self.0 * o.0)
    }
    /// Division; `None` when dividing by zero.
    pub fn div(&self, o: &Number) -> Option<Number> {
        if o.0 == 0.0 {
            None
        } else {
            Some(Number(self.0 / o.0))
        }
    }
    /// Truncated remainder (sign of the dividend), as Terraform's `%`. Like Terraform, a zero
    /// divisor yields the dividend itself. Never `None` today; kept optional for callers.
    pub fn rem(&self, o: &Number) -> Option<Number> {
        if o.0 == 0.0 {
            Some(self.clone())
        } else {
            Some(Number(self.0 % o.0))
        }
    }
    pub fn neg(&self) -> Number {
        Number(-self.0)
    }
    pub fn abs(&self) -> Number {
        Number(self.0.abs())
    }
    pub fn floor(&self) -> Number {
        Number(self.0.floor())
    }
    pub fn ceil(&self) -> Number {
        Number(self.0.ceil())
    }
    pub fn is_finite(&self) -> bool {
        self.0.is_finite()
    }
    pub fn is_zero(&self) -> bool {
        self.0 == 0.0
    }
    pub fn is_negative(&self) -> bool {
        self.0 < 0.0
    }
    /// Numeric equality.
    pub fn num_eq(&self, o: &Number) -> bool {
        self.0 == o.0
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number(i as f64)
    }
}
impl From<f64> for Number {
    fn from(f: f64) -> Number {
        Number(f)
    }
}

/// Terraform's rendering: whole numbers without a fraction, others in shortest form.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(i) = self.as_i64() {
            write!(f, "{i}")
        } else {
            write!(f, "{}", self.0)
        }
    }
}
