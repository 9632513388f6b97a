//! `Number`: the language's number, modelled on cty's `*big.Float`.
//!
//! Terraform (cty) keeps numbers as Go `big.Float`s: literals and strings are parsed at 512 bits
//! of mantissa, arithmetic rounds to the larger precision of its operands (to nearest, ties to
//! even), results of float functions such as `pow` carry 53 bits, and numbers are rendered with
//! `Text('f', -1)`: the shortest decimal that reads back as the same value at its precision.
//!
//! Representation: small integers are an `i64` (the fast path, treated as 512-bit values when
//! combined with others); everything else is a binary float `mant * 2^exp` with its precision,
//! or an infinity. Values are kept canonical (an integer that fits is always `Int`), so that
//! equality and rendering do not depend on how a value was computed.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};

/// Precision of parsed numbers and of arithmetic on them, as in cty.
const PREC: u32 = 512;
/// Precision of numbers that come from a Go `float64`.
const F64_PREC: u32 = 53;
/// Parsed decimal exponents beyond this are treated as overflow/underflow (Go's big.Float has a
/// 32-bit binary exponent; these bounds are far inside it and keep parsing cheap).
const MAX_DEC_EXP: i64 = 100_000;

/// A number of the Terraform language.
#[derive(Clone)]
pub struct Number(Repr);

#[derive(Clone)]
enum Repr {
    Int(i64),
    Big(Box<Big>),
}

/// `(-1)^neg * mant * 2^exp` with `mant` odd (or zero, then `exp == 0`) and at most `prec`
/// bits; or an infinity when `inf`.
#[derive(Clone, Debug)]
struct Big {
    neg: bool,
    inf: bool,
    mant: BigUint,
    exp: i64,
    prec: u32,
}

impl Big {
    fn zero(neg: bool, prec: u32) -> Big {
        Big { neg, inf: false, mant: BigUint::zero(), exp: 0, prec }
    }
    fn inf(neg: bool) -> Big {
        Big { neg, inf: true, mant: BigUint::zero(), exp: 0, prec: PREC }
    }
    fn is_zero(&self) -> bool {
        !self.inf && self.mant.is_zero()
    }
    fn from_i64(i: i64) -> Big {
        round(i < 0, BigUint::from(i.unsigned_abs()), 0, PREC, false)
    }
    /// Binary exponent of the value's top bit plus one (`value < 2^top`).
    fn top(&self) -> i64 {
        self.exp + self.mant.bits() as i64
    }
}

/// Rounds `(-1)^neg * mant * 2^exp` (plus a nonzero amount below its last bit when `sticky`)
/// to `prec` bits, to nearest with ties to even, and normalizes.
fn round(neg: bool, mut mant: BigUint, mut exp: i64, prec: u32, sticky: bool) -> Big {
    let bits = mant.bits();
    if bits > prec as u64 {
        let shift = bits - prec as u64;
        let half = mant.bit(shift - 1);
        let rest = sticky || mant.trailing_zeros().is_some_and(|tz| tz < shift - 1);
        mant >>= shift;
        exp += shift as i64;
        if half && (rest || mant.bit(0)) {
            mant += 1u32;
        }
    }
    match mant.trailing_zeros() {
        None => Big::zero(neg, prec),
        Some(tz) => {
            mant >>= tz;
            Big { neg, inf: false, mant, exp: exp + tz as i64, prec }
        }
    }
}

fn canon(b: Big) -> Number {
    if !b.inf && !(b.neg && b.mant.is_zero()) && b.exp >= 0 {
        let bits = b.mant.bits() + b.exp as u64;
        // An integer at 53 bits above 2^54 renders in shortest form ("1152921504606847000"),
        // so it stays a float; below that its exact digits are its shortest form.
        if bits <= 63 && (b.prec >= 64 || bits <= 54) {
            let m = (b.mant.to_u64().unwrap_or(0) << b.exp) as i64;
            return Number(Repr::Int(if b.neg { -m } else { m }));
        }
    }
    Number(Repr::Big(Box::new(b)))
}

/// Compares magnitudes of two finite values.
fn cmp_mag(a: &Big, b: &Big) -> Ordering {
    match (a.mant.is_zero(), b.mant.is_zero()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    match a.top().cmp(&b.top()) {
        Ordering::Equal => {}
        o => return o,
    }
    let e = a.exp.min(b.exp);
    (&a.mant << (a.exp - e) as usize).cmp(&(&b.mant << (b.exp - e) as usize))
}

fn add_big(a: &Big, b: &Big, negate_b: bool) -> Big {
    let bneg = b.neg ^ negate_b;
    let prec = a.prec.max(b.prec);
    if a.inf || b.inf {
        return match (a.inf, b.inf) {
            (true, true) if a.neg != bneg => Big::zero(false, prec), // Inf - Inf: Go panics; be lenient
            (true, _) => Big::inf(a.neg),
            _ => Big::inf(bneg),
        };
    }
    if b.mant.is_zero() {
        if a.mant.is_zero() {
            return Big::zero(a.neg && bneg, prec);
        }
        return round(a.neg, a.mant.clone(), a.exp, prec, false);
    }
    if a.mant.is_zero() {
        return round(bneg, b.mant.clone(), b.exp, prec, false);
    }
    // Order by magnitude: x is the larger.
    let (x, xneg, y, yneg) = if cmp_mag(a, b) == Ordering::Less { (b, bneg, a, a.neg) } else { (a, a.neg, b, bneg) };
    // A far smaller y only matters as a sticky bit: replace it by a tiny stand-in.
    let floor = x.top() - prec as i64 - 4;
    let (ym, ye) = if y.top() < floor { (BigUint::one(), floor - 1) } else { (y.mant.clone(), y.exp) };
    let e = x.exp.min(ye);
    let xm = &x.mant << (x.exp - e) as usize;
    let ym = ym << (ye - e) as usize;
    if xneg == yneg {
        round(xneg, xm + ym, e, prec, false)
    } else if xm == ym {
        Big::zero(false, prec)
    } else {
        round(xneg, xm - ym, e, prec, false)
    }
}

fn mul_big(a: &Big, b: &Big) -> Big {
    let neg = a.neg ^ b.neg;
    let prec = a.prec.max(b.prec);
    if a.inf || b.inf {
        return if a.is_zero() || b.is_zero() { Big::zero(neg, prec) } else { Big::inf(neg) };
    }
    round(neg, &a.mant * &b.mant, a.exp + b.exp, prec, false)
}

/// `a / b` for a nonzero `b`.
fn div_big(a: &Big, b: &Big) -> Big {
    let neg = a.neg ^ b.neg;
    let prec = a.prec.max(b.prec);
    if a.inf {
        return if b.inf { Big::zero(neg, prec) } else { Big::inf(neg) };
    }
    if b.inf || a.mant.is_zero() {
        return Big::zero(neg, prec);
    }
    let shift = (prec as i64 + 2 + b.mant.bits() as i64 - a.mant.bits() as i64).max(0);
    let num = &a.mant << shift as usize;
    let q = &num / &b.mant;
    let sticky = !(num % &b.mant).is_zero();
    round(neg, q, a.exp - b.exp - shift, prec, sticky)
}

/// Exact integer part (toward zero) and whether a fraction was dropped.
fn trunc_big(a: &Big) -> (Big, bool) {
    if a.inf || a.exp >= 0 {
        return (a.clone(), false);
    }
    let sh = (-a.exp) as u64;
    let frac = a.mant.trailing_zeros().is_some_and(|tz| tz < sh);
    let m = &a.mant >> sh as usize;
    (round(a.neg, m, 0, a.prec, false), frac)
}

/// A decimal `0.mant × 10^exp` with ASCII digits and no trailing zeros, as Go's `decimal`.
#[derive(Clone, Debug)]
struct Decimal {
    mant: Vec<u8>,
    exp: i64,
}

impl Decimal {
    /// The exact decimal of `m * 2^shift`.
    fn new(m: &BigUint, shift: i64) -> Decimal {
        if m.is_zero() {
            return Decimal { mant: Vec::new(), exp: 0 };
        }
        let (digits, point) = if shift >= 0 {
            let s = (m << shift as usize).to_string();
            let n = s.len() as i64;
            (s, n)
        } else {
            let k = (-shift) as u32;
            let s = (m * BigUint::from(5u32).pow(k)).to_string();
            let n = s.len() as i64;
            (s, n - k as i64)
        };
        let mut d = Decimal { mant: digits.into_bytes(), exp: point };
        d.trim();
        d
    }
    fn trim(&mut self) {
        while self.mant.last() == Some(&b'0') {
            self.mant.pop();
        }
        if self.mant.is_empty() {
            self.exp = 0;
        }
    }
    fn at(&self, i: i64) -> u8 {
        if i >= 0 && (i as usize) < self.mant.len() {
            self.mant[i as usize]
        } else {
            b'0'
        }
    }
    fn should_round_up(&self, n: usize) -> bool {
        if self.mant[n] == b'5' && n + 1 == self.mant.len() {
            return n > 0 && (self.mant[n - 1] - b'0') & 1 != 0;
        }
        self.mant[n] >= b'5'
    }
    fn round(&mut self, n: i64) {
        if n < 0 || n as usize >= self.mant.len() {
            return;
        }
        if self.should_round_up(n as usize) {
            self.round_up(n)
        } else {
            self.round_down(n)
        }
    }
    fn round_up(&mut self, n: i64) {
        if n < 0 || n as usize >= self.mant.len() {
            return;
        }
        let mut n = n as usize;
        while n > 0 && self.mant[n - 1] >= b'9' {
            n -= 1;
        }
        if n == 0 {
            self.mant.truncate(1);
            self.mant[0] = b'1';
            self.exp += 1;
            return;
        }
        self.mant[n - 1] += 1;
        self.mant.truncate(n);
    }
    fn round_down(&mut self, n: i64) {
        if n < 0 || n as usize >= self.mant.len() {
            return;
        }
        self.mant.truncate(n as usize);
        self.trim();
    }
}

/// Go's `roundShortest`: the fewest digits that still read back as `x` at its precision.
fn round_shortest(d: &mut Decimal, x: &Big) {
    if d.mant.is_empty() {
        return;
    }
    let mut mant = x.mant.clone();
    let mut exp = x.exp;
    let s = mant.bits() as i64 - (x.prec as i64 + 1);
    if s < 0 {
        mant <<= (-s) as usize;
    } else if s > 0 {
        mant >>= s as usize;
    }
    exp += s;
    let lower = Decimal::new(&(&mant - 1u32), exp);
    let upper = Decimal::new(&(&mant + 1u32), exp);
    let inclusive = !mant.bit(1);
    for i in 0..d.mant.len() {
        let m = d.mant[i];
        let l = lower.at(i as i64);
        let u = upper.at(i as i64);
        let okdown = l != m || inclusive && i + 1 == lower.mant.len();
        let okup = m != u && (inclusive || m + 1 < u || i + 1 < upper.mant.len());
        let n = i as i64 + 1;
        match (okdown, okup) {
            (true, true) => return d.round(n),
            (true, false) => return d.round_down(n),
            (false, true) => return d.round_up(n),
            _ => {}
        }
    }
}

fn fmt_f(out: &mut String, prec: i64, d: &Decimal) {
    if d.exp > 0 {
        let m = (d.exp as usize).min(d.mant.len());
        out.push_str(std::str::from_utf8(&d.mant[..m]).unwrap_or_default());
        for _ in m as i64..d.exp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 0..prec {
            out.push(d.at(d.exp + i) as char);
        }
    }
}

fn fmt_e(out: &mut String, upper: bool, prec: i64, d: &Decimal) {
    out.push(d.mant.first().copied().unwrap_or(b'0') as char);
    if prec > 0 {
        out.push('.');
        let m = d.mant.len().min(prec as usize + 1);
        let mut i = 1;
        if i < m {
            out.push_str(std::str::from_utf8(&d.mant[i..m]).unwrap_or_default());
            i = m;
        }
        while i as i64 <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push(if upper { 'E' } else { 'e' });
    let exp = if d.mant.is_empty() { 0 } else { d.exp - 1 };
    out.push(if exp < 0 { '-' } else { '+' });
    if exp.abs() < 10 {
        out.push('0');
    }
    out.push_str(&exp.abs().to_string());
}

impl Number {
    /// A number from a Go-style `float64` (53 bits of precision). NaN becomes zero.
    pub fn from_f64(f: f64) -> Number {
        if f.is_nan() {
            return Number(Repr::Int(0));
        }
        if f.is_infinite() {
            return Number(Repr::Big(Box::new(Big::inf(f < 0.0))));
        }
        if f.fract() == 0.0 && f.abs() < 9.0e15 && f != 0.0 || f == 0.0 && f.is_sign_positive() {
            return Number(Repr::Int(f as i64));
        }
        let bits = f.to_bits();
        let neg = bits >> 63 != 0;
        let e = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (m, exp) = if e == 0 { (frac, -1074) } else { (frac | (1u64 << 52), e - 1075) };
        canon(round(neg, BigUint::from(m), exp, F64_PREC, false))
    }
    /// The nearest `f64` (infinite when out of range).
    pub fn as_f64(&self) -> f64 {
        match &self.0 {
            Repr::Int(i) => *i as f64,
            Repr::Big(b) => {
                let sign = if b.neg { -1.0 } else { 1.0 };
                if b.inf {
                    return sign * f64::INFINITY;
                }
                if b.mant.is_zero() {
                    return sign * 0.0;
                }
                if b.top() > 1025 {
                    return sign * f64::INFINITY;
                }
                // Below the normal range, round at the subnormal quantum instead of 53 bits.
                let prec = if b.top() < -1021 { (b.top() + 1074).max(0) as u32 } else { F64_PREC };
                if prec == 0 {
                    let half = b.top() == -1074 && b.mant.bits() > 1;
                    return sign * if half { f64::from_bits(1) } else { 0.0 };
                }
                let r = round(false, b.mant.clone(), b.exp, prec, false);
                let m = r.mant.to_u64().unwrap_or(0) as f64;
                sign * ldexp(m, r.exp)
            }
        }
    }
    /// The number as an integer when it is whole and in range.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Int(i) => Some(*i),
            Repr::Big(b) if b.mant.is_zero() && !b.inf => Some(0),
            Repr::Big(b) if !b.inf && b.exp >= 0 && b.top() <= 63 => {
                let m = (b.mant.to_u64()? << b.exp) as i64;
                Some(if b.neg { -m } else { m })
            }
            Repr::Big(b) if !b.inf && b.neg && b.exp == 63 && b.mant.is_one() => Some(i64::MIN),
            _ => None,
        }
    }
    pub fn is_integer(&self) -> bool {
        match &self.0 {
            Repr::Int(_) => true,
            Repr::Big(b) => !b.inf && (b.exp >= 0 || b.mant.is_zero()),
        }
    }
    fn big(&self) -> std::borrow::Cow<'_, Big> {
        match &self.0 {
            Repr::Int(i) => std::borrow::Cow::Owned(Big::from_i64(*i)),
            Repr::Big(b) => std::borrow::Cow::Borrowed(b),
        }
    }
    /// Parses Terraform number syntax (decimal, optional fraction and exponent) at 512 bits.
    pub fn parse(s: &str) -> Option<Number> {
        let t = s.trim();
        let (neg, body) = match t.as_bytes().first()? {
            b'-' => (true, &t[1..]),
            b'+' => (false, &t[1..]),
            _ => (false, t),
        };
        if body == "Inf" || body == "inf" {
            return Some(Number(Repr::Big(Box::new(Big::inf(neg)))));
        }
        let b = body.as_bytes();
        let mut i = 0;
        let mut digits = String::new();
        let mut frac_digits: i64 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            digits.push(b[i] as char);
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                digits.push(b[i] as char);
                frac_digits += 1;
                i += 1;
            }
        }
        if digits.is_empty() {
            return None;
        }
        let mut exp10: i64 = 0;
        let mut exp2: i64 = 0;
        if i < b.len() && matches!(b[i], b'e' | b'E' | b'p' | b'P') {
            let binary = matches!(b[i], b'p' | b'P');
            i += 1;
            let eneg = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let es = i;
            let mut e: i64 = 0;
            while i < b.len() && b[i].is_ascii_digit() {
                e = e.saturating_mul(10).saturating_add((b[i] - b'0') as i64);
                i += 1;
            }
            if i == es {
                return None;
            }
            let e = if eneg { -e } else { e };
            if binary {
                exp2 = e;
            } else {
                exp10 = e;
            }
        }
        if i != b.len() {
            return None;
        }
        let d: BigUint = digits.parse().ok()?;
        if d.is_zero() {
            return Some(if neg { Number(Repr::Big(Box::new(Big::zero(true, PREC)))) } else { Number(Repr::Int(0)) });
        }
        let e10 = exp10.saturating_sub(frac_digits);
        let magnitude = e10.saturating_add(digits.len() as i64) + exp2 / 3;
        if magnitude > MAX_DEC_EXP || exp2.abs() > MAX_DEC_EXP * 4 {
            return None;
        }
        if magnitude < -MAX_DEC_EXP {
            return Some(canon(Big::zero(neg, PREC)));
        }
        let b = if e10 >= 0 {
            round(neg, d * BigUint::from(10u32).pow(e10 as u32), exp2, PREC, false)
        } else {
            let den = Big { neg: false, inf: false, mant: BigUint::from(5u32).pow((-e10) as u32), exp: 0, prec: PREC };
            let num = Big { neg, inf: false, mant: d, exp: e10 + exp2, prec: PREC };
            // d * 10^e10 = d * 2^e10 / 5^-e10: divide once, correctly rounded.
            div_big(&num, &den)
        };
        Some(canon(b))
    }
    /// Parses the syntax cty accepts when converting a string to a number (Go's
    /// `big.ParseFloat` in base 10): optional sign, digits with an optional fraction, optional
    /// exponent, or `Inf`; nothing else.
    pub fn parse_strict(s: &str) -> Option<Number> {
        if s.trim() != s {
            return None;
        }
        Number::parse(s)
    }
    pub fn from_json(n: &serde_json::Number) -> Result<Number, String> {
        Number::parse(&n.to_string()).ok_or_else(|| format!("number {n} out of range"))
    }
    /// The number as Terraform writes it on the wire (state, `output -json`): cty's msgpack
    /// keeps an integer as an integer and a value that a `float64` holds exactly as that
    /// `float64`, and only other values at full precision.
    pub fn to_json(&self) -> serde_json::Value {
        if let Some(i) = self.as_i64() {
            return serde_json::Value::Number(i.into());
        }
        if !self.is_finite() {
            return serde_json::Value::Null;
        }
        let f = self.as_f64();
        let text = if f.is_finite() && Number::from_f64(f).num_eq(self) {
            Number::from_f64(f).to_string()
        } else {
            self.to_string()
        };
        text.parse::<serde_json::Number>().map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
    }
    /// The number in JSON with all its digits, as `jsonencode` writes it.
    pub fn to_json_exact(&self) -> serde_json::Value {
        self.to_string().parse::<serde_json::Number>().map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
    }
    pub fn total_cmp(&self, other: &Number) -> Ordering {
        if let (Repr::Int(a), Repr::Int(b)) = (&self.0, &other.0) {
            return a.cmp(b);
        }
        let (a, b) = (self.big(), other.big());
        let sign = |x: &Big| if x.is_zero() { 0 } else if x.neg { -1 } else { 1 };
        match sign(&a).cmp(&sign(&b)) {
            Ordering::Equal => {}
            o => return o,
        }
        let mag = match (a.inf, b.inf) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => cmp_mag(&a, &b),
        };
        if sign(&a) < 0 {
            mag.reverse()
        } else {
            mag
        }
    }
    pub fn add(&self, o: &Number) -> Number {
        if let (Repr::Int(a), Repr::Int(b)) = (&self.0, &o.0) {
            if let Some(r) = a.checked_add(*b) {
                return Number(Repr::Int(r));
            }
        }
        canon(add_big(&self.big(), &o.big(), false))
    }
    pub fn sub(&self, o: &Number) -> Number {
        if let (Repr::Int(a), Repr::Int(b)) = (&self.0, &o.0) {
            if let Some(r) = a.checked_sub(*b) {
                return Number(Repr::Int(r));
            }
        }
        canon(add_big(&self.big(), &o.big(), true))
    }
    pub fn mul(&self, o: &Number) -> Number {
        if let (Repr::Int(a), Repr::Int(b)) = (&self.0, &o.0) {
            if let Some(r) = a.checked_mul(*b) {
                if r != 0 || (*a < 0) == (*b < 0) {
                    return Number(Repr::Int(r));
                }
            }
        }
        canon(mul_big(&self.big(), &o.big()))
    }
    /// Division; `None` when dividing by zero.
    pub fn div(&self, o: &Number) -> Option<Number> {
        if o.is_zero() {
            return None;
        }
        if let (Repr::Int(a), Repr::Int(b)) = (&self.0, &o.0) {
            if let (Some(0), Some(q)) = (a.checked_rem(*b), a.checked_div(*b)) {
                if q != 0 || (*a >= 0) == (*b > 0) {
                    return Some(Number(Repr::Int(q)));
                }
            }
        }
        Some(canon(div_big(&self.big(), &o.big())))
    }
    /// Truncated remainder (sign of the dividend), as Terraform's `%`. Like Terraform, a zero
    /// divisor yields the dividend itself. Never `None` today; kept optional for callers.
    pub fn rem(&self, o: &Number) -> Option<Number> {
        if o.is_zero() {
            return Some(self.clone());
        }
        if let (Repr::Int(a), Repr::Int(b)) = (&self.0, &o.0) {
            if let Some(r) = a.checked_rem(*b) {
                return Some(Number(Repr::Int(r)));
            }
        }
        let (a, b) = (self.big(), o.big());
        if a.inf {
            return Some(self.clone());
        }
        if b.inf {
            return Some(self.clone());
        }
        let prec = a.prec.max(b.prec);
        let e = a.exp.min(b.exp);
        let am = &a.mant << (a.exp - e) as usize;
        let bm = &b.mant << (b.exp - e) as usize;
        let r = am % bm;
        // A zero remainder is +0, whatever the dividend's sign.
        let neg = a.neg && !r.is_zero();
        Some(canon(round(neg, r, e, prec, false)))
    }
    pub fn neg(&self) -> Number {
        match &self.0 {
            Repr::Int(i) if *i != 0 && *i != i64::MIN => Number(Repr::Int(-i)),
            _ => {
                let mut b = self.big().into_owned();
                b.neg = !b.neg;
                canon(b)
            }
        }
    }
    pub fn abs(&self) -> Number {
        if self.is_negative() || self.is_neg_zero() {
            self.neg()
        } else {
            self.clone()
        }
    }
    fn is_neg_zero(&self) -> bool {
        matches!(&self.0, Repr::Big(b) if b.neg && b.is_zero())
    }
    pub fn floor(&self) -> Number {
        self.to_int(true)
    }
    pub fn ceil(&self) -> Number {
        self.to_int(false)
    }
    fn to_int(&self, floor: bool) -> Number {
        if let Repr::Int(_) = self.0 {
            return self.clone();
        }
        let b = self.big();
        let (mut t, frac) = trunc_big(&b);
        if t.is_zero() {
            t.neg = false;
        }
        if frac && (b.neg == floor) {
            let one = Big::from_i64(if floor { -1 } else { 1 });
            return canon(add_big(&t, &one, false));
        }
        canon(t)
    }
    pub fn is_finite(&self) -> bool {
        match &self.0 {
            Repr::Int(_) => true,
            Repr::Big(b) => !b.inf,
        }
    }
    pub fn is_zero(&self) -> bool {
        match &self.0 {
            Repr::Int(i) => *i == 0,
            Repr::Big(b) => b.is_zero(),
        }
    }
    /// Whether the number is below zero (negative zero is not).
    pub fn is_negative(&self) -> bool {
        match &self.0 {
            Repr::Int(i) => *i < 0,
            Repr::Big(b) => b.neg && !b.is_zero(),
        }
    }
    /// Whether the sign bit is set (true for negative zero), as Go's `Signbit`.
    pub fn sign_bit(&self) -> bool {
        match &self.0 {
            Repr::Int(i) => *i < 0,
            Repr::Big(b) => b.neg,
        }
    }
    /// Numeric equality as cty defines it: two numbers are equal when they render the same
    /// (`Text('f', -1)`, with `-0` equal to `0`), so a 53-bit `0.1` equals a 512-bit `0.1`.
    pub fn num_eq(&self, o: &Number) -> bool {
        if let (Repr::Int(a), Repr::Int(b)) = (&self.0, &o.0) {
            return a == b;
        }
        if self.total_cmp(o) == Ordering::Equal {
            return true;
        }
        if !self.is_finite() || !o.is_finite() || self.is_integer() && o.is_integer() && self.prec() == o.prec() {
            return false;
        }
        let (a, b) = (self.to_string(), o.to_string());
        a.trim_start_matches('-') == b.trim_start_matches('-') && (a.starts_with('-') == b.starts_with('-') || a == "-0" || b == "-0")
    }
    fn prec(&self) -> u32 {
        match &self.0 {
            Repr::Int(_) => PREC,
            Repr::Big(b) => b.prec,
        }
    }
    /// The number as an integer of any size, when it is whole and finite.
    pub fn to_big_int(&self) -> Option<(bool, BigUint)> {
        match &self.0 {
            Repr::Int(i) => Some((*i < 0, BigUint::from(i.unsigned_abs()))),
            Repr::Big(b) if !b.inf && b.exp >= 0 => Some((b.neg, &b.mant << b.exp as usize)),
            Repr::Big(b) if b.is_zero() => Some((b.neg, BigUint::zero())),
            _ => None,
        }
    }
    /// Go's `big.Float.Text(verb, prec)` of the magnitude for `verb` in `e`, `E`, `f`, `g`, `G`;
    /// `prec` `None` is the shortest form (`-1`).
    pub fn format_go(&self, verb: char, prec: Option<usize>) -> String {
        let b = self.big();
        if b.inf {
            return "Inf".into();
        }
        let mut d = Decimal::new(&b.mant, b.exp);
        let mut shortest = false;
        let mut prec: i64 = match prec {
            None => {
                shortest = true;
                round_shortest(&mut d, &b);
                match verb {
                    'e' | 'E' => d.mant.len() as i64 - 1,
                    'f' => (d.mant.len() as i64 - d.exp).max(0),
                    _ => d.mant.len() as i64,
                }
            }
            Some(p) => {
                let p = p as i64;
                match verb {
                    'e' | 'E' => d.round(1 + p),
                    'f' => d.round(d.exp + p),
                    _ => d.round(p.max(1)),
                }
                if matches!(verb, 'g' | 'G') {
                    p.max(1)
                } else {
                    p
                }
            }
        };
        let mut out = String::new();
        match verb {
            'e' | 'E' => fmt_e(&mut out, verb == 'E', prec, &d),
            'f' => fmt_f(&mut out, prec, &d),
            _ => {
                let mut eprec = prec;
                if eprec > d.mant.len() as i64 && d.mant.len() as i64 >= d.exp {
                    eprec = d.mant.len() as i64;
                }
                if shortest {
                    eprec = 6;
                }
                let exp = d.exp - 1;
                if exp < -4 || exp >= eprec {
                    if prec > d.mant.len() as i64 {
                        prec = d.mant.len() as i64;
                    }
                    fmt_e(&mut out, verb == 'G', prec - 1, &d);
                } else {
                    if prec > d.exp {
                        prec = d.mant.len() as i64;
                    }
                    fmt_f(&mut out, (prec - d.exp).max(0), &d);
                }
            }
        }
        out
    }
}

fn ldexp(mut m: f64, mut e: i64) -> f64 {
    while e > 1000 {
        m *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        m *= 2f64.powi(-1000);
        e += 1000;
    }
    m * 2f64.powi(e as i32)
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number(Repr::Int(i))
    }
}
impl From<f64> for Number {
    fn from(f: f64) -> Number {
        Number::from_f64(f)
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.num_eq(other)
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.total_cmp(other))
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

/// Terraform's rendering, Go's `Text('f', -1)`: the shortest decimal that reads back as the same
/// number at its precision, never with an exponent; infinities as `+Inf` and `-Inf`.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Int(i) => write!(f, "{i}"),
            Repr::Big(b) if b.inf => f.write_str(if b.neg { "-Inf" } else { "+Inf" }),
            Repr::Big(b) => {
                if b.neg {
                    f.write_str("-")?;
                }
                f.write_str(&self.format_go('f', None))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn renders_like_terraform() {
        let third = n("1").div(&n("3")).unwrap();
        assert_eq!(
            third.to_string(),
            "0.33333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333335"
        );
        assert_eq!(n("0.1").add(&n("0.2")).to_string(), "0.3");
        assert_eq!(n("9007199254740993").to_string(), "9007199254740993");
        assert_eq!(n("100000000000000000000000.5").to_string(), "100000000000000000000000.5");
        assert_eq!(n("-1.5e-5").to_string(), "-0.000015");
        assert_eq!(n("0").neg().to_string(), "-0");
        assert_eq!(Number::from_f64(2f64.powi(64)).to_string(), "18446744073709550000");
        assert_eq!(Number::from_f64(2f64.powi(60)).to_string(), "1152921504606847000");
        assert_eq!(Number::from_f64(3f64.ln() / 10f64.ln()).to_string(), (3f64.ln() / 10f64.ln()).to_string());
        assert_eq!(n("1e-400").to_string(), format!("0.{}1", "0".repeat(399)));
        assert_eq!(n("2e400").div(&n("1e400")).unwrap().to_string(), "2");
        assert_eq!(n("Inf").to_string(), "+Inf");
        assert_eq!(n("1p3").to_string(), "8");
    }

    #[test]
    fn arithmetic() {
        assert_eq!(n("10").rem(&n("3.5")).unwrap().to_string(), "3");
        assert_eq!(n("-7").rem(&n("3")).unwrap().to_string(), "-1");
        assert_eq!(n("7.5").rem(&n("-2")).unwrap().to_string(), "1.5");
        assert_eq!(n("1e30").add(&n("0.5")).ceil().to_string(), "1000000000000000000000000000001");
        assert_eq!(n("-1.5").floor().to_string(), "-2");
        assert_eq!(n("-1.5").ceil().to_string(), "-1");
        assert_eq!(n("9223372036854775807").add(&n("1")).to_string(), "9223372036854775808");
        assert_eq!(n("1").div(&n("3")).unwrap().mul(&n("3")).to_string(), "1");
        assert!(n("1").div(&n("3")).unwrap().total_cmp(&n("0.3")).is_gt());
        assert_eq!(n("0.1").as_f64(), 0.1);
        assert_eq!(n("123456789.123456789").as_f64(), 123456789.123456789);
        assert_eq!(Number::from_f64(1.5).as_i64(), None);
        assert_eq!(n("4").as_i64(), Some(4));
        assert_eq!(Number::from_f64(0.1), n("0.1"));
        assert_ne!(Number::from_f64(0.1), n("0.1000000000000000055511151231257827"));
        assert_eq!(n("0").neg(), n("0"));
    }

    #[test]
    fn go_formats() {
        let third = n("1").div(&n("3")).unwrap();
        assert_eq!(third.format_go('f', Some(6)), "0.333333");
        assert_eq!(third.format_go('g', Some(20)), "0.33333333333333333333");
        assert_eq!(n("0.5").format_go('f', Some(0)), "0");
        assert_eq!(n("2.5").format_go('f', Some(3)), "2.500");
        assert_eq!(n("123456789.123456789123").format_go('e', Some(6)), "1.234568e+08");
        assert_eq!(n("1e21").format_go('g', None), "1e+21");
        assert_eq!(n("100000").format_go('g', None), "100000");
        assert_eq!(n("1e-5").format_go('g', None), "1e-05");
        assert_eq!(n("1e30").format_go('e', Some(3)), "1.000e+30");
    }

    #[test]
    fn json_wire_form() {
        assert_eq!(n("9223372036854775808").to_json().to_string(), "9223372036854776000");
        assert_eq!(n("12345678901234567890").to_json().to_string(), "12345678901234567890");
        assert_eq!(n("0").neg().to_json().to_string(), "0");
        assert_eq!(n("1.5").to_json().to_string(), "1.5");
    }
}
