//! Reference extraction: every variable traversal in an expression (for the dependency graph),
//! in source order, excluding names bound by enclosing `for` expressions and directives.

use std::fmt;
use std::ops::Range;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span;

use crate::number::Number;
use crate::value::Value;

/// A reference such as `null_resource.a[0].id`: a root name and the static steps after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Traversal {
    pub root: String,
    pub steps: Vec<TraversalStep>,
    /// Byte range of the traversal in the source.
    pub span: Range<usize>,
}

/// One step after the root name.
#[derive(Clone, Debug, PartialEq)]
pub enum TraversalStep {
    Attr(String),
    /// A literal index or key.
    Index(Value),
    /// A non-literal index, or a splat; the traversal stops being static here.
    Dynamic,
}

impl fmt::Display for Traversal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.root)?;
        for s in &self.steps {
            match s {
                TraversalStep::Attr(a) => write!(f, ".{a}")?,
                TraversalStep::Index(Value::String(k)) => write!(f, "[{k:?}]")?,
                TraversalStep::Index(v) => match v.unmarked() {
                    Value::Number(n) => write!(f, "[{n}]")?,
                    other => write!(f, "[{}]", other.to_json())?,
                },
                TraversalStep::Dynamic => write!(f, "[*]")?,
            }
        }
        Ok(())
    }
}

/// Every variable traversal in the expression, in source order.
pub fn references(expr: &Expression) -> Vec<Traversal> {
    let mut w = Walker { bound: Vec::new(), out: Vec::new() };
    w.expr(expr);
    w.out
}

/// Every variable traversal in a template, in source order.
pub fn template_references(t: &Template) -> Vec<Traversal> {
    let mut w = Walker { bound: Vec::new(), out: Vec::new() };
    w.template(t);
    w.out
}

struct Walker {
    bound: Vec<String>,
    out: Vec<Traversal>,
}

fn literal_index(e: &Expression) -> Option<Value> {
    match e {
        Expression::Number(n) => {
            let txt = n.as_repr().map(|r| r.to_string()).unwrap_or_default();
            Number::parse(&txt).map(Value::Number)
        }
        Expression::String(s) => Some(Value::String(s.value().clone())),
        Expression::StringTemplate(t) => {
            let mut s = String::new();
            for el in t.iter() {
                match el {
                    Element::Literal(l) => s.push_str(l.value()),
                    _ => return None,
                }
            }
            Some(Value::String(s))
        }
        _ => None,
    }
}

impl Walker {
    fn push_var(&mut self, name: &str, span: Option<Range<usize>>, steps: Vec<TraversalStep>) {
        if self.bound.iter().any(|b| b == name) {
            return;
        }
        self.out.push(Traversal { root: name.to_string(), steps, span: span.unwrap_or(0..0) });
    }

    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Variable(id) => self.push_var(id.as_str(), e.span(), vec![]),
            Expression::Traversal(t) => {
                if let Expression::Variable(id) = &t.expr {
                    let mut steps = Vec::new();
                    let mut dynamic = false;
                    for op in t.operators.iter() {
                        if dynamic {
                            break;
                        }
                        match op.value() {
                            TraversalOperator::GetAttr(a) => steps.push(TraversalStep::Attr(a.as_str().to_string())),
                            TraversalOperator::LegacyIndex(n) => {
                                steps.push(TraversalStep::Index(Value::Number(Number::from(*n.value() as i64))))
                            }
                            TraversalOperator::Index(ix) => match literal_index(ix) {
                                Some(v) => steps.push(TraversalStep::Index(v)),
                                None => {
                                    steps.push(TraversalStep::Dynamic);
                                    dynamic = true;
                                }
                            },
                            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                                steps.push(TraversalStep::Dynamic);
                                dynamic = true;
                            }
                        }
                    }
                    self.push_var(id.as_str(), e.span(), steps);
                } else {
                    self.expr(&t.expr);
                }
                for op in t.operators.iter() {
                    if let TraversalOperator::Index(ix) = op.value() {
                        self.expr(ix);
                    }
                }
            }
            Expression::Null(_) | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {}
            Expression::Array(a) => a.iter().for_each(|x| self.expr(x)),
            Expression::Object(o) => {
                for (k, v) in o.iter() {
                    if let ObjectKey::Expression(kx) = k {
                        if !matches!(kx, Expression::Variable(_)) {
                            self.expr(kx);
                        }
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => {
                for el in t.iter() {
                    self.element(el);
                }
            }
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(f) => f.args.iter().for_each(|x| self.expr(x)),
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let n = self.bound.len();
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.as_str().to_string());
                }
                self.bound.push(f.intro.value_var.as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(n);
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for el in t.iter() {
            self.element(el);
        }
    }

    fn element(&mut self, el: &Element) {
        match el {
            Element::Literal(_) => {}
            Element::Interpolation(i) => self.expr(&i.expr),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(i) => {
                    self.expr(&i.if_expr.cond_expr);
                    self.template(&i.if_expr.template);
                    if let Some(e) = &i.else_expr {
                        self.template(&e.template);
                    }
                }
                Directive::For(f) => {
                    self.expr(&f.for_expr.collection_expr);
                    let n = self.bound.len();
                    if let Some(k) = &f.for_expr.key_var {
                        self.bound.push(k.as_str().to_string());
                    }
                    self.bound.push(f.for_expr.value_var.as_str().to_string());
                    self.template(&f.for_expr.template);
                    self.bound.truncate(n);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        let e = hcl_edit::parser::parse_expr(src).expect("parse");
        references(&e).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn finds_references_in_order() {
        assert_eq!(refs("null_resource.a[0].id"), vec!["null_resource.a[0].id"]);
        assert_eq!(refs("\"${var.x}-${local.y}\""), vec!["var.x", "local.y"]);
        assert_eq!(refs("[for k, v in var.m : v if k != local.z]"), vec!["var.m", "local.z"]);
        assert_eq!(refs("aws.b[var.i].c"), vec!["aws.b[*]", "var.i"]);
        assert_eq!(refs("f(a.b, x ? y.z : 1)"), vec!["a.b", "x", "y.z"]);
    }
}
