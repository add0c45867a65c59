//! Admins, teams and tags: small lists, refreshed whole on every run (rows Intercom no longer lists are
//! deleted), in one transaction.

use super::{Ctx, map};
use crate::store::write;
use anyhow::{Context, Result};

/// Rows stored: (admins, teams, tags).
pub async fn refresh(ctx: &Ctx) -> Result<(usize, usize, usize)> {
    // Three independent lists: ask for them at once (each request costs a round trip).
    let (admins, teams, tags) = tokio::join!(ctx.api.admins(), ctx.api.teams(), ctx.api.tags());
    let admins = admins.context("listing admins")?;
    let teams = teams.context("listing teams")?;
    let tags = tags.context("listing tags")?;
    let admins: Vec<_> = admins.iter().map(map::admin).collect();
    let teams: Vec<_> = teams.iter().map(map::team).collect();
    let tags: Vec<_> = tags.iter().map(map::tag).collect();
    let counts = (admins.len(), teams.len(), tags.len());
    ctx.db
        .call(move |c| write::replace_directory(c, &admins, &teams, &tags))
        .await?;
    Ok(counts)
}
