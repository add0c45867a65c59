//! Simulated Intercom API (owner: issue #2). Placeholder until the simulator lands.
use crate::cli::SimulateArgs;
pub async fn run_cli(_a: SimulateArgs) -> anyhow::Result<u8> {
    anyhow::bail!("simulate: not built yet")
}
