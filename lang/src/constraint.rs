//! Type constraints with optional object attributes: `object({ port = optional(number, 8080) })`.
//! A [`Constraint`] is the plain [`Type`] plus where `optional()` attributes are and their
//! defaults; [`Constraint::apply`] fills missing optional attributes, then converts.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};

use crate::convert::{convert, parse_type_constraint};
use crate::diagnostic::Diagnostic;
use crate::eval::{eval, EvalContext};
use crate::types::Type;
use crate::value::Value;

/// Where optional attributes are, mirroring the type's structure.
#[derive(Clone, Debug, Default)]
enum Shape {
    #[default]
    Plain,
    Object(BTreeMap<String, Attr>),
    /// Elements of a list, set or map.
    Elements(Box<Shape>),
    Tuple(Vec<Shape>),
}

#[derive(Clone, Debug)]
struct Attr {
    ty: Type,
    shape: Shape,
    optional: bool,
    default: Option<Value>,
}

/// A variable's type constraint.
#[derive(Clone, Debug)]
pub struct Constraint {
    pub ty: Type,
    shape: Shape,
}

impl Constraint {
    /// A constraint without optional attributes.
    pub fn plain(ty: Type) -> Constraint {
        Constraint { ty, shape: Shape::Plain }
    }

    /// A constraint in which every object attribute, at any depth, is optional with a null
    /// default: the shape of a provider's nested attributes (`settings = { ... }`,
    /// `rules = [{ ... }]`), where the attributes a configuration leaves out are null.
    pub fn all_optional(ty: Type) -> Constraint {
        let shape = all_optional_shape(&ty);
        Constraint { ty, shape }
    }

    /// Fills in missing optional attributes (with their defaults), then converts to the type.
    pub fn apply(&self, v: Value) -> Result<Value, String> {
        convert(fill(v, &self.shape), &self.ty)
    }
}

/// Parses a type constraint expression, including `optional(T)` and `optional(T, default)`.
pub fn parse_constraint(expr: &Expression) -> Result<Constraint, Diagnostic> {
    let ty = parse_type_constraint(expr)?;
    Ok(Constraint { ty, shape: shape_of(expr)? })
}

fn shape_of(expr: &Expression) -> Result<Shape, Diagnostic> {
    match expr {
        Expression::Parenthesis(p) => shape_of(p.inner()),
        Expression::FuncCall(call) => {
            let args: Vec<&Expression> = call.args.iter().collect();
            match (call.name.name.as_str(), args.as_slice()) {
                ("list" | "set" | "map", [inner]) => Ok(match shape_of(inner)? {
                    Shape::Plain => Shape::Plain,
                    s => Shape::Elements(Box::new(s)),
                }),
                ("optional", [inner, ..]) => shape_of(inner),
                ("tuple", [Expression::Array(items)]) => {
                    let shapes = items.iter().map(shape_of).collect::<Result<Vec<_>, _>>()?;
                    Ok(if shapes.iter().all(|s| matches!(s, Shape::Plain)) { Shape::Plain } else { Shape::Tuple(shapes) })
                }
                ("object", [Expression::Object(obj)]) => {
                    let mut attrs = BTreeMap::new();
                    let mut any_optional = false;
                    for (k, v) in obj.iter() {
                        let key = match k {
                            ObjectKey::Ident(id) => id.as_str().to_string(),
                            ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
                            ObjectKey::Expression(Expression::Variable(id)) => id.as_str().to_string(),
                            _ => continue,
                        };
                        let e = v.expr();
                        let (optional, default) = match e {
                            Expression::FuncCall(c) if c.name.name.as_str() == "optional" => {
                                let args: Vec<&Expression> = c.args.iter().collect();
                                let default = match args.get(1) {
                                    Some(d) => {
                                        let ty = parse_type_constraint(args[0])?;
                                        let v = eval(d, &EvalContext::default()).map_err(|mut ds| ds.remove(0))?;
                                        let inner = Constraint { ty: ty.clone(), shape: shape_of(args[0])? };
                                        Some(inner.apply(v).map_err(|m| {
                                            Diagnostic::error("Invalid default value for optional attribute", format!("The default value is not compatible with the attribute's type: {m}."), hcl_edit::Span::span(*d))
                                        })?)
                                    }
                                    None => None,
                                };
                                (true, default)
                            }
                            _ => (false, None),
                        };
                        any_optional |= optional;
                        let shape = shape_of(e)?;
                        if !matches!(shape, Shape::Plain) {
                            any_optional = true;
                        }
                        attrs.insert(key, Attr { ty: parse_type_constraint(e)?, shape, optional, default });
                    }
                    Ok(if any_optional { Shape::Object(attrs) } else { Shape::Plain })
                }
                _ => Ok(Shape::Plain),
            }
        }
        _ => Ok(Shape::Plain),
    }
}

fn all_optional_shape(ty: &Type) -> Shape {
    match ty {
        Type::Object(attrs) => Shape::Object(
            attrs.iter().map(|(k, t)| (k.clone(), Attr { ty: t.clone(), shape: all_optional_shape(t), optional: true, default: None })).collect(),
        ),
        Type::List(t) | Type::Set(t) | Type::Map(t) => match all_optional_shape(t) {
            Shape::Plain => Shape::Plain,
            s => Shape::Elements(Box::new(s)),
        },
        Type::Tuple(ts) => {
            let shapes: Vec<Shape> = ts.iter().map(all_optional_shape).collect();
            if shapes.iter().all(|s| matches!(s, Shape::Plain)) {
                Shape::Plain
            } else {
                Shape::Tuple(shapes)
            }
        }
        _ => Shape::Plain,
    }
}

fn fill(v: Value, shape: &Shape) -> Value {
    if matches!(shape, Shape::Plain) || v.is_null() || !v.is_known() {
        return v;
    }
    let (inner, marks) = v.unmark();
    let out = match (inner, shape) {
        (Value::Object(mut m) | Value::Map(_, mut m), Shape::Object(attrs)) => {
            for (name, a) in attrs {
                let present = m.get(name).map(|x| !x.is_null()).unwrap_or(false);
                if present {
                    if let Some(x) = m.remove(name) {
                        m.insert(name.clone(), fill(x, &a.shape));
                    }
                } else if a.optional {
                    let d = a.default.clone().unwrap_or_else(|| Value::Null(a.ty.clone()));
                    m.insert(name.clone(), d);
                }
            }
            Value::Object(m)
        }
        (Value::List(_, vs) | Value::Tuple(vs), Shape::Elements(s)) => Value::Tuple(vs.into_iter().map(|x| fill(x, s)).collect()),
        (Value::Set(_, vs), Shape::Elements(s)) => Value::Tuple(vs.into_iter().map(|x| fill(x, s)).collect()),
        (Value::Map(_, m) | Value::Object(m), Shape::Elements(s)) => Value::Object(m.into_iter().map(|(k, x)| (k, fill(x, s))).collect()),
        (Value::Tuple(vs) | Value::List(_, vs), Shape::Tuple(shapes)) => Value::Tuple(vs.into_iter().zip(shapes.iter().chain(std::iter::repeat(&Shape::Plain))).map(|(x, s)| fill(x, s)).collect()),
        (other, _) => other,
    };
    out.mark(marks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint(src: &str) -> Constraint {
        parse_constraint(&hcl_edit::parser::parse_expr(src).unwrap()).unwrap()
    }

    #[test]
    fn all_optional_fills_nested_attributes_with_null() {
        let ty = crate::convert::parse_type_constraint(&hcl_edit::parser::parse_expr("list(object({ action = string, params = object({ ttl = number, mode = string }) }))").unwrap()).unwrap();
        let c = Constraint::all_optional(ty);
        let v = c.apply(Value::Tuple(vec![Value::object([("params", Value::object([("ttl", Value::number(60))]))])])).unwrap();
        let first = v.as_seq().unwrap()[0].clone();
        assert!(first.get_attr("action").unwrap().is_null());
        assert_eq!(first.get_attr("params").unwrap().get_attr("ttl"), Some(Value::number(60)));
        assert!(first.get_attr("params").unwrap().get_attr("mode").unwrap().is_null());
    }

    #[test]
    fn fills_optional_attributes_with_defaults() {
        let c = constraint("object({ name = string, port = optional(number, 8080), tags = optional(list(string)) })");
        let v = c.apply(Value::object([("name", Value::string("web"))])).unwrap();
        assert_eq!(v.get_attr("port"), Some(Value::number(8080)));
        assert_eq!(v.get_attr("tags"), Some(Value::Null(Type::list(Type::String))));
        assert!(c.apply(Value::object([("port", Value::number(1))])).is_err(), "name is still required");
    }

    #[test]
    fn fills_inside_collections() {
        let c = constraint("list(object({ a = string, b = optional(bool, true) }))");
        let v = c.apply(Value::Tuple(vec![Value::object([("a", Value::string("x"))])])).unwrap();
        assert_eq!(v.as_seq().unwrap()[0].get_attr("b"), Some(Value::bool(true)));
    }
}
