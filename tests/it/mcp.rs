//! Integration tests: mcp.
