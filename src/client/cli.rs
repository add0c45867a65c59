//! CLI on the client library. Placeholder.
use crate::cli::{ContactArgs, ConversationArgs, SearchArgs};
pub async fn search(_a: SearchArgs) -> anyhow::Result<u8> {
    anyhow::bail!("search: not built yet")
}
pub async fn conversation(_a: ConversationArgs) -> anyhow::Result<u8> {
    anyhow::bail!("conversation: not built yet")
}
pub async fn contact(_a: ContactArgs) -> anyhow::Result<u8> {
    anyhow::bail!("contact: not built yet")
}
