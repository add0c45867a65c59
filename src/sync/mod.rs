//! `fastintercom sync` (owner: issue #2). Placeholder until the sync lands.
use crate::cli::SyncArgs;
pub async fn run_cli(_a: SyncArgs) -> anyhow::Result<u8> {
    anyhow::bail!("sync: not built yet")
}
