//! Intercom's wire models → [`crate::record`]s: the only place that knows both shapes. Pure functions,
//! used by the sync (before it stores the records) and by the client's REST path (before it projects
//! them with [`crate::project`]); they live here, not in `sync`, so the client does not depend on the sync.

use super::{
    AdminRecord, ArticleContentRecord, ArticleRecord, CompanyRecord, ContactRecord, ConversationRecord,
    PartRecord, SegmentRecord, TagRecord, TeamRecord, TicketPartRecord, TicketRecord, TicketStateRecord,
    TicketTypeRecord,
};
use crate::intercom::{Admin, Contact, Conversation, Part, Tag, Team};

/// A conversation as the store keeps it (`raw` included); `with_parts` when it came from
/// `GET /conversations/{id}` (its parts are the record's).
pub fn conversation(c: &Conversation, with_parts: bool) -> ConversationRecord {
    ConversationRecord {
        raw: c.raw.to_string(),
        ..conversation_fields(c, with_parts)
    }
}

/// A conversation without `raw` (left empty): what the projection reads, without serializing the
/// whole object again (the REST path, per answer).
pub fn conversation_fields(c: &Conversation, with_parts: bool) -> ConversationRecord {
    let source = c.source.as_ref();
    let author = source.and_then(|s| s.author.as_ref());
    let updated_at = c.updated_at.or(c.created_at).unwrap_or(0);
    let state = c
        .state
        .clone()
        .unwrap_or_else(|| if c.open { "open" } else { "closed" }.to_string());
    ConversationRecord {
        id: c.id.clone(),
        title: c.title.clone().filter(|t| !t.is_empty()),
        created_at: c.created_at.unwrap_or(updated_at),
        updated_at,
        state,
        open: c.open,
        read: c.read,
        priority: c.priority.clone(),
        admin_assignee_id: c.admin_assignee_id.clone(),
        team_assignee_id: c.team_assignee_id.clone(),
        waiting_since: c.waiting_since,
        snoozed_until: c.snoozed_until,
        source_type: source.and_then(|s| s.r#type.clone()),
        source_subject: source.and_then(|s| s.subject.clone()).filter(|s| !s.is_empty()),
        source_body: source.and_then(|s| s.body.clone()),
        source_author_type: author.and_then(|a| a.r#type.clone()),
        source_author_id: author.and_then(|a| a.id.clone()),
        source_author_name: author.and_then(|a| a.name.clone()),
        source_author_email: author.and_then(|a| a.email.clone()),
        contact_ids: c.contacts.iter().map(|r| r.id.clone()).collect(),
        tags: c.tags.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
        rating: c.conversation_rating.as_ref().and_then(|r| r.rating),
        with_parts,
        parts: if with_parts {
            c.parts.iter().map(part).collect()
        } else {
            Vec::new()
        },
        parts_total: if with_parts { c.parts_total_count } else { None },
        stats_parts: stats_parts(c),
        raw: String::new(),
        fts_body: None,
    }
}

/// `statistics.count_conversation_parts` (it counts the opening message too).
pub fn stats_parts(c: &Conversation) -> Option<i64> {
    c.statistics
        .as_ref()
        .and_then(|s| s.get("count_conversation_parts"))
        .and_then(|v| v.as_i64())
}

fn part(p: &Part) -> PartRecord {
    let author = p.author.as_ref();
    PartRecord {
        id: p.id.clone(),
        part_type: p.part_type.clone().unwrap_or_else(|| "unknown".into()),
        body: p.body.clone(),
        created_at: p.created_at.or(p.updated_at).unwrap_or(0),
        updated_at: p.updated_at,
        author_type: author.and_then(|a| a.r#type.clone()),
        author_id: author.and_then(|a| a.id.clone()),
        author_name: author.and_then(|a| a.name.clone()),
        author_email: author.and_then(|a| a.email.clone()),
        assigned_to_id: p.assigned_to.clone(),
        state: p.state.clone(),
        redacted: p.redacted,
    }
}

pub fn contact(c: &Contact) -> ContactRecord {
    ContactRecord {
        id: c.id.clone(),
        external_id: c.external_id.clone(),
        role: c.role.clone(),
        email: c.email.clone(),
        name: c.name.clone(),
        phone: c.phone.clone(),
        owner_id: c.owner_id.clone(),
        created_at: c.created_at,
        updated_at: c.updated_at,
        last_seen_at: c.last_seen_at,
        tag_ids: c.tags.clone(),
        tags_complete: !c.tags_has_more,
        company_ids: c.companies.clone(),
        companies_complete: !c.companies_has_more,
        raw: c.raw.to_string(),
    }
}

pub fn admin(a: &Admin) -> AdminRecord {
    AdminRecord {
        id: a.id.clone(),
        name: a.name.clone(),
        email: a.email.clone(),
        job_title: a.job_title.clone(),
        away_mode: a.away_mode_enabled,
        has_inbox_seat: a.has_inbox_seat,
        team_ids: a.team_ids.clone(),
        raw: a.raw.to_string(),
    }
}

pub fn team(t: &Team) -> TeamRecord {
    TeamRecord {
        id: t.id.clone(),
        name: t.name.clone(),
        admin_ids: t.admin_ids.clone(),
        raw: t.raw.to_string(),
    }
}

pub fn tag(t: &Tag) -> TagRecord {
    TagRecord {
        id: t.id.clone(),
        name: t.name.clone(),
    }
}

pub fn ticket(t: &crate::intercom::Ticket) -> TicketRecord {
    let updated_at = t.updated_at.or(t.created_at).unwrap_or(0);
    let state = t.ticket_state.as_ref();
    let ttype = t.ticket_type.as_ref();
    TicketRecord {
        id: t.id.clone(),
        ticket_id: t.ticket_id.clone(),
        title: t.title.clone(),
        description: t.description.clone(),
        category: t
            .category
            .clone()
            .or_else(|| ttype.and_then(|x| x.category.clone())),
        ticket_type_id: ttype.map(|x| x.id.clone()).filter(|s| !s.is_empty()),
        ticket_type_name: ttype.and_then(|x| x.name.clone()),
        ticket_state_id: state.map(|s| s.id.clone()).filter(|s| !s.is_empty()),
        state_category: state.and_then(|s| s.category.clone()),
        state_label: state.and_then(|s| s.internal_label.clone()),
        open: t.open,
        admin_assignee_id: t.admin_assignee_id.clone(),
        team_assignee_id: t.team_assignee_id.clone(),
        contact_ids: t.contacts.iter().map(|c| c.id.clone()).collect(),
        created_at: t.created_at.unwrap_or(updated_at),
        updated_at,
        snoozed_until: t.snoozed_until,
        is_shared: t.is_shared,
        previous_ticket_state_id: t.previous_ticket_state_id.clone(),
        links: t.linked.clone(),
        with_parts: t.parts.is_some(),
        parts: t.parts.iter().flatten().map(ticket_part).collect(),
        parts_total: t.parts_total_count,
        raw: t.raw.to_string(),
    }
}

fn ticket_part(p: &crate::intercom::TicketPart) -> TicketPartRecord {
    let author = p.author.as_ref();
    TicketPartRecord {
        part: PartRecord {
            id: p.id.clone(),
            part_type: p.part_type.clone().unwrap_or_else(|| "unknown".into()),
            body: p.body.clone(),
            created_at: p.created_at.or(p.updated_at).unwrap_or(0),
            updated_at: p.updated_at,
            author_type: author.and_then(|a| a.r#type.clone()),
            author_id: author.and_then(|a| a.id.clone()),
            author_name: author.and_then(|a| a.name.clone()),
            author_email: author.and_then(|a| a.email.clone()),
            assigned_to_id: p.assigned_to.clone(),
            state: p.ticket_state.clone(),
            redacted: p.redacted,
        },
        previous_ticket_state: p.previous_ticket_state.clone(),
    }
}

pub fn ticket_type(t: &crate::intercom::TicketType) -> TicketTypeRecord {
    TicketTypeRecord {
        id: t.id.clone(),
        name: t.name.clone(),
        category: t.category.clone(),
        description: t.description.clone(),
        archived: t.archived,
        created_at: t.created_at,
        updated_at: t.updated_at,
        raw: t.raw.to_string(),
    }
}

pub fn ticket_state(s: &crate::intercom::TicketState) -> TicketStateRecord {
    TicketStateRecord {
        id: s.id.clone(),
        category: s.category.clone(),
        internal_label: s.internal_label.clone(),
        external_label: s.external_label.clone(),
        archived: s.archived,
        raw: s.raw.to_string(),
    }
}

pub fn article(a: &crate::intercom::Article) -> ArticleRecord {
    use {ArticleContentRecord, ArticleRecord};
    ArticleRecord {
        id: a.id.clone(),
        title: a.title.clone(),
        description: a.description.clone(),
        body: a.body.clone(),
        state: a.state.clone(),
        author_id: a.author_id.clone(),
        default_locale: a.default_locale.clone().unwrap_or_else(|| "en".into()),
        url: a.url.clone(),
        parent_ids: a.parent_ids.clone(),
        created_at: a.created_at,
        updated_at: a.updated_at.or(a.created_at).unwrap_or(0),
        translations: a
            .translations
            .iter()
            .map(|t| ArticleContentRecord {
                locale: t.locale.clone(),
                title: t.title.clone(),
                description: t.description.clone(),
                body: t.body.clone(),
                state: t.state.clone(),
                url: t.url.clone(),
                updated_at: t.updated_at,
            })
            .collect(),
        raw: a.raw.to_string(),
    }
}

pub fn company(c: &crate::intercom::Company) -> CompanyRecord {
    CompanyRecord {
        id: c.id.clone(),
        company_id: c.company_id.clone(),
        name: c.name.clone(),
        plan: c.plan.clone(),
        size: c.size,
        website: c.website.clone(),
        industry: c.industry.clone(),
        monthly_spend: c.monthly_spend,
        session_count: c.session_count,
        user_count: c.user_count,
        created_at: c.created_at,
        updated_at: c.updated_at.or(c.created_at).unwrap_or(0),
        remote_created_at: c.remote_created_at,
        last_request_at: c.last_request_at,
        custom_attributes: c.custom_attributes.to_string(),
        tag_ids: c.tag_ids.clone(),
        segment_ids: c.segment_ids.clone(),
        raw: c.raw.to_string(),
    }
}

pub fn segment(s: &crate::intercom::Segment) -> SegmentRecord {
    SegmentRecord {
        id: s.id.clone(),
        name: s.name.clone(),
        person_type: s.person_type.clone(),
        created_at: s.created_at,
        updated_at: s.updated_at,
        count: s.count,
        raw: s.raw.to_string(),
    }
}
