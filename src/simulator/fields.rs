//! Searchable field values of conversations and contacts (the [`Row`] views the DSL evaluates).

use std::borrow::Cow;

use super::rows::{Author, Contact, Conv, ConvState, PRIORITIES};
use super::search::{Row, Val};
use super::workspace::Workspace;

pub struct ConvRow<'a> {
    pub ws: &'a Workspace,
    pub c: &'a Conv,
}

impl Row for ConvRow<'_> {
    fn get(&self, field: &str) -> Val<'_> {
        let (ws, c) = (self.ws, self.c);
        let contact = &ws.contacts[c.contact];
        let s = |x: &str| Val::Str(Some(Cow::Owned(x.to_string())));
        match field {
            "id" => Val::Int(Some(c.id as i64)),
            "created_at" => Val::Int(Some(c.created_at)),
            "updated_at" => Val::Int(Some(c.updated_at)),
            "waiting_since" => Val::Int(c.waiting_since),
            "snoozed_until" => Val::Int(c.snoozed_until),
            "admin_assignee_id" => Val::Int(Some(c.admin.map(|a| ws.admins[a].id as i64).unwrap_or(0))),
            "team_assignee_id" => Val::Int(Some(c.team.map(|t| ws.teams[t].id as i64).unwrap_or(0))),
            "state" => Val::Str(Some(Cow::Borrowed(c.state.as_str()))),
            "priority" => Val::Str(Some(Cow::Borrowed(PRIORITIES[c.priority]))),
            "open" => Val::Bool(c.state != ConvState::Closed),
            "read" => Val::Bool(c.read),
            "ai_agent_participated" => Val::Bool(false),
            "tag_ids" => Val::List(c.tags.iter().map(|t| ws.tags[t.0].id.to_string()).collect()),
            "contact_ids" => Val::List(vec![contact.id.clone()]),
            "teammate_ids" => Val::List(
                c.parts
                    .iter()
                    .filter_map(|p| match p.author {
                        Author::Admin(a) => Some(ws.admins[a].id.to_string()),
                        Author::Contact => None,
                    })
                    .collect(),
            ),
            "source.body" => Val::Text(&c.body_plain),
            "source.subject" => Val::Str(Some(Cow::Borrowed(&c.subject))),
            "source.author.email" => Val::Str(Some(Cow::Borrowed(&contact.email))),
            "source.author.name" => Val::Str(contact.name.as_deref().map(Cow::Borrowed)),
            "source.author.id" => Val::Str(Some(Cow::Borrowed(&contact.id))),
            "source.author.type" => Val::Str(Some(Cow::Borrowed(contact.role))),
            "source.delivered_as" => s("customer_initiated"),
            "source.type" => s("conversation"),
            "source.id" => Val::Str(Some(Cow::Owned(c.source_id.to_string()))),
            "channel_initiated" => s("chat"),
            "statistics.count_conversation_parts" => Val::Int(Some(c.parts.len() as i64 + 1)),
            _ => Val::Int(None),
        }
    }
}

pub struct ContactRow<'a> {
    pub ws: &'a Workspace,
    pub c: &'a Contact,
}

impl Row for ContactRow<'_> {
    fn get(&self, field: &str) -> Val<'_> {
        let (ws, c) = (self.ws, self.c);
        let b = |x: &'_ str| Val::Str(Some(Cow::Owned(x.to_string())));
        let city = super::textgen::CITIES[c.city];
        match field {
            "id" => Val::Str(Some(Cow::Borrowed(&c.id))),
            "email" => Val::Str(Some(Cow::Borrowed(&c.email))),
            "name" => Val::Str(c.name.as_deref().map(Cow::Borrowed)),
            "role" => b(c.role),
            "external_id" => Val::Str(c.external_id.as_deref().map(Cow::Borrowed)),
            "email_domain" => b(c.email.split('@').nth(1).unwrap_or("")),
            "phone" => Val::Str(c.phone.as_deref().map(Cow::Borrowed)),
            "owner_id" => Val::Str(c.owner.map(|a| Cow::Owned(ws.admins[a].id.to_string()))),
            "location.country" => b(city.0),
            "location.region" => b(city.1),
            "location.city" => b(city.2),
            "browser" => b(c.browser),
            "custom_attributes.plan" => b(c.plan),
            "custom_attributes.seats" => Val::Int(Some(c.seats as i64)),
            "created_at" => Val::Int(Some(c.created_at)),
            "updated_at" => Val::Int(Some(c.updated_at)),
            "signed_up_at" => Val::Int(c.signed_up_at),
            "last_seen_at" => Val::Int(c.last_seen_at),
            "tag_id" => Val::List(c.tags.iter().map(|t| ws.tags[t.0].id.to_string()).collect()),
            _ => Val::Int(None),
        }
    }
}
