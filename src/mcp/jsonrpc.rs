//! JSON-RPC checks made before a message reaches rmcp, shared by the HTTP and stdio transports, so that
//! every malformed message gets a JSON-RPC error with the right code (and `"id": null` when the id is
//! unknown) instead of an HTTP 415, a silently dropped line, or "method not found" for a known method
//! whose params did not parse:
//!
//! - -32700 parse error: not JSON;
//! - -32600 invalid request: not a JSON-RPC 2.0 object, a batch, no `method`, an id that is not a string
//!   or a 64-bit integer, `params` that is not an object;
//! - -32602 invalid params: a known method whose params do not have its shape (e.g. `tools/call` without a
//!   string `name`, or with `arguments` that is not an object).
//!
//! Unknown methods pass through: rmcp answers them -32601 with their id.

use rmcp::model::{ClientJsonRpcMessage, ClientRequest, JsonRpcMessage};
use serde_json::{Value, json};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const INVALID_PARAMS: i64 = -32602;

/// Request methods of MCP that rmcp parses into typed requests.
const KNOWN_METHODS: &[&str] = &[
    "ping",
    "initialize",
    "server/discover",
    "completion/complete",
    "logging/setLevel",
    "prompts/get",
    "prompts/list",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
    "resources/directory/read",
    "subscriptions/listen",
    "tools/call",
    "tools/list",
    "tasks/get",
    "tasks/update",
    "tasks/cancel",
    "skills/list",
    "skills/get",
];

/// A JSON-RPC error for a message rmcp should not see.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    /// The request's id when it was readable, else null.
    pub id: Value,
    pub code: i64,
    pub message: String,
}

impl RpcError {
    fn new(id: &Value, code: i64, message: String) -> Box<Self> {
        Box::new(RpcError {
            id: id.clone(),
            code,
            message,
        })
    }

    /// The error message, as one JSON-RPC 2.0 response object.
    pub fn to_json(&self) -> Value {
        json!({"jsonrpc": "2.0", "id": self.id, "error": {"code": self.code, "message": self.message}})
    }
}

/// Check one message (an HTTP body or a stdio line).
pub fn check(body: &[u8]) -> Result<(), Box<RpcError>> {
    let null = Value::Null;
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        RpcError::new(
            &null,
            PARSE_ERROR,
            format!("parse error: the message is not JSON ({e})"),
        )
    })?;
    let invalid =
        |id: &Value, why: &str| RpcError::new(id, INVALID_REQUEST, format!("invalid request: {why}"));
    let Some(obj) = v.as_object() else {
        return Err(invalid(
            &null,
            if v.is_array() {
                "batches are not supported, send one JSON-RPC message at a time"
            } else {
                "expected a JSON-RPC 2.0 object"
            },
        ));
    };
    let id = match obj.get("id") {
        None => &null,
        Some(id @ Value::String(_)) => id,
        Some(id @ Value::Number(n)) if n.is_i64() => id,
        Some(other) => {
            let what = match other {
                Value::Null => "null",
                Value::Number(_) => "a fraction or an integer beyond 64 bits",
                Value::Bool(_) => "a boolean",
                Value::Array(_) => "an array",
                _ => "an object",
            };
            return Err(invalid(
                &null,
                &format!("the id must be a string or an integer, not {what}"),
            ));
        }
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(id, "\"jsonrpc\": \"2.0\" is missing"));
    }
    let method = match obj.get("method") {
        Some(Value::String(m)) => Some(m.as_str()),
        Some(_) => return Err(invalid(id, "\"method\" must be a string")),
        None => None,
    };
    let is_reply = obj.contains_key("id") && (obj.contains_key("result") || obj.contains_key("error"));
    let Some(method) = method else {
        if is_reply {
            return Ok(());
        }
        return Err(invalid(id, "no \"method\""));
    };
    match obj.get("params") {
        None | Some(Value::Object(_)) => {}
        Some(Value::Array(_)) => {
            return Err(RpcError::new(
                id,
                INVALID_PARAMS,
                format!("invalid params: `{method}` takes named params (an object), not an array"),
            ));
        }
        Some(_) => return Err(invalid(id, "\"params\" must be an object")),
    }
    if !KNOWN_METHODS.contains(&method) || !obj.contains_key("id") {
        return Ok(());
    }
    let bad_params = |why: String| {
        RpcError::new(
            id,
            INVALID_PARAMS,
            format!("invalid params for `{method}`: {why}"),
        )
    };
    if method == "tools/call" {
        check_tool_call(obj.get("params")).map_err(bad_params)?;
        // Parsing a large call a second time (below) would cost for little: its shape is checked.
        if body.len() > 64 * 1024 {
            return Ok(());
        }
    }
    // rmcp reads a known method whose params do not fit as a custom request ("method not found").
    match serde_json::from_value::<ClientJsonRpcMessage>(v.clone()) {
        Ok(JsonRpcMessage::Request(r)) if matches!(r.request, ClientRequest::CustomRequest(_)) => {
            Err(bad_params("the params do not have this method's shape".into()))
        }
        Ok(_) => Ok(()),
        Err(e) => Err(bad_params(e.to_string())),
    }
}

/// `tools/call` params: a string `name`, `arguments` an object when given.
fn check_tool_call(params: Option<&Value>) -> Result<(), String> {
    let Some(p) = params else {
        return Err("params are missing: send {\"name\": TOOL, \"arguments\": {...}}".into());
    };
    match p.get("name") {
        Some(Value::String(_)) => {}
        None => return Err("`name` (the tool to call) is missing".into()),
        Some(other) => return Err(format!("`name` must be a string (the tool to call), got {other}")),
    }
    match p.get("arguments") {
        None | Some(Value::Object(_)) | Some(Value::Null) => Ok(()),
        Some(other) => Err(format!(
            "`arguments` must be an object of the tool's arguments, got {}",
            kind(other)
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(body: &str) -> (i64, Value) {
        let e = check(body.as_bytes()).unwrap_err();
        (e.code, e.id)
    }

    #[test]
    fn each_malformed_message_gets_its_code() {
        let null = Value::Null;
        for (body, want, id) in [
            ("{not json", PARSE_ERROR, &null),
            ("", PARSE_ERROR, &null),
            ("[1, 2]", INVALID_REQUEST, &null),
            ("42", INVALID_REQUEST, &null),
            (r#"{"id": 1, "method": "ping"}"#, INVALID_REQUEST, &json!(1)),
            (r#"{"jsonrpc": "2.0", "id": 1}"#, INVALID_REQUEST, &json!(1)),
            (
                r#"{"jsonrpc": "2.0", "id": null, "method": "ping"}"#,
                INVALID_REQUEST,
                &null,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": {}, "method": "ping"}"#,
                INVALID_REQUEST,
                &null,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": [1], "method": "ping"}"#,
                INVALID_REQUEST,
                &null,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": true, "method": "ping"}"#,
                INVALID_REQUEST,
                &null,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 1.5, "method": "ping"}"#,
                INVALID_REQUEST,
                &null,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 99999999999999999999, "method": "ping"}"#,
                INVALID_REQUEST,
                &null,
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 3, "method": 7}"#,
                INVALID_REQUEST,
                &json!(3),
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": "x"}"#,
                INVALID_REQUEST,
                &json!(3),
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": 5}"#,
                INVALID_REQUEST,
                &json!(3),
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": [1]}"#,
                INVALID_PARAMS,
                &json!(3),
            ),
            (
                r#"{"jsonrpc": "2.0", "id": "a", "method": "tools/call"}"#,
                INVALID_PARAMS,
                &json!("a"),
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {}}"#,
                INVALID_PARAMS,
                &json!(4),
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": 5}}"#,
                INVALID_PARAMS,
                &json!(4),
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "list_tags", "arguments": [1]}}"#,
                INVALID_PARAMS,
                &json!(4),
            ),
            (
                r#"{"jsonrpc": "2.0", "id": 5, "method": "resources/read", "params": {}}"#,
                INVALID_PARAMS,
                &json!(5),
            ),
        ] {
            assert_eq!(code(body), (want, id.clone()), "{body}");
        }
    }

    #[test]
    fn well_formed_messages_pass() {
        for body in [
            r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
            r#"{"jsonrpc": "2.0", "id": "x", "method": "tools/list", "params": {}}"#,
            r#"{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "list_tags"}}"#,
            r#"{"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "nope", "arguments": {}}}"#,
            r#"{"jsonrpc": "2.0", "id": 9, "method": "no/such/method"}"#,
            r#"{"jsonrpc": "2.0", "method": "notifications/initialized"}"#,
            r#"{"jsonrpc": "2.0", "id": 1, "result": {}}"#,
        ] {
            assert_eq!(check(body.as_bytes()), Ok(()), "{body}");
        }
    }
}
