//! `random_string` and `random_password`: schemas, plan-time defaults and validation, the
//! character-class generator that honours `min_*` counts, and import by result.

use infra_lang::{Type, Value};

use super::rng::{below, shuffle, Secure};
use crate::builtin::common::{
    attr, bool_arg, fill_defaults, generating, int_arg, known, num, object_of, plan_with_keepers, req_int_arg,
    str_arg, string_map, with_attrs, ArgError, MAX_GENERATED,
};
use crate::provider::{PlannedState, ProviderError};
use crate::schema::{Attribute, Schema};

/// The special characters used when `override_special` is unset or empty.
pub const DEFAULT_SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";
const NUMERIC: &str = "0123456789";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// bcrypt cost of `bcrypt_hash`: Go's `bcrypt.DefaultCost`, as the real provider uses.
const BCRYPT_COST: u32 = 10;

const BOOL_CLASSES: [&str; 5] = ["special", "upper", "lower", "numeric", "number"];
const MIN_COUNTS: [&str; 4] = ["min_lower", "min_upper", "min_numeric", "min_special"];

/// Schema of `random_string` (version 2) or, with `password`, `random_password` (version 3).
pub fn schema(password: bool) -> Schema {
    let result = Attribute::computed(Type::String).describe("The generated random string.");
    let mut s = Schema::new(if password { 3 } else { 2 })
        .attr("id", Attribute::computed(Type::String).describe(if password {
            "A static value used internally by Terraform, this should not be referenced in configurations."
        } else {
            "The generated random string."
        }))
        .attr(
            "keepers",
            Attribute::optional(string_map())
                .force_new()
                .describe("Arbitrary map of values that, when changed, will trigger recreation of resource."),
        )
        .attr(
            "length",
            Attribute::required(Type::Number).force_new().describe(
                "The length of the string desired. The minimum value for length is 1 and, length must also be >= (`min_upper` + `min_lower` + `min_numeric` + `min_special`).",
            ),
        )
        .attr(
            "override_special",
            Attribute::optional(Type::String)
                .force_new()
                .describe("Supply your own list of special characters to use for string generation."),
        )
        .attr("result", if password { result.sensitive() } else { result });
    for (name, d) in [
        ("special", "Include special characters in the result. These are `!@#$%&*()-_=+[]{}<>:?`. Default value is `true`."),
        ("upper", "Include uppercase alphabet characters in the result. Default value is `true`."),
        ("lower", "Include lowercase alphabet characters in the result. Default value is `true`."),
        ("numeric", "Include numeric characters in the result. Default value is `true`."),
        ("number", "Include numeric characters in the result. Default value is `true`. **NOTE**: This is deprecated, use `numeric` instead."),
    ] {
        s = s.attr(name, Attribute::optional_computed(Type::Bool).force_new().describe(d));
    }
    for (name, d) in [
        ("min_lower", "Minimum number of lowercase alphabet characters in the result. Default value is `0`."),
        ("min_upper", "Minimum number of uppercase alphabet characters in the result. Default value is `0`."),
        ("min_numeric", "Minimum number of numeric characters in the result. Default value is `0`."),
        ("min_special", "Minimum number of special characters in the result. Default value is `0`."),
    ] {
        s = s.attr(name, Attribute::optional_computed(Type::Number).force_new().describe(d));
    }
    if password {
        s = s.attr(
            "bcrypt_hash",
            Attribute::computed(Type::String).sensitive().describe("A bcrypt hash of the generated random string."),
        );
    }
    s
}

/// Plans a create or update: fills the defaults (`true` for the character classes, `0` for the
/// `min_*` counts), reconciles `number` with `numeric`, validates what is known, then plans from
/// the schema.
pub(crate) fn plan(schema: &Schema, prior: &Value, proposed: &Value) -> Result<PlannedState, ProviderError> {
    let proposed = reconcile_numeric(prior, proposed)?;
    let mut defaults: Vec<(&str, Value)> = BOOL_CLASSES.iter().map(|n| (*n, Value::Bool(true))).collect();
    defaults.extend(MIN_COUNTS.iter().map(|n| (*n, num(0))));
    let proposed = fill_defaults(&proposed, &defaults);
    let all_known = ["length", "override_special"].iter().chain(&BOOL_CLASSES).chain(&MIN_COUNTS).all(|n| known(&proposed, n));
    if all_known {
        let _ = Params::from_object(&proposed)?;
    }
    Ok(plan_with_keepers(schema, prior, &proposed))
}

/// `number` is the deprecated spelling of `numeric`: when only one is set, both take its value;
/// when both are set to different values it is an error. On update the configuration is not
/// visible (unset arguments arrive holding their prior values), so the one that differs from
/// the prior state is taken as the one just configured.
fn reconcile_numeric(prior: &Value, proposed: &Value) -> Result<Value, ArgError> {
    let number = attr(proposed, "number");
    let numeric = attr(proposed, "numeric");
    if !number.is_known() || !numeric.is_known() || number == numeric {
        return Ok(proposed.clone());
    }
    match (number.is_null(), numeric.is_null()) {
        (true, false) => return Ok(with_attrs(proposed, [("number", numeric)])),
        (false, true) => return Ok(with_attrs(proposed, [("numeric", number)])),
        _ => {}
    }
    let (prior_number, prior_numeric) = (attr(prior, "number"), attr(prior, "numeric"));
    if !prior.is_null() && prior_number == prior_numeric {
        if number != prior_number {
            return Ok(with_attrs(proposed, [("numeric", number)]));
        }
        return Ok(with_attrs(proposed, [("number", numeric)]));
    }
    Err(ArgError::invalid(
        "number",
        "number and numeric are both configured with different values; number is deprecated, use numeric instead",
    ))
}

/// The validated arguments of a string generation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Params {
    pub length: usize,
    pub upper: bool,
    pub lower: bool,
    pub numeric: bool,
    pub special: bool,
    pub min_upper: usize,
    pub min_lower: usize,
    pub min_numeric: usize,
    pub min_special: usize,
    pub override_special: Option<String>,
}

impl Params {
    /// Reads and validates the arguments; unset optional ones take their defaults.
    pub(crate) fn from_object(obj: &Value) -> Result<Params, ArgError> {
        const WHY: &str = "generate the string";
        let length = req_int_arg(obj, "length", WHY)?;
        if length < 1 {
            return Err(ArgError::invalid("length", format!("must be at least 1, got {length}")));
        }
        if length > MAX_GENERATED {
            return Err(ArgError::invalid("length", format!("must be at most {MAX_GENERATED}, got {length}")));
        }
        let flag = |n: &str| -> Result<bool, ArgError> { Ok(bool_arg(obj, n, WHY)?.unwrap_or(true)) };
        let min = |n: &str| -> Result<i64, ArgError> {
            let v = int_arg(obj, n, WHY)?.unwrap_or(0);
            if v < 0 {
                return Err(ArgError::invalid(n, format!("must be at least 0, got {v}")));
            }
            if v > MAX_GENERATED {
                return Err(ArgError::invalid(n, format!("must be at most {MAX_GENERATED}, got {v}")));
            }
            Ok(v)
        };
        let (min_upper, min_lower, min_numeric, min_special) =
            (min("min_upper")?, min("min_lower")?, min("min_numeric")?, min("min_special")?);
        let sum = min_upper + min_lower + min_numeric + min_special;
        if length < sum {
            return Err(ArgError::invalid(
                "length",
                format!(
                    "must be at least the sum of min_upper, min_lower, min_numeric and min_special ({sum}), got {length}"
                ),
            ));
        }
        let numeric = match (bool_arg(obj, "numeric", WHY)?, bool_arg(obj, "number", WHY)?) {
            (Some(a), _) => a,
            (None, Some(b)) => b,
            (None, None) => true,
        };
        let p = Params {
            length: length as usize,
            upper: flag("upper")?,
            lower: flag("lower")?,
            numeric,
            special: flag("special")?,
            min_upper: min_upper as usize,
            min_lower: min_lower as usize,
            min_numeric: min_numeric as usize,
            min_special: min_special as usize,
            override_special: str_arg(obj, "override_special", WHY)?,
        };
        if p.charset().is_empty() {
            return Err(ArgError::invalid(
                "length",
                "the character set specified is empty: enable at least one of upper, lower, numeric or special (with a non-empty override_special)",
            ));
        }
        Ok(p)
    }

    fn specials(&self) -> &str {
        match &self.override_special {
            Some(s) if !s.is_empty() => s,
            _ => DEFAULT_SPECIAL,
        }
    }

    /// The characters of every enabled class (duplicates kept, as the real provider does).
    fn charset(&self) -> Vec<char> {
        let mut chars = String::new();
        for (on, class) in [(self.upper, UPPER), (self.lower, LOWER), (self.numeric, NUMERIC), (self.special, self.specials())] {
            if on {
                chars.push_str(class);
            }
        }
        chars.chars().collect()
    }

    /// Generates the string: `min_*` characters from each class (even a disabled one, like the
    /// real provider), the rest from every enabled class, then shuffled.
    pub(crate) fn generate(&self) -> String {
        let mut rng = Secure::new();
        let mut out: Vec<char> = Vec::with_capacity(self.length);
        let specials: Vec<char> = self.specials().chars().collect();
        let classes: [(Vec<char>, usize); 4] = [
            (NUMERIC.chars().collect(), self.min_numeric),
            (LOWER.chars().collect(), self.min_lower),
            (UPPER.chars().collect(), self.min_upper),
            (specials, self.min_special),
        ];
        let charset = self.charset();
        let mut pick = |from: &[char], n: usize, out: &mut Vec<char>| {
            for _ in 0..n {
                if let Some(c) = from.get(below(&mut rng, from.len() as u64) as usize) {
                    out.push(*c);
                }
            }
        };
        for (class, n) in &classes {
            pick(class, *n, &mut out);
        }
        let rest = self.length.saturating_sub(out.len());
        pick(&charset, rest, &mut out);
        shuffle(&mut Secure::new(), &mut out);
        out.into_iter().collect()
    }
}

/// Applies a create/replace (generating a new result) or an in-place update (keepers only).
pub(crate) fn apply(password: bool, prior: &Value, planned: &Value) -> Result<Value, ProviderError> {
    if !generating(prior, planned, "result") {
        return Ok(planned.clone());
    }
    let params = Params::from_object(planned)?;
    let result = params.generate();
    if password {
        let hash = bcrypt_hash(&result)?;
        Ok(with_attrs(
            planned,
            [("result", Value::string(result)), ("bcrypt_hash", Value::string(hash)), ("id", Value::string("none"))],
        ))
    } else {
        Ok(with_attrs(planned, [("id", Value::string(result.clone())), ("result", Value::string(result))]))
    }
}

fn bcrypt_hash(s: &str) -> Result<String, ProviderError> {
    bcrypt::hash(s, BCRYPT_COST)
        .map_err(|e| ProviderError::new("Failed to compute bcrypt_hash").with_detail(e.to_string()))
}

/// Imports by the result itself: the arguments take their defaults and `length` the result's
/// length in characters.
pub(crate) fn import(schema: &Schema, password: bool, id: &str) -> Result<Value, ProviderError> {
    if id.is_empty() {
        return Err(ProviderError::new("Invalid import ID").with_detail("the import ID is the generated string and cannot be empty"));
    }
    let mut set: Vec<(&'static str, Value)> = vec![
        ("result", Value::string(id)),
        ("length", num(id.chars().count() as i64)),
    ];
    set.extend(BOOL_CLASSES.iter().map(|n| (*n, Value::Bool(true))));
    set.extend(MIN_COUNTS.iter().map(|n| (*n, num(0))));
    if password {
        set.push(("id", Value::string("none")));
        set.push(("bcrypt_hash", Value::string(bcrypt_hash(id)?)));
    } else {
        set.push(("id", Value::string(id)));
    }
    Ok(object_of(schema, set))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(length: usize) -> Params {
        Params {
            length,
            upper: true,
            lower: true,
            numeric: true,
            special: true,
            min_upper: 0,
            min_lower: 0,
            min_numeric: 0,
            min_special: 0,
            override_special: None,
        }
    }

    #[test]
    fn min_counts_of_a_disabled_class_still_apply() {
        let p = Params { upper: false, min_upper: 3, ..params(10) };
        for _ in 0..20 {
            let s = p.generate();
            assert_eq!(s.chars().count(), 10);
            assert!(s.chars().filter(char::is_ascii_uppercase).count() >= 3, "{s}");
        }
    }

    #[test]
    fn empty_override_special_means_default_specials() {
        let p = Params { upper: false, lower: false, numeric: false, override_special: Some(String::new()), ..params(40) };
        let s = p.generate();
        assert!(s.chars().all(|c| DEFAULT_SPECIAL.contains(c)), "{s}");
    }

    #[test]
    fn unicode_override_special_counts_characters() {
        let p = Params { upper: false, lower: false, numeric: false, override_special: Some("é€".into()), ..params(5) };
        let s = p.generate();
        assert_eq!(s.chars().count(), 5);
        assert!(s.chars().all(|c| c == 'é' || c == '€'));
    }
}
