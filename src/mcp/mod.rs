//! `fastintercom serve` (owner: issue #3). Placeholder.
use crate::cli::ServeArgs;
pub async fn run_cli(_a: ServeArgs) -> anyhow::Result<u8> {
    anyhow::bail!("serve: not built yet")
}
