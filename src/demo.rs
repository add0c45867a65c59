//! `fastintercom demo` (owner: issue #6). Placeholder.
use crate::cli::DemoArgs;
pub async fn run_cli(_a: DemoArgs) -> anyhow::Result<u8> {
    anyhow::bail!("demo: not built yet")
}
