//! The client library (owner: issue #4). Placeholder.
pub mod cli;
