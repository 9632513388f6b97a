//! Expression evaluation: turns an hcl-edit `Expression` into a `Value` under an `EvalContext`,
//! following Terraform's semantics for operators, conditionals, templates, `for` expressions,
//! splats, indexing and function calls. Unknown values and marks propagate through every step.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use hcl_edit::expr::{BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::{Decorated, Span};

use crate::collections::make_set;
use crate::convert::{convert, unify};
use crate::diagnostic::Diagnostic;
use crate::functions::{self, FnError};
use crate::number::Number;
use crate::types::Type;
use crate::value::{Marks, Value};

/// What an expression can see: root variables prepared by the engine and the base directory
/// for file functions.
#[derive(Clone, Debug, Default)]
pub struct EvalContext {
    /// Root names (`var`, `local`, `count`, `each`, `path`, resource types, ...) to values.
    pub variables: BTreeMap<String, Value>,
    /// Directory that relative paths in file functions are resolved against.
    pub base_dir: PathBuf,
}

impl EvalContext {
    pub fn new() -> EvalContext {
        EvalContext::default()
    }
}

/// Evaluates an expression.
pub fn eval(expr: &Expression, ctx: &EvalContext) -> Result<Value, Vec<Diagnostic>> {
    let mut ev = Evaluator { ctx, scopes: Vec::new(), lits: Default::default() };
    ev.expr(expr).map_err(|d| vec![d])
}

/// Evaluates a parsed template (as used by `templatefile`) with the given variables as the
/// only names in scope.
pub(crate) fn eval_template(tpl: &Template, vars: BTreeMap<String, Value>, ctx: &EvalContext) -> Result<Value, Diagnostic> {
    let empty = EvalContext { variables: BTreeMap::new(), base_dir: ctx.base_dir.clone() };
    let mut ev = Evaluator { ctx: &empty, scopes: vec![vars], lits: crate::template::plain(tpl.iter()) };
    let elems: Vec<&Element> = tpl.iter().collect();
    if let [Element::Interpolation(i)] = elems.as_slice() {
        return ev.expr(&i.expr);
    }
    ev.template_value(&elems)
}

type R = Result<Value, Diagnostic>;

/// `templatestring` takes its template as a literal string without template sequences or as a
/// plain reference to a string elsewhere, so that one template is not evaluated twice in two
/// scopes (Terraform's rule; a template built at run time goes in a local value first).
fn template_string_form(e: &Expression) -> Result<(), &'static str> {
    let literal_key = |k: &Expression| matches!(k, Expression::Number(_) | Expression::String(_));
    match e {
        Expression::Variable(_) | Expression::String(_) => Ok(()),
        Expression::Traversal(t)
            if matches!(t.expr, Expression::Variable(_))
                && t.operators.iter().all(|o| match o.value() {
                    TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_) => true,
                    TraversalOperator::Index(k) => literal_key(k),
                    _ => false,
                }) =>
        {
            Ok(())
        }
        Expression::StringTemplate(t) => {
            let elems: Vec<&Element> = t.iter().collect();
            match elems.as_slice() {
                [Element::Interpolation(_)] => Err("either use $${ to escape this template sequence for processing by the templatestring function, or write the inner expression alone to use its value as the template to render"),
                es if es.iter().all(|e| matches!(e, Element::Literal(_))) => Ok(()),
                _ => Err(TEMPLATE_SEQUENCES),
            }
        }
        Expression::HeredocTemplate(h) if h.template.iter().all(|e| matches!(e, Element::Literal(_))) => Ok(()),
        Expression::HeredocTemplate(_) => Err(TEMPLATE_SEQUENCES),
        _ => Err("must be either a literal string or a simple reference to a single string from elsewhere"),
    }
}

const TEMPLATE_SEQUENCES: &str =
    "use $${ and %%{ to escape template sequences so that they can be parsed by the templatestring function, rather than by the main Terraform parser";

fn err(summary: &str, detail: impl Into<String>, span: Option<Range<usize>>) -> Diagnostic {
    Diagnostic::error(summary, detail, span)
}

struct Evaluator<'a> {
    ctx: &'a EvalContext,
    scopes: Vec<BTreeMap<String, Value>>,
    /// Template literals after HCL's strip and heredoc-indent rules (see `template`).
    lits: crate::template::Literals,
}

/// Accumulated output of a template.
#[derive(Default)]
struct TplOut {
    s: String,
    unknown: bool,
    marks: Marks,
}

impl Evaluator<'_> {
    fn expr(&mut self, e: &Expression) -> R {
        let span = e.span();
        match e {
            Expression::Null(_) => Ok(Value::null()),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => {
                let parsed = n.as_repr().and_then(|r| {
                    let txt: String = r.chars().filter(|c| !c.is_whitespace()).collect();
                    Number::parse(&txt)
                });
                Ok(Value::Number(parsed.unwrap_or_else(|| Number::from_f64(n.value().as_f64().unwrap_or(0.0)))))
            }
            Expression::String(s) => Ok(Value::String(crate::convert::nfc(s.value()))),
            Expression::Array(a) => {
                let mut out = Vec::new();
                for x in a.iter() {
                    out.push(self.expr(x)?);
                }
                Ok(Value::Tuple(out))
            }
            Expression::Object(o) => {
                let mut out = BTreeMap::new();
                let mut marks = Marks::NONE;
                let mut unknown = false;
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(id) => id.as_str().to_string(),
                        ObjectKey::Expression(kx) => {
                            let kv = match kx {
                                // A bare name as key is a literal string.
                                Expression::Variable(id) => Value::String(id.as_str().to_string()),
                                Expression::Traversal(_) => {
                                    return Err(err(
                                        "Ambiguous attribute key",
                                        "If this expression is intended to be a reference, wrap it in parentheses. If it's instead intended as a literal name containing periods, wrap it in quotes to create a string literal.",
                                        kx.span(),
                                    ))
                                }
                                _ => self.expr(kx)?,
                            };
                            let (kv, m) = kv.unmark();
                            marks = marks.union(m);
                            match kv {
                                Value::Null(_) => {
                                    return Err(err(
                                        "Invalid object key",
                                        "Key expression in object constructor must not produce a null value.",
                                        kx.span(),
                                    ))
                                }
                                Value::Unknown(_) => {
                                    unknown = true;
                                    String::new()
                                }
                                other => match convert(other, &Type::String) {
                                    Ok(Value::String(s)) => s,
                                    _ => {
                                        return Err(err(
                                            "Incorrect key type",
                                            "Can't use this value as a key: string required.",
                                            kx.span(),
                                        ))
                                    }
                                },
                            }
                        }
                    };
                    let val = self.expr(v.expr())?;
                    out.insert(key, val);
                }
                if unknown {
                    return Ok(Value::unknown().mark(marks));
                }
                Ok(Value::Object(out).mark(marks))
            }
            Expression::StringTemplate(t) => {
                let elems: Vec<&Element> = t.iter().collect();
                if let [Element::Interpolation(i)] = elems.as_slice() {
                    return self.expr(&i.expr);
                }
                self.template_value(&elems)
            }
            Expression::HeredocTemplate(h) => {
                self.lits.extend(crate::template::heredoc(h));
                let elems: Vec<&Element> = h.template.iter().collect();
                self.template_value(&elems)
            }
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(id) => self.lookup(id.as_str(), span),
            Expression::Conditional(c) => self.conditional(&c.cond_expr, &c.true_expr, &c.false_expr, span),
            Expression::FuncCall(call) => self.func_call(call, span),
            Expression::Traversal(t) => {
                if let (Expression::Variable(root), Some(TraversalOperator::GetAttr(attr))) =
                    (&t.expr, t.operators.first().map(|o| o.value()))
                {
                    if !self.scopes.iter().any(|s| s.contains_key(root.as_str())) {
                        meta_attr_check(root.as_str(), attr.as_str(), span.clone())?;
                    }
                }
                let base = self.expr(&t.expr)?;
                let ops: Vec<&Decorated<TraversalOperator>> = t.operators.iter().collect();
                self.apply_ops(base, &ops, span)
            }
            Expression::UnaryOp(u) => {
                let v = self.expr(&u.expr)?;
                let (v, m) = v.unmark();
                let out = match u.operator.value() {
                    UnaryOperator::Neg => match v {
                        Value::Unknown(_) => Value::Unknown(Type::Number),
                        Value::Null(_) => return Err(err("Operation failed", "Error during operation: argument must not be null.", span)),
                        other => match convert(other, &Type::Number) {
                            Ok(Value::Number(n)) => Value::Number(n.neg()),
                            _ => return Err(err("Invalid operand", "Unsuitable value for unary operand: a number is required.", span)),
                        },
                    },
                    UnaryOperator::Not => match v {
                        Value::Unknown(_) => Value::Unknown(Type::Bool),
                        Value::Null(_) => return Err(err("Operation failed", "Error during operation: argument must not be null.", span)),
                        other => match convert(other, &Type::Bool) {
                            Ok(Value::Bool(b)) => Value::Bool(!b),
                            _ => return Err(err("Invalid operand", "Unsuitable value for unary operand: a bool is required.", span)),
                        },
                    },
                };
                Ok(out.mark(m))
            }
            Expression::BinaryOp(b) => {
                let l = self.expr(&b.lhs_expr)?;
                let r = self.expr(&b.rhs_expr)?;
                binary(*b.operator.value(), l, r, span)
            }
            Expression::ForExpr(f) => self.for_expr(f, span),
        }
    }

    fn lookup(&self, name: &str, span: Option<Range<usize>>) -> R {
        for s in self.scopes.iter().rev() {
            if let Some(v) = s.get(name) {
                return Ok(v.clone());
            }
        }
        if let Some(v) = self.ctx.variables.get(name) {
            return Ok(v.clone());
        }
        Err(err("Unknown variable", format!("There is no variable named {name:?}."), span))
    }

    fn conditional(&mut self, c: &Expression, t: &Expression, f: &Expression, span: Option<Range<usize>>) -> R {
        let cond = self.expr(c)?;
        let (cond, cmarks) = cond.unmark();
        let tr = self.expr(t);
        let fr = self.expr(f);
        let tty = tr.as_ref().map(Value::ty).unwrap_or(Type::Dynamic);
        let fty = fr.as_ref().map(Value::ty).unwrap_or(Type::Dynamic);
        let is_dyn_null = |r: &R| matches!(r, Ok(Value::Null(Type::Dynamic)));
        let rty = if is_dyn_null(&tr) {
            Some(fty.clone())
        } else if is_dyn_null(&fr) {
            Some(tty.clone())
        } else {
            unify(&[tty.clone(), fty.clone()])
        };
        let Some(rty) = rty else {
            return Err(err(
                "Inconsistent conditional result types",
                format!(
                    "The true and false result expressions must have consistent types. The 'true' value is {}, but the 'false' value is {}.",
                    crate::convert::type_friendly(&tty),
                    crate::convert::type_friendly(&fty)
                ),
                span,
            ));
        };
        let b = match cond {
            Value::Unknown(_) => {
                // Errors in either branch still matter when we cannot choose.
                tr?;
                fr?;
                return Ok(Value::Unknown(rty).mark(cmarks));
            }
            Value::Null(_) => {
                return Err(err("Null condition", "The condition value is null. Conditions must either be true or false.", c.span()))
            }
            other => match convert(other, &Type::Bool) {
                Ok(Value::Bool(b)) => b,
                _ => {
                    return Err(err("Incorrect condition type", "The condition expression must be of type bool.", c.span()))
                }
            },
        };
        let chosen = if b { tr? } else { fr? };
        let out = convert(chosen, &rty).map_err(|m| {
            err("Inconsistent conditional result types", format!("The result value could not be converted: {m}."), span.clone())
        })?;
        Ok(out.mark(cmarks))
    }

    fn func_call(&mut self, call: &hcl_edit::expr::FuncCall, span: Option<Range<usize>>) -> R {
        let name = call.name.name.as_str();
        if call.name.is_namespaced() {
            let full: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).chain([name]).collect();
            return Err(err(
                "Call to unknown function",
                format!("There is no function named \"{}\".", full.join("::")),
                span,
            ));
        }
        let arg_exprs: Vec<&Expression> = call.args.iter().collect();
        if name == "try" || name == "can" {
            return self.try_can(name, &arg_exprs, span);
        }
        if !functions::function_names().contains(&name) {
            let mut detail = format!("There is no function named {name:?}.");
            if let Some(s) = functions::suggest(name) {
                detail.push_str(&format!(" Did you mean {s:?}?"));
            }
            return Err(err("Call to unknown function", detail, span));
        }
        if name == "templatestring" && arg_exprs.len() == 2 && !call.args.expand_final() {
            if let Err(detail) = template_string_form(arg_exprs[0]) {
                let detail = format!("Invalid value for \"template\" parameter: invalid template expression: {detail}.");
                return Err(err("Invalid function argument", detail, arg_exprs[0].span().or(span)));
            }
        }
        let mut args = Vec::with_capacity(arg_exprs.len());
        for (i, a) in arg_exprs.iter().enumerate() {
            let v = self.expr(a)?;
            if call.args.expand_final() && i + 1 == arg_exprs.len() {
                let (v, m) = v.unmark();
                match v {
                    Value::List(_, vs) | Value::Set(_, vs) | Value::Tuple(vs) => {
                        args.extend(vs.into_iter().map(|x| x.mark(m)));
                    }
                    Value::Unknown(_) => return Ok(Value::unknown().mark(m)),
                    Value::Null(_) => {
                        return Err(err(
                            "Invalid expanding argument value",
                            "The expanding argument (indicated by ...) must not be null.",
                            a.span(),
                        ))
                    }
                    _ => {
                        return Err(err(
                            "Invalid expanding argument value",
                            "The expanding argument (indicated by ...) must be of a tuple, list, or set type.",
                            a.span(),
                        ))
                    }
                }
            } else {
                args.push(v);
            }
        }
        functions::call(name, args, self.ctx).map_err(|e| match e {
            FnError::Arity { summary, detail } => err(summary, detail, span.clone()),
            FnError::Arg { index, detail } => {
                let sp = arg_exprs.get(index).and_then(|a| a.span()).or(span.clone());
                err("Invalid function argument", detail, sp)
            }
            FnError::Call(detail) => err("Error in function call", format!("Call to function {name:?} failed: {detail}."), span.clone()),
        })
    }

    fn try_can(&mut self, name: &str, args: &[&Expression], span: Option<Range<usize>>) -> R {
        if name == "can" {
            if args.len() != 1 {
                let summary = if args.is_empty() { "Not enough function arguments" } else { "Too many function arguments" };
                return Err(err(summary, "Function \"can\" expects 1 argument(s).", span));
            }
            return Ok(match self.expr(args[0]) {
                Ok(v) if !v.is_wholly_known() => Value::Unknown(Type::Bool),
                Ok(_) => Value::Bool(true),
                Err(_) => Value::Bool(false),
            });
        }
        // HCL's tryfunc returns plain errors, so both are "Error in function call".
        if args.is_empty() {
            return Err(err("Error in function call", "Call to function \"try\" failed: at least one argument is required.", span));
        }
        let mut failures = String::new();
        for a in args {
            match self.expr(a) {
                Ok(v) if !v.is_wholly_known() => return Ok(Value::unknown()),
                Ok(v) => return Ok(v),
                Err(d) => failures.push_str(&format!("\n- {}\n  {}", d.summary, d.detail)),
            }
        }
        Err(err("Error in function call", format!("Call to function \"try\" failed: no expression succeeded:{failures}."), span))
    }

    fn apply_ops(&mut self, mut v: Value, ops: &[&Decorated<TraversalOperator>], span: Option<Range<usize>>) -> R {
        let mut i = 0;
        while i < ops.len() {
            match ops[i].value() {
                TraversalOperator::GetAttr(id) => v = get_attr(v, id.as_str(), span.clone())?,
                TraversalOperator::Index(kx) => {
                    let k = self.expr(kx)?;
                    v = index(v, k, span.clone())?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    v = index(v, Value::Number(Number::from(*n.value() as i64)), span.clone())?;
                }
                TraversalOperator::FullSplat(_) => {
                    let rest = &ops[i + 1..];
                    return self.splat(v, rest, span);
                }
                TraversalOperator::AttrSplat(_) => {
                    let mut j = i + 1;
                    while j < ops.len()
                        && matches!(ops[j].value(), TraversalOperator::GetAttr(_) | TraversalOperator::LegacyIndex(_))
                    {
                        j += 1;
                    }
                    v = self.splat(v, &ops[i + 1..j], span.clone())?;
                    i = j;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }

    fn splat(&mut self, v: Value, rest: &[&Decorated<TraversalOperator>], span: Option<Range<usize>>) -> R {
        let (v, m) = v.unmark();
        let out = match v {
            Value::Null(_) => Value::Tuple(vec![]),
            Value::Unknown(_) => Value::unknown(),
            Value::List(et, vs) | Value::Set(et, vs) if vs.is_empty() => {
                // The result type comes from applying the traversal to an unknown element.
                let t = self.apply_ops(Value::Unknown(et), rest, span).map(|v| v.ty()).unwrap_or(Type::Dynamic);
                Value::List(t, vec![])
            }
            Value::List(_, vs) | Value::Set(_, vs) => {
                let mut out = Vec::new();
                for x in vs {
                    out.push(self.apply_ops(x, rest, span.clone())?);
                }
                let tys: Vec<Type> = out.iter().map(Value::ty).collect();
                match unify(&tys) {
                    Some(t) => {
                        let conv: Result<Vec<Value>, String> = out.iter().cloned().map(|x| convert(x, &t)).collect();
                        match conv {
                            Ok(c) => Value::List(t, c),
                            Err(_) => Value::Tuple(out),
                        }
                    }
                    None => Value::Tuple(out),
                }
            }
            Value::Tuple(vs) => {
                let mut out = Vec::new();
                for x in vs {
                    out.push(self.apply_ops(x, rest, span.clone())?);
                }
                Value::Tuple(out)
            }
            other => Value::Tuple(vec![self.apply_ops(other, rest, span)?]),
        };
        Ok(out.mark(m))
    }

    fn for_expr(&mut self, f: &ForExpr, span: Option<Range<usize>>) -> R {
        let coll = self.expr(&f.intro.collection_expr)?;
        let (coll, mut marks) = coll.unmark();
        let pairs = match iter_pairs(coll, f.intro.collection_expr.span())? {
            Some(p) => p,
            None => return Ok(Value::unknown().mark(marks)),
        };
        let kname = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let vname = f.intro.value_var.as_str().to_string();
        let mut tuple_out = Vec::new();
        let mut obj_out: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut unknown = false;
        for (k, v) in pairs {
            let mut scope = BTreeMap::new();
            if let Some(kn) = &kname {
                scope.insert(kn.clone(), k);
            }
            scope.insert(vname.clone(), v);
            self.scopes.push(scope);
            let r = self.for_item(f, &mut marks, &mut unknown, &mut tuple_out, &mut obj_out, &mut groups, span.clone());
            self.scopes.pop();
            r?;
        }
        if unknown {
            return Ok(Value::unknown().mark(marks));
        }
        let out = if f.key_expr.is_some() {
            if f.grouping {
                Value::Object(groups.into_iter().map(|(k, vs)| (k, Value::Tuple(vs))).collect())
            } else {
                Value::Object(obj_out)
            }
        } else {
            Value::Tuple(tuple_out)
        };
        Ok(out.mark(marks))
    }

    #[allow(clippy::too_many_arguments)]
    fn for_item(
        &mut self,
        f: &ForExpr,
        marks: &mut Marks,
        unknown: &mut bool,
        tuple_out: &mut Vec<Value>,
        obj_out: &mut BTreeMap<String, Value>,
        groups: &mut BTreeMap<String, Vec<Value>>,
        span: Option<Range<usize>>,
    ) -> Result<(), Diagnostic> {
        if let Some(cond) = &f.cond {
            let c = self.expr(&cond.expr)?;
            let (c, m) = c.unmark();
            *marks = marks.union(m);
            match c {
                Value::Unknown(_) => {
                    *unknown = true;
                    return Ok(());
                }
                Value::Null(_) => {
                    return Err(err(
                        "Invalid 'for' condition",
                        "The value of the 'if' clause must not be null.",
                        cond.expr.span(),
                    ))
                }
                other => match convert(other, &Type::Bool) {
                    Ok(Value::Bool(true)) => {}
                    Ok(_) => return Ok(()),
                    Err(e) => {
                        return Err(err(
                            "Invalid 'for' condition",
                            format!("The 'if' clause value is invalid: {e}."),
                            cond.expr.span(),
                        ))
                    }
                },
            }
        }
        match &f.key_expr {
            None => tuple_out.push(self.expr(&f.value_expr)?),
            Some(kx) => {
                let k = self.expr(kx)?;
                let (k, m) = k.unmark();
                *marks = marks.union(m);
                let key = match k {
                    Value::Unknown(_) => {
                        *unknown = true;
                        return Ok(());
                    }
                    Value::Null(_) => {
                        return Err(err(
                            "Invalid object key",
                            "Key expression in 'for' expression must not produce a null value.",
                            kx.span(),
                        ))
                    }
                    other => match convert(other, &Type::String) {
                        Ok(Value::String(s)) => s,
                        _ => {
                            return Err(err(
                                "Invalid object key",
                                "The key expression produced an invalid result: string required.",
                                kx.span(),
                            ))
                        }
                    },
                };
                let v = self.expr(&f.value_expr)?;
                if f.grouping {
                    groups.entry(key).or_default().push(v);
                } else {
                    if obj_out.contains_key(&key) {
                        return Err(err(
                            "Duplicate object key",
                            format!(
                                "Two different items produced the key {key:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key."
                            ),
                            span,
                        ));
                    }
                    obj_out.insert(key, v);
                }
            }
        }
        Ok(())
    }

    fn template_value(&mut self, elems: &[&Element]) -> R {
        let mut out = TplOut::default();
        self.template(elems, false, false, &mut out)?;
        if out.unknown {
            return Ok(Value::Unknown(Type::String).mark(out.marks));
        }
        Ok(Value::String(crate::convert::nfc(&out.s)).mark(out.marks))
    }

    fn template(&mut self, elems: &[&Element], strip_first: bool, strip_last: bool, out: &mut TplOut) -> Result<(), Diagnostic> {
        for (i, el) in elems.iter().enumerate() {
            match el {
                Element::Literal(_) if self.lits.contains_key(&(*el as *const Element as usize)) => {
                    out.s.push_str(&self.lits[&(*el as *const Element as usize)]);
                }
                Element::Literal(lit) => {
                    let mut s: &str = lit.value();
                    let strip_lead = if i == 0 { strip_first } else { strip_after(elems[i - 1]) };
                    let strip_trail = if i + 1 == elems.len() { strip_last } else { strip_before(elems[i + 1]) };
                    if strip_lead {
                        s = s.trim_start();
                    }
                    if strip_trail {
                        s = s.trim_end();
                    }
                    out.s.push_str(s);
                }
                Element::Interpolation(interp) => {
                    let v = self.expr(&interp.expr)?;
                    self.push_value(v, interp.expr.span(), out)?;
                }
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(ifd) => {
                        let c = self.expr(&ifd.if_expr.cond_expr)?;
                        let (c, m) = c.unmark();
                        out.marks = out.marks.union(m);
                        let b = match c {
                            Value::Unknown(_) => {
                                out.unknown = true;
                                continue;
                            }
                            Value::Null(_) => {
                                return Err(err(
                                    "Invalid template if directive",
                                    "The condition value is null. Conditions must either be true or false.",
                                    ifd.if_expr.cond_expr.span(),
                                ))
                            }
                            other => match convert(other, &Type::Bool) {
                                Ok(Value::Bool(b)) => b,
                                _ => {
                                    return Err(err(
                                        "Invalid template if directive",
                                        "The condition expression must be of type bool.",
                                        ifd.if_expr.cond_expr.span(),
                                    ))
                                }
                            },
                        };
                        let else_strip_start = ifd.else_expr.as_ref().map(|e| e.strip.strip_start());
                        let endif_start = ifd.endif_expr.strip.strip_start();
                        if b {
                            let t: Vec<&Element> = ifd.if_expr.template.iter().collect();
                            self.template(&t, ifd.if_expr.strip.strip_end(), else_strip_start.unwrap_or(endif_start), out)?;
                        } else if let Some(e) = &ifd.else_expr {
                            let t: Vec<&Element> = e.template.iter().collect();
                            self.template(&t, e.strip.strip_end(), endif_start, out)?;
                        }
                    }
                    Directive::For(fd) => {
                        let coll = self.expr(&fd.for_expr.collection_expr)?;
                        let (coll, m) = coll.unmark();
                        out.marks = out.marks.union(m);
                        let pairs = match iter_pairs(coll, fd.for_expr.collection_expr.span())? {
                            Some(p) => p,
                            None => {
                                out.unknown = true;
                                continue;
                            }
                        };
                        let t: Vec<&Element> = fd.for_expr.template.iter().collect();
                        for (k, v) in pairs {
                            let mut scope = BTreeMap::new();
                            if let Some(kn) = &fd.for_expr.key_var {
                                scope.insert(kn.as_str().to_string(), k);
                            }
                            scope.insert(fd.for_expr.value_var.as_str().to_string(), v);
                            self.scopes.push(scope);
                            let r = self.template(&t, fd.for_expr.strip.strip_end(), fd.endfor_expr.strip.strip_start(), out);
                            self.scopes.pop();
                            r?;
                        }
                    }
                },
            }
        }
        Ok(())
    }

    fn push_value(&mut self, v: Value, span: Option<Range<usize>>, out: &mut TplOut) -> Result<(), Diagnostic> {
        let (v, m) = v.unmark();
        out.marks = out.marks.union(m);
        match v {
            Value::Unknown(_) => out.unknown = true,
            Value::Null(_) => {
                return Err(err(
                    "Invalid template interpolation value",
                    "The expression result is null. Cannot include a null value in a string template.",
                    span,
                ))
            }
            other => match convert(other, &Type::String) {
                Ok(Value::String(s)) => out.s.push_str(&s),
                Ok(Value::Unknown(_)) => out.unknown = true,
                _ => {
                    return Err(err(
                        "Invalid template interpolation value",
                        "Cannot include the given value in a string template: string required.",
                        span,
                    ))
                }
            },
        }
        Ok(())
    }
}

/// True when the element asks to strip whitespace from the literal after it.
fn strip_after(el: &Element) -> bool {
    match el {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_end(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(i) => i.endif_expr.strip.strip_end(),
            Directive::For(f) => f.endfor_expr.strip.strip_end(),
        },
    }
}

/// True when the element asks to strip whitespace from the literal before it.
fn strip_before(el: &Element) -> bool {
    match el {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_start(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(i) => i.if_expr.strip.strip_start(),
            Directive::For(f) => f.for_expr.strip.strip_start(),
        },
    }
}

/// Key/value pairs to iterate over in `for` expressions and directives; `None` when unknown.
fn iter_pairs(coll: Value, span: Option<Range<usize>>) -> Result<Option<Vec<(Value, Value)>>, Diagnostic> {
    Ok(Some(match coll {
        Value::Unknown(_) => return Ok(None),
        Value::Null(_) => {
            return Err(err("Iteration over null value", "A null value cannot be used as the collection in a 'for' expression.", span))
        }
        Value::List(_, vs) | Value::Tuple(vs) => {
            vs.into_iter().enumerate().map(|(i, v)| (Value::Number(Number::from(i as i64)), v)).collect()
        }
        Value::Set(_, vs) => vs.into_iter().map(|v| (v.clone(), v)).collect(),
        Value::Map(_, m) | Value::Object(m) => m.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
        other => {
            return Err(err(
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    crate::convert::type_friendly(&other.ty())
                ),
                span,
            ))
        }
    }))
}

/// Attribute access (`v.name`).
pub(crate) fn get_attr(v: Value, name: &str, span: Option<Range<usize>>) -> R {
    let (v, m) = v.unmark();
    let out = match v {
        Value::Null(_) => {
            return Err(err("Attempt to get attribute from null value", "This value is null, so it does not have any attributes.", span))
        }
        Value::Unknown(t) => match t {
            Type::Object(attrs) => match attrs.get(name) {
                Some(at) => Value::Unknown(at.clone()),
                None => {
                    return Err(err("Unsupported attribute", format!("This object does not have an attribute named {name:?}."), span))
                }
            },
            Type::Map(e) => Value::Unknown(*e),
            Type::Dynamic => Value::unknown(),
            other => return Err(attr_on_wrong_type(&other, name, span)),
        },
        Value::Object(mut attrs) => match attrs.remove(name) {
            Some(x) => x,
            None => {
                let hint = crate::functions::closest(name, attrs.keys().map(String::as_str)).map(|s| format!(" Did you mean {s:?}?")).unwrap_or_default();
                return Err(err("Unsupported attribute", format!("This object does not have an attribute named {name:?}.{hint}"), span));
            }
        },
        Value::Map(_, mut entries) => match entries.remove(name) {
            Some(x) => x,
            None => return Err(err("Missing map element", format!("This map does not have an element with the key {name:?}."), span)),
        },
        other => return Err(attr_on_wrong_type(&other.ty(), name, span)),
    };
    Ok(out.mark(m))
}

fn attr_on_wrong_type(t: &Type, name: &str, span: Option<Range<usize>>) -> Diagnostic {
    match t {
        Type::List(_) | Type::Set(_) | Type::Tuple(_) => err(
            "Unsupported attribute",
            format!("Can't access attributes on a list of objects. Did you mean to access attribute {name:?} for a specific element of the list, or across all elements of the list?"),
            span,
        ),
        other => err(
            "Unsupported attribute",
            format!("Can't access attributes on a primitive-typed value ({}).", crate::convert::type_friendly(other)),
            span,
        ),
    }
}

/// Index access (`v[k]`).
pub(crate) fn index(v: Value, k: Value, span: Option<Range<usize>>) -> R {
    let (v, m1) = v.unmark();
    let (k, m2) = k.unmark();
    let marks = m1.union(m2);
    let invalid = |detail: &str| err("Invalid index", detail.to_string(), span.clone());
    if v.is_null() {
        return Err(err("Attempt to index null value", "This value is null, so it does not have any indices.", span));
    }
    if k.is_null() {
        return Err(invalid("Can't use a null value as an indexing key."));
    }
    let out = match (v, k) {
        (Value::Set(..), _) | (Value::Unknown(Type::Set(_)), _) => {
            return Err(invalid("Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set."))
        }
        (Value::Unknown(t), _) => Value::Unknown(t.element().cloned().unwrap_or(Type::Dynamic)),
        (v, Value::Unknown(_)) => match &v {
            Value::List(t, _) | Value::Map(t, _) => Value::Unknown(t.clone()),
            Value::Tuple(_) | Value::Object(_) => Value::unknown(),
            _ => return Err(invalid("This value does not have any indices.")),
        },
        (Value::List(_, vs) | Value::Tuple(vs), k) => {
            let n = match convert(k, &Type::Number) {
                Ok(Value::Number(n)) => n,
                _ => return Err(invalid("The given key does not identify an element in this collection value: a number is required.")),
            };
            if !n.is_integer() {
                return Err(invalid("The given key does not identify an element in this collection value: indexes must be whole numbers."));
            }
            match n.as_i64().and_then(|i| usize::try_from(i).ok()).and_then(|i| vs.into_iter().nth(i)) {
                Some(x) => x,
                None => return Err(invalid("The given key does not identify an element in this collection value.")),
            }
        }
        (Value::Map(_, mut entries), k) => {
            let key = match convert(k, &Type::String) {
                Ok(Value::String(s)) => s,
                _ => return Err(invalid("The given key does not identify an element in this collection value: string required.")),
            };
            match entries.remove(&key) {
                Some(x) => x,
                None => return Err(invalid("The given key does not identify an element in this collection value.")),
            }
        }
        (Value::Object(mut attrs), k) => {
            let key = match convert(k, &Type::String) {
                Ok(Value::String(s)) => s,
                _ => return Err(invalid("The given key does not identify an element in this collection value: string required.")),
            };
            match attrs.remove(&key) {
                Some(x) => x,
                None => return Err(invalid("The given key does not identify an element in this collection value.")),
            }
        }
        _ => return Err(invalid("This value does not have any indices.")),
    };
    Ok(out.mark(marks))
}

/// Deep equality; `None` when unknown values make the answer unknown.
pub(crate) fn values_equal(a: &Value, b: &Value) -> Option<bool> {
    let a = a.unmarked();
    let b = b.unmarked();
    if !a.is_known() || !b.is_known() {
        return None;
    }
    match (a, b) {
        (Value::Null(_), Value::Null(_)) => Some(true),
        (Value::Null(_), _) | (_, Value::Null(_)) => Some(false),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x.num_eq(y)),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::List(tx, xs), Value::List(ty, ys)) | (Value::Set(tx, xs), Value::Set(ty, ys)) => {
            if tx != ty && *tx != Type::Dynamic && *ty != Type::Dynamic {
                return Some(false);
            }
            seq_equal(xs, ys)
        }
        (Value::Tuple(xs), Value::Tuple(ys)) => seq_equal(xs, ys),
        (Value::Map(tx, xm), Value::Map(ty, ym)) => {
            if tx != ty && *tx != Type::Dynamic && *ty != Type::Dynamic {
                return Some(false);
            }
            map_equal(xm, ym)
        }
        (Value::Object(xm), Value::Object(ym)) => map_equal(xm, ym),
        _ => Some(false),
    }
}

fn seq_equal(xs: &[Value], ys: &[Value]) -> Option<bool> {
    if xs.len() != ys.len() {
        return Some(false);
    }
    let mut unknown = false;
    for (x, y) in xs.iter().zip(ys) {
        match values_equal(x, y) {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown {
        None
    } else {
        Some(true)
    }
}

fn map_equal(xm: &BTreeMap<String, Value>, ym: &BTreeMap<String, Value>) -> Option<bool> {
    if xm.len() != ym.len() || xm.keys().ne(ym.keys()) {
        return Some(false);
    }
    let xs: Vec<Value> = xm.values().cloned().collect();
    let ys: Vec<Value> = ym.values().cloned().collect();
    seq_equal(&xs, &ys)
}

fn operand(v: Value, want: &Type, side: &str, span: &Option<Range<usize>>) -> R {
    let what = match want {
        Type::Number => "a number is required",
        _ => "a bool is required",
    };
    match v {
        Value::Unknown(_) | Value::Null(_) => Ok(v),
        other => convert(other, want).map_err(|_| err("Invalid operand", format!("Unsuitable value for {side} operand: {what}."), span.clone())),
    }
}

/// HCL converts both operands first, then calls the operator's function, which rejects nulls
/// ("Operation failed"); an unknown operand makes the result unknown.
fn operands(l: Value, r: Value, want: &Type, span: &Option<Range<usize>>) -> Result<Option<(Value, Value)>, Diagnostic> {
    let a = operand(l, want, "left", span)?;
    let b = operand(r, want, "right", span)?;
    if a.is_null() || b.is_null() {
        return Err(err("Operation failed", "Error during operation: argument must not be null.", span.clone()));
    }
    if matches!(a, Value::Unknown(_)) || matches!(b, Value::Unknown(_)) {
        return Ok(None);
    }
    Ok(Some((a, b)))
}

/// Terraform checks the attributes of its built-in `terraform` and `path` objects when it
/// parses a reference, with its own summaries.
fn meta_attr_check(root: &str, attr: &str, span: Option<Range<usize>>) -> Result<(), Diagnostic> {
    let detail = match (root, attr) {
        ("terraform", "workspace") | ("path", "module" | "root" | "cwd") => return Ok(()),
        ("terraform", _) => format!("The \"terraform\" object does not have an attribute named {attr:?}. The only supported attribute is terraform.workspace, the name of the currently-selected workspace."),
        ("path", _) => format!("The \"path\" object does not have an attribute named {attr:?}. The supported attributes are path.cwd, the current working directory, path.module, the path to the module containing this expression, and path.root, the path to the root module."),
        _ => return Ok(()),
    };
    Err(err(&format!("Invalid {root:?} attribute"), detail, span))
}

/// Applies a binary operator.
pub(crate) fn binary(op: BinaryOperator, l: Value, r: Value, span: Option<Range<usize>>) -> R {
    use BinaryOperator as B;
    let (l, lm) = l.unmark();
    let (r, rm) = r.unmark();
    let marks = lm.union(rm);
    let out = match op {
        B::Eq | B::NotEq => match values_equal(&l, &r) {
            Some(e) => Value::Bool(if op == B::Eq { e } else { !e }),
            None => Value::Unknown(Type::Bool),
        },
        B::And | B::Or => {
            match operands(l, r, &Type::Bool, &span)? {
                Some((Value::Bool(a), Value::Bool(b))) => Value::Bool(if op == B::And { a && b } else { a || b }),
                _ => Value::Unknown(Type::Bool),
            }
        }
        _ => {
            let is_cmp = matches!(op, B::Less | B::LessEq | B::Greater | B::GreaterEq);
            match operands(l, r, &Type::Number, &span)? {
                Some((Value::Number(a), Value::Number(b))) => match op {
                    B::Plus => Value::Number(a.add(&b)),
                    B::Minus => Value::Number(a.sub(&b)),
                    B::Mul => Value::Number(a.mul(&b)),
                    B::Div => match a.div(&b) {
                        Some(n) => Value::Number(n),
                        None => return Err(err("Operation failed", "Error during operation: can't divide by zero.", span)),
                    },
                    B::Mod => match a.rem(&b) {
                        Some(n) => Value::Number(n),
                        None => return Err(err("Operation failed", "Error during operation: can't divide by zero.", span)),
                    },
                    B::Less => Value::Bool(a.total_cmp(&b).is_lt()),
                    B::LessEq => Value::Bool(a.total_cmp(&b).is_le()),
                    B::Greater => Value::Bool(a.total_cmp(&b).is_gt()),
                    B::GreaterEq => Value::Bool(a.total_cmp(&b).is_ge()),
                    _ => Value::unknown(),
                },
                _ => Value::Unknown(if is_cmp { Type::Bool } else { Type::Number }),
            }
        }
    };
    Ok(out.mark(marks))
}

/// Builds a set value from elements, unifying their types (used by functions).
pub(crate) fn set_of(vs: Vec<Value>) -> Result<Value, String> {
    let tys: Vec<Type> = vs.iter().map(Value::ty).collect();
    let t = unify(&tys).ok_or_else(|| "all elements must have the same type".to_string())?;
    let conv = vs.into_iter().map(|v| convert(v, &t)).collect::<Result<Vec<_>, _>>()?;
    Ok(make_set(t, conv))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(src: &str) -> Value {
        let e = hcl_edit::parser::parse_expr(src).expect("parse");
        let mut ctx = EvalContext::new();
        ctx.variables.insert(
            "var".into(),
            Value::object([
                ("s", Value::from("secret").sensitive()),
                ("u", Value::Unknown(Type::String)),
                ("l", Value::List(Type::String, vec![Value::from("a"), Value::from("b")])),
            ]),
        );
        match eval(&e, &ctx) {
            Ok(v) => v,
            Err(d) => Value::String(format!("ERROR: {}", d[0].summary)),
        }
    }

    /// Evaluates with `local.t = "Hello, ${name}!"`, `local.n = 5`, `local.st` sensitive and
    /// `local.u` unknown; the error text is `summary: detail`.
    fn ts(src: &str) -> Result<Value, String> {
        let e = hcl_edit::parser::parse_expr(src).expect("parse");
        let mut ctx = EvalContext::new();
        ctx.variables.insert(
            "local".into(),
            Value::object([
                ("t", Value::from("Hello, ${name}!")),
                ("ts", Value::Tuple(vec![Value::from("%{ for x in xs }${x}%{ endfor }")])),
                ("n", Value::from(5)),
                ("st", Value::from("${name}").sensitive()),
                ("u", Value::Unknown(Type::String)),
                ("bad", Value::from("${")),
                ("rec", Value::from("${templatestring(t, {})}")),
            ]),
        );
        eval(&e, &ctx).map_err(|d| format!("{}: {}", d[0].summary, d[0].detail))
    }

    #[test]
    fn templatestring_renders_references_and_literals() {
        assert_eq!(ts(r#"templatestring(local.t, { name = "Alex" })"#), Ok(Value::from("Hello, Alex!")));
        assert_eq!(ts(r#"templatestring(local.ts[0], { xs = ["a", "b"] })"#), Ok(Value::from("ab")));
        assert_eq!(ts(r#"templatestring("Hi $${name}", { name = "Alex" })"#), Ok(Value::from("Hi Alex")));
        assert_eq!(ts(r#"templatestring("plain", {})"#), Ok(Value::from("plain")));
        // Marks: the template's and the vars'.
        assert_eq!(ts(r#"templatestring(local.st, { name = "x" })"#), Ok(Value::from("x").sensitive()));
        assert_eq!(ts(r#"templatestring(local.t, { name = sensitive("x") })"#), Ok(Value::from("Hello, x!").sensitive()));
        assert_eq!(ts(r#"templatestring(local.u, { name = "x" })"#), Ok(Value::Unknown(Type::String)));
    }

    #[test]
    fn templatestring_rejects_other_template_forms_and_values() {
        let e = |src: &str| ts(src).unwrap_err();
        assert!(e(r#"templatestring("Hi ${local.n}", {})"#).contains("use $${ and %%{ to escape template sequences"));
        assert!(e(r#"templatestring("${local.t}", { name = "x" })"#).contains("write the inner expression alone"));
        assert!(e(r#"templatestring(upper(local.t), {})"#).contains("must be either a literal string or a simple reference"));
        assert!(e(r#"templatestring(local.n, {})"#).contains("invalid template expression: a string is required"));
        assert!(e(r#"templatestring(local.bad, {})"#).starts_with("Invalid function argument: Invalid value for \"template\" parameter: invalid template: "));
        assert_eq!(
            e(r#"templatestring(local.t, {})"#),
            "Invalid function argument: Invalid value for \"vars\" parameter: vars map does not contain key \"name\", referenced at <templatestring argument>:1,10-14."
        );
        assert!(e(r#"templatestring(local.t, "x")"#).contains("invalid vars value: must be a map"));
        assert!(e(r#"templatestring(local.t)"#).starts_with("Not enough function arguments"));
        assert!(e(r#"templatestring(local.rec, { t = "a" })"#).contains("cannot recursively call templatestring from inside another template function"));
        // The details of a problem with a sensitive template are not shown.
        assert!(e(r#"templatestring(local.st, {})"#).contains("(sensitive value)"));
    }

    #[test]
    fn arithmetic_and_comparison() {
        assert_eq!(ev("1 + 2 * 3"), Value::from(7));
        assert_eq!(ev("7 % 3"), Value::from(1));
        assert_eq!(ev("\"1\" + 1"), Value::from(2));
        assert_eq!(ev("1 == \"1\""), Value::Bool(false));
        assert_eq!(ev("[1, 2] == [1, 2]"), Value::Bool(true));
        assert_eq!(ev("null + 1"), Value::from("ERROR: Operation failed"));
    }

    #[test]
    fn conditionals_unify() {
        assert_eq!(ev("true ? 1 : \"a\""), Value::from("1"));
        assert_eq!(ev("true ? [] : \"a\""), Value::from("ERROR: Inconsistent conditional result types"));
        assert_eq!(ev("var.u == \"x\" ? 1 : 2"), Value::Unknown(Type::Number));
    }

    #[test]
    fn templates_and_marks() {
        assert_eq!(ev("\"a${1}b\""), Value::from("a1b"));
        assert_eq!(ev("\"${var.s}\"").marks(), Marks::SENSITIVE);
        assert_eq!(ev("\"x${var.u}\""), Value::Unknown(Type::String));
        assert_eq!(ev("\"%{ for x in [1,2] ~} ${x} %{~ endfor }\""), Value::from("12"));
        assert_eq!(ev("\"%{if true}y%{else}n%{endif}\""), Value::from("y"));
    }

    #[test]
    fn for_and_splat() {
        assert_eq!(ev("[for x in [1,2,3]: x * 2 if x > 1]"), Value::Tuple(vec![Value::from(4), Value::from(6)]));
        assert_eq!(
            ev("{for x in [\"a\",\"b\",\"a\"]: x => x...}"),
            Value::object([
                ("a", Value::Tuple(vec![Value::from("a"), Value::from("a")])),
                ("b", Value::Tuple(vec![Value::from("b")]))
            ])
        );
        assert_eq!(ev("var.l[*]"), Value::List(Type::String, vec![Value::from("a"), Value::from("b")]));
        assert_eq!(ev("null[*]"), Value::Tuple(vec![]));
        assert_eq!(ev("var.l[5]"), Value::from("ERROR: Invalid index"));
        assert_eq!(ev("null.a"), Value::from("ERROR: Attempt to get attribute from null value"));
    }
}
