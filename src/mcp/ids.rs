//! Ids in tool arguments: Intercom ids are strings of digits, and an assistant will as often send them as
//! JSON numbers (`"conversation_id": 900000007`). Both are accepted and read as the same string; floats,
//! booleans and objects are refused with a reason.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Text(String),
    Unsigned(u64),
    Signed(i64),
    Other(serde_json::Value),
}

fn to_string<E: serde::de::Error>(raw: Raw) -> Result<String, E> {
    match raw {
        Raw::Text(s) => Ok(s),
        Raw::Unsigned(n) => Ok(n.to_string()),
        Raw::Signed(n) => Ok(n.to_string()),
        Raw::Other(v) => Err(E::custom(format!(
            "expected an id as a string or an integer, got {v}"
        ))),
    }
}

/// `"123"` or `123` → `"123"`.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    to_string(Raw::deserialize(d)?)
}

/// Like [`id`], for an optional argument (`null` = absent).
pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Raw>::deserialize(d)? {
        None => Ok(None),
        Some(raw) => to_string(raw).map(Some),
    }
}

/// The input schema of an id argument.
pub fn id_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "integer"]})
}

/// The input schema of an optional id argument.
pub fn opt_id_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": ["string", "integer", "null"]})
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Args {
        #[serde(deserialize_with = "super::id")]
        id: String,
        #[serde(default, deserialize_with = "super::opt_id")]
        other: Option<String>,
    }

    #[test]
    fn numbers_and_strings_are_the_same_id() {
        let a: Args = serde_json::from_str(r#"{"id": 900000007, "other": "12"}"#).unwrap();
        assert_eq!((a.id.as_str(), a.other.as_deref()), ("900000007", Some("12")));
        let a: Args = serde_json::from_str(r#"{"id": "900000007", "other": null}"#).unwrap();
        assert_eq!((a.id.as_str(), a.other), ("900000007", None));
        let a: Args = serde_json::from_str(r#"{"id": "x"}"#).unwrap();
        assert_eq!(a.other, None);
        for bad in [
            r#"{"id": 1.5}"#,
            r#"{"id": true}"#,
            r#"{"id": {}}"#,
            r#"{"id": 1, "other": [1]}"#,
        ] {
            let e = serde_json::from_str::<Args>(bad).err().unwrap().to_string();
            assert!(e.contains("string or an integer"), "{bad}: {e}");
        }
    }
}
