//! Intercom REST API client (owner: issue #2). Placeholder until the client lands.
