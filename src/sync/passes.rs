//! The passes of one run, in order (directory, conversations beside contacts, tickets, articles,
//! segments, companies), each recording its resource's outcome in `sync_metadata`.

use super::conversations::Window;
use super::{
    Ctx, DIRECTORY_RESOURCES, OVERLAP, RESOURCE_ARTICLES, RESOURCE_COMPANIES, RESOURCE_CONTACTS,
    RESOURCE_CONVERSATIONS, RESOURCE_SEGMENTS, RESOURCE_TICKET_STATES, RESOURCE_TICKET_TYPES,
    RESOURCE_TICKETS, SyncOptions, SyncReport, articles, companies, completeness, contacts, conversations,
    deletions, directory, now, tickets,
};
use crate::intercom::ApiStats;
use crate::store::metadata::{self, MetaUpdate, SyncState};
use crate::store::write::{self, Table};
use anyhow::Result;
use std::time::Instant;

/// One run in progress: what it shares, what it has done so far, and where it is.
pub(super) struct Run<'a> {
    pub(super) ctx: &'a Ctx,
    pub(super) opts: &'a SyncOptions,
    pub(super) t_start: i64,
    pub(super) started: Instant,
    pub(super) report: SyncReport,
    /// The resource being synced (marked `error` if the run fails).
    pub(super) current: &'static str,
    pub(super) mark: ApiStats,
}

impl Run<'_> {
    pub(super) async fn all(&mut self) -> Result<()> {
        self.conversations_and_contacts().await?;
        self.ctx.stop.check()?;
        self.tickets().await?;
        self.ctx.stop.check()?;
        self.articles().await?;
        self.ctx.stop.check()?;
        self.segments().await?;
        self.ctx.stop.check()?;
        self.companies().await
    }

    async fn conversations_and_contacts(&mut self) -> Result<()> {
        self.directory().await?;
        self.ctx.stop.check()?;
        let meta = self
            .ctx
            .db
            .call(|c| metadata::read(c, RESOURCE_CONVERSATIONS))
            .await?;
        if self.reconcile_due(meta.as_ref()) {
            // The contact id walk must see the store before this run's contacts pass writes to it.
            self.conversations().await?;
            self.ctx.stop.check()?;
            return self.contacts().await;
        }
        // The contacts walk follows one cursor (one request in flight at a time): run it beside the
        // conversation pass, so it takes no wall time of its own.
        let (ctx, full) = (self.ctx, self.opts.full);
        let contacts = async move {
            let meta = ctx.db.call(|c| metadata::read(c, RESOURCE_CONTACTS)).await?;
            let hwm = meta.and_then(|m| m.high_water_mark);
            contacts::sync(ctx, hwm, full).await
        };
        let (conv, cont) = tokio::join!(self.conversations(), contacts);
        conv?;
        self.current = RESOURCE_CONTACTS;
        let out = cont?;
        self.finish_contacts(out).await
    }

    /// Whether this run walks every id (deletions, missed parts): on `--full` or every
    /// `reconcile_hours`, never on the first run (it just fetched its whole window).
    fn reconcile_due(&self, meta: Option<&metadata::SyncMeta>) -> bool {
        let first = meta.and_then(|m| m.high_water_mark).is_none();
        let last_reconcile = meta.and_then(|m| m.last_reconcile);
        // An interrupted first run never recorded one: reconcile on the next.
        let due = last_reconcile.is_none_or(|t| {
            self.t_start.saturating_sub(t)
                >= i64::try_from(self.opts.reconcile_hours.saturating_mul(3600)).unwrap_or(i64::MAX)
        });
        !first && (self.opts.full || due)
    }

    /// Start a resource: remember the request counters to report this resource's share.
    fn begin(&mut self, resource: &'static str) {
        tracing::debug!(
            phase = resource,
            elapsed_ms = self.started.elapsed().as_millis() as u64,
            "sync phase"
        );
        self.current = resource;
        self.mark = self.ctx.api.stats();
        self.ctx.progress.phase(resource);
    }

    /// Record a resource's success.
    async fn finish(&mut self, resource: &'static str, mut u: MetaUpdate, count: Table) -> Result<()> {
        let stats = self.ctx.api.stats();
        let end = now();
        u.status = Some(SyncState::Ok);
        u.last_attempt_end = Some(end);
        u.last_success = Some(end);
        u.set_last_error = true;
        u.last_error = None;
        u.requests = Some((stats.requests - self.mark.requests) as i64);
        u.rate_limited = Some((stats.rate_limited - self.mark.rate_limited) as i64);
        u.duration_ms = Some(self.started.elapsed().as_millis() as i64);
        self.ctx
            .db
            .call(move |c| {
                u.row_count = Some(write::count_rows(c, count)?);
                metadata::update(c, resource, &u)
            })
            .await
    }

    async fn directory(&mut self) -> Result<()> {
        self.begin("admins");
        directory::refresh(self.ctx).await?;
        for (r, t) in DIRECTORY_RESOURCES
            .into_iter()
            .zip([Table::Admins, Table::Teams, Table::Tags])
        {
            let u = MetaUpdate {
                coverage_start: Some(0),
                coverage_end: Some(self.t_start),
                ..Default::default()
            };
            self.finish(r, u, t).await?;
            // The refresh's requests are reported once, on 'admins'.
            self.mark = self.ctx.api.stats();
        }
        Ok(())
    }

    async fn conversations(&mut self) -> Result<()> {
        self.begin(RESOURCE_CONVERSATIONS);
        let t_end = self.t_start;
        let meta = self
            .ctx
            .db
            .call(|c| metadata::read(c, RESOURCE_CONVERSATIONS))
            .await?;
        // A mark past our clock (left by a future-dated conversation before marks were capped) would
        // hide every update until then.
        let old_hwm = meta
            .as_ref()
            .and_then(|m| m.high_water_mark)
            .map(|h| h.min(t_end));
        let first = old_hwm.is_none();
        let wanted = if self.opts.full {
            Some(0)
        } else if let Some(s) = self.opts.since {
            Some(s)
        } else if first {
            Some(t_end.saturating_sub(i64::from(self.opts.backfill_days) * 86_400))
        } else {
            None
        };
        // Extending the window moves the checkpoint back to where the extension starts, so an
        // interrupted extension resumes from there; a plain run keeps its mark.
        let (lower, floor) = match (wanted, old_hwm) {
            (Some(w), Some(h)) if w < h => (w.max(0), w.max(0)),
            (_, Some(h)) => (h.saturating_sub(OVERLAP).max(0), h),
            (Some(w), None) => (w.max(0), w.max(0)),
            (None, None) => unreachable!("first run always has a window"),
        };
        let coverage = wanted.map(|w| w.max(0));
        self.ctx
            .db
            .call(move |c| {
                if floor < old_hwm.unwrap_or(i64::MAX) {
                    metadata::set_high_water_mark(c, RESOURCE_CONVERSATIONS, Some(floor))?;
                }
                if first {
                    // The backfill start; it only becomes "covered" with coverage_end on success.
                    metadata::update(
                        c,
                        RESOURCE_CONVERSATIONS,
                        &MetaUpdate {
                            coverage_start: coverage,
                            ..Default::default()
                        },
                    )?;
                }
                Ok(())
            })
            .await?;
        let pass = conversations::search_pass(
            self.ctx,
            Window {
                lower,
                cap: t_end,
                floor,
            },
        )
        .await?;
        self.report.conversations += pass.conversations;
        self.report.parts += pass.parts;
        self.report.deleted += pass.deleted;
        self.report.fetched += pass.fetched;
        let hwm = pass.max_seen.map_or(floor, |m| m.min(t_end).max(floor));
        self.report.hwm = Some(hwm);

        // Deletions feed: skipped on the very first run (nothing stored can be deleted yet).
        let last_poll = meta.as_ref().and_then(|m| m.last_deleted_poll);
        if let Some(since) = last_poll {
            self.report.deleted += deletions::poll_deleted(self.ctx, since).await?;
        }
        let reconciled = if self.reconcile_due(meta.as_ref()) {
            tracing::debug!(
                elapsed_ms = self.started.elapsed().as_millis() as u64,
                "reconciling"
            );
            let cov = meta
                .as_ref()
                .and_then(|m| m.coverage_start)
                .unwrap_or(0)
                .min(coverage.unwrap_or(i64::MAX));
            let r = deletions::reconcile(self.ctx, cov).await?;
            self.report.deleted += r.deleted;
            self.report.conversations += r.conversations;
            self.report.parts += r.parts;
            self.report.fetched += r.refetched;
            self.report.contacts_deleted += r.contacts_deleted;
            self.report.reconciled = true;
            true
        } else {
            false
        };
        // The covered window: what earlier runs covered, widened by this run's backfill, if any.
        let covered = [meta.as_ref().and_then(|m| m.coverage_start), coverage]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(0);
        let checked = completeness::check_conversations(self.ctx, covered, t_end, hwm).await?;
        self.report.shortfall = checked.shortfall as u64;
        self.report.healed = checked.healed;
        self.report.fetched += checked.healed;
        if checked.shortfall > 0 {
            tracing::warn!(
                reported = checked.reported,
                stored = checked.stored,
                shortfall = checked.shortfall,
                "the store lacks conversations Intercom reports; the next re-read or `sync --full` fetches them"
            );
        }
        let u = MetaUpdate {
            high_water_mark: Some(hwm),
            coverage_start: coverage,
            coverage_end: Some(t_end),
            last_deleted_poll: Some(t_end),
            last_reconcile: (reconciled || first).then_some(t_end),
            ..Default::default()
        };
        self.finish(RESOURCE_CONVERSATIONS, u, Table::Conversations)
            .await?;
        let shortfall = checked.shortfall;
        self.ctx
            .db
            .call(move |c| completeness::record(c, RESOURCE_CONVERSATIONS, shortfall, t_end))
            .await
    }

    async fn tickets(&mut self) -> Result<()> {
        self.begin(RESOURCE_TICKET_TYPES);
        tickets::refresh_types_states(self.ctx).await?;
        let full = MetaUpdate {
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_TICKET_TYPES, full.clone(), Table::TicketTypes)
            .await?;
        // One refresh: its requests are reported once, on 'ticket_types'.
        self.mark = self.ctx.api.stats();
        self.finish(RESOURCE_TICKET_STATES, full, Table::TicketStates)
            .await?;
        self.ctx.stop.check()?;
        self.begin(RESOURCE_TICKETS);
        let meta = self.ctx.db.call(|c| metadata::read(c, RESOURCE_TICKETS)).await?;
        let reconcile = self.reconcile_due(meta.as_ref());
        let hwm = meta.as_ref().and_then(|m| m.high_water_mark);
        let out = tickets::sync(self.ctx, hwm, reconcile, self.t_start).await?;
        self.report.tickets = out.written;
        self.report.ticket_parts = out.parts;
        self.report.tickets_deleted = out.deleted;
        let u = MetaUpdate {
            high_water_mark: out.hwm,
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            last_reconcile: (out.reconciled || hwm.is_none()).then_some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_TICKETS, u, Table::Tickets).await
    }

    async fn articles(&mut self) -> Result<()> {
        self.begin(RESOURCE_ARTICLES);
        let meta = self.ctx.db.call(|c| metadata::read(c, RESOURCE_ARTICLES)).await?;
        let reconcile = self.reconcile_due(meta.as_ref());
        let hwm = meta.as_ref().and_then(|m| m.high_water_mark);
        let out = articles::sync(self.ctx, hwm, reconcile, self.t_start).await?;
        self.report.articles = out.written;
        self.report.articles_deleted = out.deleted;
        let u = MetaUpdate {
            high_water_mark: out.hwm,
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            last_reconcile: out.walked_all.then_some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_ARTICLES, u, Table::Articles).await
    }

    async fn segments(&mut self) -> Result<()> {
        self.begin(RESOURCE_SEGMENTS);
        self.report.segments = companies::refresh_segments(self.ctx).await? as u64;
        let u = MetaUpdate {
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_SEGMENTS, u, Table::Segments).await
    }

    async fn companies(&mut self) -> Result<()> {
        self.begin(RESOURCE_COMPANIES);
        let out = companies::sync(self.ctx, self.t_start).await?;
        self.report.companies = out.written;
        self.report.companies_deleted = out.deleted;
        self.report.company_scroll_restarts = u64::from(out.restarts);
        let u = MetaUpdate {
            high_water_mark: out.hwm,
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            // Every run walks every company.
            last_reconcile: Some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_COMPANIES, u, Table::Companies).await
    }

    async fn contacts(&mut self) -> Result<()> {
        self.begin(RESOURCE_CONTACTS);
        let meta = self.ctx.db.call(|c| metadata::read(c, RESOURCE_CONTACTS)).await?;
        let hwm = meta.and_then(|m| m.high_water_mark);
        let out = contacts::sync(self.ctx, hwm, self.opts.full).await?;
        self.finish_contacts(out).await
    }

    async fn finish_contacts(&mut self, out: contacts::ContactsOutcome) -> Result<()> {
        self.report.contacts = out.written;
        let u = MetaUpdate {
            high_water_mark: out.hwm,
            coverage_start: Some(0),
            coverage_end: Some(self.t_start),
            ..Default::default()
        };
        self.finish(RESOURCE_CONTACTS, u, Table::Contacts).await
    }
}
