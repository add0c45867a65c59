//! One integration-test binary (one link step on 2 cores). Each area is a module; filter with
//! `cargo test --test it sync::` etc. Tests drive real processes and real sockets: the simulator over
//! HTTP, the `fastintercom` binary, real MCP clients.

mod budget;
mod client;
mod common;
mod completeness;
mod daemon;
mod intercom;
mod listen;
mod mcp;
mod mcp_freshness;
mod mcp_hostile;
mod mcp_load;
mod newcomer;
mod projection;
mod projection_workspace;
mod reconcile;
mod simulator;
mod sync;
mod tickets_tools;
mod workspace_articles;
mod workspace_companies;
mod workspace_contract;
mod workspace_simulator;
mod workspace_tickets;
mod workspace_tools;
