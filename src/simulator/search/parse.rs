//! Parse and type-check a query (`query` of a search body) and its `sort`, with Intercom's errors.

use serde_json::Value;

use super::{FType, Kind, Query, QueryError, Sort, Test, field_type};
use crate::simulator::workspace::DAY;

fn bad(code: &'static str, message: impl Into<String>) -> QueryError {
    QueryError {
        code,
        message: message.into(),
    }
}

pub const MAX_PER_GROUP: usize = 15;

/// Parse `query` (absent = match everything). Groups nest at most two levels (root + one).
pub fn parse(kind: Kind, q: Option<&Value>) -> Result<Query, QueryError> {
    match q {
        None | Some(Value::Null) => Ok(Query::All),
        Some(v) => parse_node(kind, v, 0),
    }
}

fn parse_node(kind: Kind, v: &Value, depth: usize) -> Result<Query, QueryError> {
    let obj = v
        .as_object()
        .ok_or_else(|| bad("parameter_invalid", "query must be an object"))?;
    let op = obj.get("operator").and_then(Value::as_str).unwrap_or("");
    if obj.get("field").is_none() && (op == "AND" || op == "OR") {
        if depth >= 2 {
            return Err(bad("parameter_invalid", "Nested queries are limited to 2 levels"));
        }
        let items = obj.get("value").and_then(Value::as_array).ok_or_else(|| {
            bad(
                "parameter_invalid",
                format!("{op} operator requires an array value"),
            )
        })?;
        if items.len() > MAX_PER_GROUP {
            return Err(bad(
                "parameter_invalid",
                format!(
                    "A maximum of {MAX_PER_GROUP} filters can be used in one {op} group, got {}",
                    items.len()
                ),
            ));
        }
        if items.is_empty() {
            return Err(bad(
                "parameter_invalid",
                format!("{op} operator requires at least one filter"),
            ));
        }
        let subs = items
            .iter()
            .map(|x| parse_node(kind, x, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if op == "AND" {
            Query::And(subs)
        } else {
            Query::Or(subs)
        });
    }
    let field = obj.get("field").and_then(Value::as_str).ok_or_else(|| {
        bad(
            "parameter_invalid",
            "each filter needs a field, an operator and a value",
        )
    })?;
    let value = obj.get("value").unwrap_or(&Value::Null);
    let ftype = field_type(kind, field)
        .ok_or_else(|| bad("parameter_invalid", format!("{field} is not a searchable field")))?;
    let test = compile(kind, field, ftype, op, value)?;
    Ok(Query::Filter {
        field: field.to_string(),
        test,
    })
}

fn mismatch(field: &str, op: &str, value: &Value) -> QueryError {
    bad(
        "type_mismatch",
        format!("Value {value} for field {field} does not match its type (operator {op})"),
    )
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

fn day_start(t: i64) -> i64 {
    t.div_euclid(DAY) * DAY
}

fn compile(kind: Kind, field: &str, ft: FType, op: &str, v: &Value) -> Result<Test, QueryError> {
    let unsupported = || {
        bad(
            "parameter_invalid",
            format!("Operator {op} is not supported for field {field}"),
        )
    };
    let arr = |conv: &dyn Fn(&Value) -> Option<String>| -> Result<Vec<String>, QueryError> {
        let a = v.as_array().ok_or_else(|| mismatch(field, op, v))?;
        a.iter()
            .map(|x| conv(x).ok_or_else(|| mismatch(field, op, v)))
            .collect()
    };
    let int_arr = || -> Result<Vec<i64>, QueryError> {
        let a = v.as_array().ok_or_else(|| mismatch(field, op, v))?;
        a.iter()
            .map(|x| as_int(x).ok_or_else(|| mismatch(field, op, v)))
            .collect()
    };
    match ft {
        FType::Date | FType::Int | FType::NumId => {
            let contact_date = kind == Kind::Contact && ft == FType::Date;
            if contact_date && !matches!(op, "=" | ">" | "<") {
                return Err(bad(
                    "parameter_invalid",
                    format!("Operator {op} is not supported for date field {field}; use =, > or <"),
                ));
            }
            match op {
                "IN" => return Ok(Test::IntIn(int_arr()?)),
                "NIN" => return Ok(Test::IntNin(int_arr()?)),
                "=" | "!=" if v.is_null() => return Ok(if op == "=" { Test::IsNull } else { Test::NotNull }),
                _ => {}
            }
            let n = as_int(v).ok_or_else(|| mismatch(field, op, v))?;
            if contact_date {
                let d = day_start(n);
                return Ok(match op {
                    "=" => Test::Range(d, d + DAY - 1),
                    ">" => Test::Range(d + DAY, i64::MAX),
                    _ => Test::Range(i64::MIN, d - 1),
                });
            }
            Ok(match op {
                "=" => Test::Range(n, n),
                "!=" => Test::NotRange(n, n),
                ">" => Test::Range(n.saturating_add(1), i64::MAX),
                ">=" => Test::Range(n, i64::MAX),
                "<" => Test::Range(i64::MIN, n.saturating_sub(1)),
                "<=" => Test::Range(i64::MIN, n),
                _ => return Err(unsupported()),
            })
        }
        FType::Str => {
            match op {
                "IN" => return Ok(Test::StrIn(arr(&as_str)?)),
                "NIN" => return Ok(Test::StrNin(arr(&as_str)?)),
                "=" | "!=" if v.is_null() => return Ok(if op == "=" { Test::IsNull } else { Test::NotNull }),
                _ => {}
            }
            let s = as_str(v).ok_or_else(|| mismatch(field, op, v))?;
            Ok(match op {
                "=" => Test::StrEq(s),
                "!=" => Test::StrNe(s),
                "~" => Test::Contains(s),
                "!~" => Test::NotContains(s),
                "^" => Test::Starts(s),
                "$" => Test::Ends(s),
                _ => return Err(unsupported()),
            })
        }
        FType::Bool => {
            let b = as_bool(v).ok_or_else(|| mismatch(field, op, v))?;
            Ok(match op {
                "=" => Test::BoolEq(b),
                "!=" => Test::BoolEq(!b),
                _ => return Err(unsupported()),
            })
        }
        FType::Text => {
            let s = as_str(v).ok_or_else(|| mismatch(field, op, v))?;
            Ok(match op {
                "=" => Test::Word(s),
                "!=" => Test::NotWord(s),
                "~" => Test::Contains(s),
                "!~" => Test::NotContains(s),
                _ => return Err(unsupported()),
            })
        }
        FType::List => {
            let id = |x: &Value| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if kind == Kind::Contact && !matches!(op, "=" | "!=") {
                return Err(unsupported());
            }
            match op {
                "IN" => Ok(Test::ListAny(arr(&id)?)),
                "NIN" => Ok(Test::ListNone(arr(&id)?)),
                "=" => Ok(Test::ListHas(id(v).ok_or_else(|| mismatch(field, op, v))?)),
                "!=" => Ok(Test::ListLacks(id(v).ok_or_else(|| mismatch(field, op, v))?)),
                _ => Err(unsupported()),
            }
        }
    }
}

/// Parse `sort` ({field, order}). Orders other than ascending/descending give 400 `invalid_sort_order`.
pub fn parse_sort(v: Option<&Value>, sortable: &[&str], default: Sort) -> Result<Sort, QueryError> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    let field = v
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or(&default.field)
        .to_string();
    let descending = match v.get("order") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) if s == "ascending" => false,
        Some(Value::String(s)) if s == "descending" => true,
        Some(o) => {
            let o = o.as_str().map(str::to_string).unwrap_or_else(|| o.to_string());
            return Err(bad(
                "invalid_sort_order",
                format!("Invalid sort order '{o}'. Must be one of: ascending, descending"),
            ));
        }
    };
    if !sortable.contains(&field.as_str()) {
        return Err(bad(
            "parameter_invalid",
            format!(
                "Sorting by {field} is not supported; use one of {}",
                sortable.join(", ")
            ),
        ));
    }
    Ok(Sort { field, descending })
}
