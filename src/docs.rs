//! Man pages and shell completions generated from the clap definitions (`fastintercom gen-docs --out DIR`).

use crate::cli::Cli;
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::Path;

pub fn generate(out: &Path) -> Result<()> {
    let man_dir = out.join("man");
    let comp_dir = out.join("completions");
    std::fs::create_dir_all(&man_dir).with_context(|| format!("creating {}", man_dir.display()))?;
    std::fs::create_dir_all(&comp_dir).with_context(|| format!("creating {}", comp_dir.display()))?;
    let cmd = Cli::command();
    clap_mangen::generate_to(cmd.clone(), &man_dir).context("writing man pages")?;
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
    ] {
        clap_complete::generate_to(shell, &mut cmd.clone(), "fastintercom", &comp_dir)
            .with_context(|| format!("writing {shell} completion"))?;
    }
    Ok(())
}
