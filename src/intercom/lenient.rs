//! Lenient serde helpers for Intercom JSON: ids as number or string, `0` meaning "none", nulls where the
//! spec promises values, timestamps as numbers or numeric strings. Used with `deserialize_with`, always
//! together with `#[serde(default)]` so missing fields work too. Also the raw-JSON readers the models'
//! `from_raw` share: nested lists, ids in them, and the check that an item is an object with an id.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `null` becomes `T::default()`.
pub fn de_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An id sent as a string or a number; null or missing becomes "".
pub fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => return Err(serde::de::Error::custom(format!("expected an id, got {other}"))),
    })
}

/// An optional id: null, "", `0` and `"0"` (Intercom's "unassigned") become `None`.
pub fn opt_id_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) if s.is_empty() || s == "0" => None,
        Value::String(s) => Some(s),
        Value::Number(n) if n.as_i64() == Some(0) || n.as_f64() == Some(0.0) => None,
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// An id that may be bare or wrapped as `{type, id}` (e.g. `assigned_to`).
pub fn opt_ref_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Value::deserialize(d)?;
    let v = match v {
        Value::Object(mut o) => o.remove("id").unwrap_or(Value::Null),
        v => v,
    };
    opt_id_string(v).map_err(serde::de::Error::custom)
}

/// A list of ids, each a number or a string; null becomes empty.
pub fn id_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    Ok(items
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect())
}

/// A string that may be null; numbers and booleans are turned into their text.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A Unix-seconds timestamp as an integer, a float or a numeric string; anything else is `None`.
pub fn opt_ts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    opt_i64(d)
}

/// An integer sent as a number or a numeric string; anything else is `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    })
}

/// The items of a nested list that Intercom wraps in `{type, <key>: [...]}` (or sends bare, or null).
pub(super) fn nested_items<'a>(v: Option<&'a Value>, key: &str) -> &'a [Value] {
    match v {
        Some(Value::Array(a)) => a,
        Some(Value::Object(o)) => o.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice),
        _ => &[],
    }
}

/// Each item of a list as `T`.
pub(super) fn parse_items<T: for<'de> Deserialize<'de>>(
    items: &[Value],
) -> Result<Vec<T>, serde_json::Error> {
    items.iter().map(T::deserialize).collect()
}

/// The `id`s of a nested list's items (see [`nested_items`]); items without a usable id are skipped.
pub(super) fn ids_in(v: Option<&Value>, key: &str) -> Vec<String> {
    nested_items(v, key)
        .iter()
        .filter_map(|x| x.get("id").and_then(id_of))
        .collect()
}

/// An id given as a non-empty string or a number.
pub(super) fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// List items must be objects with an id; anything else is a malformed response.
pub(super) fn check_object(raw: &Value) -> Result<(), serde_json::Error> {
    use serde::de::Error;
    match raw.get("id") {
        _ if !raw.is_object() => Err(serde_json::Error::custom(format!(
            "expected an object, got {raw}"
        ))),
        None | Some(Value::Null) => Err(serde_json::Error::custom("object without an id")),
        Some(_) => Ok(()),
    }
}
