//! fastintercom: a local, always-fresh SQLite copy of an Intercom workspace, served to AI assistants over MCP.
//!
//! Modules (see ARCHITECTURE.md):
//! - [`intercom`]: the REST API client (auth, rate limits, retries, pagination, serde models).
//! - `simulator`: a simulated Intercom API over real HTTP, for tests, the demo and benchmarks.
//!   It is public so integration tests and benches can start it in-process; it and `demo` are built
//!   with the cargo feature `simulator` (on by default).
//! - [`store`]: the SQLite schema (migrations/), writes for the sync, reads for the MCP server.
//! - [`sync`]: `fastintercom sync`: backfill, incremental, deletions, `sync_metadata`.
//! - [`mcp`]: `fastintercom serve`: the read-only MCP server (stdio, Streamable HTTP, socket activation).
//! - [`client`]: the library that picks cache (MCP) or live REST per request.
//! - [`proxy`]: `fastintercom proxy`: an MCP server on the user's side whose calls go through [`client`].
//! - [`record`]: one Intercom object, normalized: what `record::wire` makes, the store keeps, answers come from.
//! - [`project`]: records → answers, the one projection the cache and REST paths share.
//! - [`answer`]: the envelopes (freshness, notes, lists, paging cursor) the MCP server, proxy and client share.
//! - [`model`]: answer shapes shared by the MCP tools and the client library.

pub mod answer;
pub mod cli;
pub mod client;
pub mod config;
#[cfg(feature = "simulator")]
pub mod demo;
pub mod docs;
pub mod intercom;
pub mod mcp;
pub mod model;
pub mod project;
pub mod proxy;
pub mod record;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod status;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod text;
pub mod timespec;
pub mod tls;
