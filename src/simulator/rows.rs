//! The simulated workspace's rows: admins, teams, tags, contacts, conversations and their parts, kept
//! compact (indexes into the workspace's vectors, not copies).

pub struct Admin {
    pub id: u64,
    pub id_str: String,
    pub name: String,
    pub email: String,
    pub job_title: &'static str,
    pub team_ids: Vec<u64>,
    pub away: bool,
}

pub struct Team {
    pub id: u64,
    pub name: String,
    pub admin_ids: Vec<u64>,
}

pub struct Tag {
    pub id: u64,
    pub name: String,
}

pub struct Contact {
    pub id: String,
    pub external_id: Option<String>,
    pub role: &'static str,
    pub name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub owner: Option<usize>,
    pub created_at: i64,
    pub updated_at: i64,
    pub signed_up_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub city: usize,
    pub plan: &'static str,
    pub seats: u32,
    /// (tag index, applied_at)
    pub tags: Vec<(usize, i64)>,
    pub browser: &'static str,
    /// Set when this contact was merged into another (index); it then answers 410.
    pub merged_into: Option<usize>,
    /// Unix time from which `/contacts/search` finds it (Intercom indexes new contacts late).
    pub searchable_at: i64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PartKind {
    Comment,
    Note,
    Assignment,
    Open,
    Close,
    Snoozed,
}

impl PartKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartKind::Comment => "comment",
            PartKind::Note => "note",
            PartKind::Assignment => "assignment",
            PartKind::Open => "open",
            PartKind::Close => "close",
            PartKind::Snoozed => "snoozed",
        }
    }
}

/// Who wrote a part: an admin (index) or the conversation's contact.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Author {
    Admin(usize),
    Contact,
}

#[derive(Clone, Copy, Debug)]
pub struct Part {
    pub id: u64,
    pub created_at: i64,
    pub kind: PartKind,
    pub author: Author,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConvState {
    Open,
    Closed,
    Snoozed,
}

impl ConvState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConvState::Open => "open",
            ConvState::Closed => "closed",
            ConvState::Snoozed => "snoozed",
        }
    }
}

/// How `statistics` appears on a conversation (Intercom quirk §10.13).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StatsMode {
    Full,
    Null,
    Missing,
}

pub const PRIORITIES: &[&str] = &["none", "low", "medium", "high", "urgent"];

pub struct Conv {
    pub id: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub topic: usize,
    pub contact: usize,
    pub state: ConvState,
    pub read: bool,
    pub priority: usize,
    pub admin: Option<usize>,
    pub team: Option<usize>,
    /// (tag index, applied_at, admin index)
    pub tags: Vec<(usize, i64, usize)>,
    pub subject: String,
    /// Opening message, HTML.
    pub body: String,
    /// The opening message as lower-case plain text, for `source.body` search.
    pub body_plain: String,
    pub parts: Vec<Part>,
    pub waiting_since: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub stats: StatsMode,
    pub rating: Option<u8>,
    pub text_seed: u64,
    pub source_id: u64,
}

impl Conv {
    pub fn last_admin_close(&self) -> Option<&Part> {
        self.parts.iter().rev().find(|p| p.kind == PartKind::Close)
    }
}
