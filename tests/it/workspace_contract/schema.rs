//! A small JSON Schema checker for the output schemas the server declares (what schemars emits), so the
//! contract tests validate every structured answer without a new dependency. The Python SDK suite
//! (tests/mcp/test_answers.py) validates with the `jsonschema` package, Draft 2020-12.

use serde_json::{Value, json};

/// A small JSON Schema (2020-12) checker for what schemars emits: `$ref` into `$defs`/`definitions`,
/// `type` (one or a list), `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`,
/// `anyOf`/`oneOf`/`allOf`, `minimum`/`maximum`. Errors name the instance path.
pub fn check(root: &Value, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        if schema == &json!(false) {
            errs.push(format!("{at}: not allowed"));
        }
        return;
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let target = r
            .trim_start_matches('#')
            .split('/')
            .filter(|p| !p.is_empty())
            .fold(root, |acc, p| &acc[p]);
        assert!(!target.is_null(), "dangling $ref {r}");
        check(root, target, v, at, errs);
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(x) => vec![x.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.as_i64().is_some() || v.as_u64().is_some(),
            _ => false,
        });
        if !ok {
            errs.push(format!("{at}: {v} is not {types:?}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{at}: {v} not in {e:?}"));
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        errs.push(format!("{at}: {v} is not {c}"));
    }
    if let (Some(min), Some(n)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64())
        && n < min
    {
        errs.push(format!("{at}: {n} < {min}"));
    }
    if let (Some(max), Some(n)) = (s.get("maximum").and_then(Value::as_f64), v.as_f64())
        && n > max
    {
        errs.push(format!("{at}: {n} > {max}"));
    }
    for sub in s.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        check(root, sub, v, at, errs);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let passing = alts
                .iter()
                .filter(|a| {
                    let mut e = Vec::new();
                    check(root, a, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if passing == 0 || (key == "oneOf" && passing > 1) {
                errs.push(format!("{at}: {passing} of {key} match {v}"));
            }
        }
    }
    if let Some(o) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !o.contains_key(r.as_str().unwrap()) {
                errs.push(format!("{at}: required `{r}` missing"));
            }
        }
        for (k, x) in o {
            let here = format!("{at}/{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(root, ps, x, &here, errs),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => errs.push(format!("{here}: not declared")),
                    Some(ap) if ap.is_object() => check(root, ap, x, &here, errs),
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(a)) = (s.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            check(root, items, x, &format!("{at}/{i}"), errs);
        }
    }
}

#[test]
fn the_checker_refuses_what_does_not_match() {
    let s = json!({
        "type": "object", "required": ["a"], "additionalProperties": false,
        "properties": {"a": {"$ref": "#/$defs/A"}, "b": {"type": ["string", "null"], "enum": ["x", null]}},
        "$defs": {"A": {"type": "array", "items": {"anyOf": [{"type": "integer", "minimum": 0}, {"const": "n"}]}}}
    });
    let errs = |v: Value| {
        let mut e = Vec::new();
        check(&s, &s, &v, "", &mut e);
        e
    };
    assert!(errs(json!({"a": [1, "n"], "b": null})).is_empty());
    assert_eq!(errs(json!({"b": "x"})).len(), 1, "required");
    assert_eq!(errs(json!({"a": [], "c": 1})).len(), 1, "undeclared");
    assert_eq!(errs(json!({"a": [-1, "m", 1.5]})).len(), 3, "items");
    assert_eq!(errs(json!({"a": [], "b": "y"})).len(), 1, "enum");
    assert_eq!(errs(json!({"a": {}})).len(), 1, "type");
}
