//! Admins, teams and tags: small lists, refreshed whole on every run, in one transaction. A stored row
//! Intercom no longer lists is deleted only when its own `GET /admins|teams|tags/{id}` answers 404, and
//! only within the guard's share of the table ([`super::guard`]); otherwise it is kept.

use super::{Ctx, guard, map};
use crate::intercom::Directory;
use crate::store::write_contacts::{self, DirectoryDeletes};
use anyhow::{Context, Result};
use std::collections::HashSet;

/// Rows listed by Intercom: (admins, teams, tags).
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
    let [stored_admins, stored_teams, stored_tags] = ctx.db.read(write_contacts::directory_ids).await?;
    let delete = DirectoryDeletes {
        admins: confirmed_gone(
            ctx,
            Directory::Admins,
            stored_admins,
            admins.iter().map(|a| &a.id),
        )
        .await?,
        teams: confirmed_gone(ctx, Directory::Teams, stored_teams, teams.iter().map(|t| &t.id)).await?,
        tags: confirmed_gone(ctx, Directory::Tags, stored_tags, tags.iter().map(|t| &t.id)).await?,
    };
    ctx.db
        .call(move |c| write_contacts::replace_directory(c, &admins, &teams, &tags, &delete))
        .await?;
    Ok(counts)
}

/// The stored ids of `kind` Intercom did not list and confirms gone (404), within the guard's share.
async fn confirmed_gone<'a>(
    ctx: &Ctx,
    kind: Directory,
    stored: HashSet<String>,
    listed: impl Iterator<Item = &'a String>,
) -> Result<Vec<String>> {
    let listed: HashSet<String> = listed.cloned().collect();
    let walk = guard::Listing {
        resource: kind.name(),
        what: kind.name(),
        listed: &listed,
        total_count: None,
    };
    let checked = guard::check_unlisted(ctx, walk, &stored, |api, id| async move {
        Ok(api.directory_entry_exists(kind, &id).await?.then_some(()))
    })
    .await?;
    Ok(checked.map(|c| c.gone).unwrap_or_default())
}
