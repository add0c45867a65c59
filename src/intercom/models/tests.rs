//! Model parsing against payloads shaped like Intercom's (notes §11), plus the quirks of §10.

use super::*;
use serde_json::json;

fn conversation_json() -> Value {
    json!({
      "type": "conversation", "id": "215469031447", "title": null,
      "created_at": 1734537000, "updated_at": 1734541207, "waiting_since": null, "snoozed_until": null,
      "open": false, "state": "closed", "read": true, "priority": "none",
      "admin_assignee_id": 991267715, "team_assignee_id": 0,
      "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": "102", "name": "billing", "applied_at": 1734537100,
               "applied_by": {"type": "admin", "id": "991267715"}}]},
      "conversation_rating": null,
      "source": {"type": "conversation", "id": "403918320", "delivered_as": "customer_initiated", "subject": "",
                 "body": "<p>I was charged twice this month.</p>",
                 "author": {"type": "user", "id": "6762f0d01bb69f9f2193bb7d", "name": "Joe Bloggs", "email": "joe@bloggs.com"},
                 "attachments": [], "url": "https://example.com/billing", "redacted": false},
      "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "6762f0d01bb69f9f2193bb7d", "external_id": "70"}]},
      "custom_attributes": {"Plan": "pro"},
      "statistics": {"type": "conversation_statistics", "last_closed_by_id": 991267715, "count_conversation_parts": 3},
      "some_future_field": {"nested": [1, 2, 3]},
      "conversation_parts": {"type": "conversation_part.list", "total_count": 2, "conversation_parts": [
        {"type": "conversation_part", "id": "31415926001", "part_type": "comment",
         "body": "<p>Sorry about that, I've refunded the duplicate charge.</p>",
         "created_at": 1734540540, "updated_at": 1734540540, "notified_at": 1734540540, "assigned_to": null,
         "author": {"type": "admin", "id": "991267715", "name": "Ciaran Lee", "email": "ciaran@example.com"},
         "attachments": [], "external_id": null, "redacted": false, "state": "open", "tags": []},
        {"type": "conversation_part", "id": 31415926002_i64, "part_type": "assignment", "body": null,
         "created_at": 1734541207, "updated_at": 1734541207, "assigned_to": {"type": "team", "id": 5017691},
         "author": {"type": "admin", "id": 991267715, "name": null, "email": null},
         "redacted": null, "state": "closed"}]}
    })
}

#[test]
fn conversation_with_parts() {
    let c = Conversation::from_raw(conversation_json()).unwrap();
    assert_eq!(c.id, "215469031447");
    assert_eq!(c.title, None);
    assert_eq!(c.updated_at, Some(1734541207));
    assert!(!c.open && c.read);
    assert_eq!(c.state.as_deref(), Some("closed"));
    assert_eq!(c.admin_assignee_id.as_deref(), Some("991267715"));
    assert_eq!(c.team_assignee_id, None, "0 means unassigned");
    assert_eq!(
        c.tags,
        vec![TagRef {
            id: "102".into(),
            name: "billing".into()
        }]
    );
    assert_eq!(c.contacts[0].external_id.as_deref(), Some("70"));
    let src = c.source.as_ref().unwrap();
    assert_eq!(
        src.author.as_ref().unwrap().email.as_deref(),
        Some("joe@bloggs.com")
    );
    assert_eq!(src.r#type.as_deref(), Some("conversation"));
    assert_eq!(c.parts.len(), 2);
    assert_eq!(c.parts_total_count, Some(2));
    assert_eq!(c.parts[1].id, "31415926002", "numeric part ids become strings");
    assert_eq!(c.parts[1].assigned_to.as_deref(), Some("5017691"));
    assert_eq!(
        c.parts[1].author.as_ref().unwrap().id.as_deref(),
        Some("991267715")
    );
    assert!(!c.parts[1].redacted, "null bool is false");
    assert!(
        c.raw.get("conversation_parts").is_none(),
        "raw excludes the parts"
    );
    assert_eq!(
        c.raw["some_future_field"]["nested"][2], 3,
        "unknown fields survive in raw"
    );
    assert_eq!(c.statistics.as_ref().unwrap()["count_conversation_parts"], 3);
}

#[test]
fn list_item_with_nulls_everywhere() {
    let c = Conversation::from_raw(json!({
        "type": "conversation", "id": 42, "created_at": "1734537000", "updated_at": null,
        "open": null, "read": null, "admin_assignee_id": null, "team_assignee_id": "0",
        "tags": null, "contacts": null, "statistics": null, "source": null, "priority": null
    }))
    .unwrap();
    assert_eq!(c.id, "42");
    assert_eq!(c.created_at, Some(1734537000), "numeric string timestamps parse");
    assert_eq!(c.updated_at, None);
    assert!(c.tags.is_empty() && c.contacts.is_empty() && c.parts.is_empty());
    assert_eq!(c.statistics, None);
    assert_eq!(c.parts_total_count, None);
    assert_eq!(c.team_assignee_id, None);
}

#[test]
fn contact_tags_from_the_addressable_list() {
    let c = Contact::from_raw(json!({
        "type": "contact", "id": "6762f0d01bb69f9f2193bb7d", "external_id": "70", "role": "user",
        "email": "joe@bloggs.com", "phone": null, "name": "Joe Bloggs", "owner_id": 991267715,
        "created_at": 1734000000, "updated_at": 1734541207, "last_seen_at": null,
        "tags": {"type": "list", "data": [{"type": "tag", "id": "102", "url": "/tags/102"}, {"type": "tag", "id": 7}],
                 "url": "/contacts/x/tags", "total_count": 12, "has_more": true},
        "location": {"type": "location", "country": "Ireland"}
    }))
    .unwrap();
    assert_eq!(c.tags, vec!["102".to_string(), "7".to_string()]);
    assert!(c.tags_has_more);
    assert_eq!(
        c.owner_id.as_deref(),
        Some("991267715"),
        "2.15 numeric owner ids are accepted"
    );
    assert_eq!(c.last_seen_at, None);
    assert_eq!(c.raw["location"]["country"], "Ireland");
}

#[test]
fn admin_team_me() {
    let a = Admin::from_raw(json!({"type": "admin", "id": "991267715", "name": "Ciaran Lee", "email": "ciaran@example.com",
        "job_title": "Support", "away_mode_enabled": false, "away_mode_reassign": false, "away_status_reason_id": null,
        "has_inbox_seat": true, "team_ids": [5017691], "avatar": null,
        "team_priority_level": {"primary_team_ids": [5017691], "secondary_team_ids": null}}))
    .unwrap();
    assert_eq!(a.team_ids, vec!["5017691".to_string()]);
    assert!(a.has_inbox_seat);
    let t = Team::from_raw(
        json!({"type": "team", "id": "5017691", "name": "Billing", "admin_ids": [991267715, "12"]}),
    )
    .unwrap();
    assert_eq!(t.admin_ids, vec!["991267715".to_string(), "12".to_string()]);
    let t = Team::from_raw(json!({"type": "team", "id": 1, "name": null, "admin_ids": null})).unwrap();
    assert!(t.admin_ids.is_empty());
    let me: Me = serde_json::from_value(json!({"type": "admin", "id": 1, "name": "Me", "email": "me@x",
        "app": {"type": "app", "id_code": "ecahpwf5", "name": "ACME", "region": "EU", "timezone": "Europe/Dublin",
                "secure": false}}))
    .unwrap();
    assert_eq!(me.id, "1");
    assert_eq!(me.app.unwrap().timezone.as_deref(), Some("Europe/Dublin"));
}

#[test]
fn a_wrong_type_is_an_error_not_a_panic() {
    assert!(Conversation::from_raw(json!({"id": {"nested": true}})).is_err());
    assert!(Conversation::from_raw(json!([1, 2])).is_err());
}
