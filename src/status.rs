//! `fastintercom status` (owner: issue #2). Placeholder.
use crate::cli::StatusArgs;
pub async fn run_cli(_a: StatusArgs) -> anyhow::Result<u8> {
    anyhow::bail!("status: not built yet")
}
