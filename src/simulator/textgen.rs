//! Real-looking support text from phrase templates: names, emails, opening messages, replies and notes.
//!
//! Every function is a pure function of an RNG, so text can be regenerated lazily from
//! (seed, conversation, part index) instead of being stored.

use fastrand::Rng;

pub const FIRST_NAMES: &[&str] = &[
    "Joe", "Maria", "Ciaran", "Aisha", "Liam", "Sofia", "Noah", "Emma", "Yuki", "Omar", "Priya", "Lucas",
    "Chloe", "Mateo", "Hannah", "Ravi", "Elena", "Jonas", "Fatima", "Oscar", "Ines", "Tomas", "Grace",
    "Kenji", "Amara", "Felix", "Nora", "Diego", "Leah", "Samuel",
];
pub const LAST_NAMES: &[&str] = &[
    "Bloggs",
    "Garcia",
    "Lee",
    "Khan",
    "Murphy",
    "Rossi",
    "Smith",
    "Novak",
    "Tanaka",
    "Haddad",
    "Patel",
    "Silva",
    "Martin",
    "Lopez",
    "Weber",
    "Iyer",
    "Petrova",
    "Berg",
    "Ali",
    "Nilsson",
    "Costa",
    "Kowalski",
    "Brown",
    "Sato",
    "Okafor",
    "Meyer",
    "Dubois",
    "Fernandez",
    "Cohen",
    "Walsh",
];
pub const DOMAINS: &[&str] = &[
    "example.com",
    "acme.io",
    "globex.net",
    "initech.com",
    "umbrella.co",
    "hooli.com",
    "stark.dev",
    "wayne.org",
    "piedpiper.io",
    "vandelay.com",
];
pub const TAG_NAMES: &[&str] = &[
    "billing",
    "refund",
    "login",
    "bug",
    "shipping",
    "cancellation",
    "feature-request",
    "vip",
    "urgent",
    "api",
    "mobile",
    "onboarding",
    "invoice",
    "security",
    "integration",
    "churn-risk",
    "enterprise",
    "trial",
    "feedback",
    "escalated",
];
pub const TEAM_NAMES: &[&str] = &[
    "Support",
    "Billing",
    "Engineering",
    "Success",
    "Sales",
    "Trust & Safety",
    "Logistics",
    "Onboarding",
];
pub const CITIES: &[(&str, &str, &str, &str, &str)] = &[
    ("Ireland", "Dublin", "Dublin", "IRL", "EU"),
    ("United States", "California", "San Francisco", "USA", "NA"),
    ("United States", "New York", "New York", "USA", "NA"),
    ("Germany", "Berlin", "Berlin", "DEU", "EU"),
    ("France", "Ile-de-France", "Paris", "FRA", "EU"),
    ("Japan", "Tokyo", "Tokyo", "JPN", "AS"),
    ("Brazil", "Sao Paulo", "Sao Paulo", "BRA", "SA"),
    ("India", "Karnataka", "Bangalore", "IND", "AS"),
    ("Australia", "New South Wales", "Sydney", "AUS", "OC"),
    ("United Kingdom", "England", "London", "GBR", "EU"),
];

/// A support topic: the subject, opening lines and follow-ups a customer writes, and what an agent answers.
struct Topic {
    tag: &'static str,
    subjects: &'static [&'static str],
    openers: &'static [&'static str],
    followups: &'static [&'static str],
    replies: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        tag: "billing",
        subjects: &["Charged twice", "Question about my invoice", "Billing issue"],
        openers: &[
            "I was charged twice for my <b>Pro plan</b> this month.",
            "My invoice shows the wrong amount &amp; the VAT number is missing.",
            "Why did my card get billed before the trial ended?",
            "The billing page says my payment failed but the bank says it went through.",
        ],
        followups: &[
            "The invoice number is INV-{n}.",
            "Can you send me a corrected invoice please?",
            "I checked again and there are still two charges.",
        ],
        replies: &[
            "Sorry about that, I&rsquo;ve refunded the duplicate charge. It can take 5&ndash;10 days to show up.",
            "I&#8217;ve updated the VAT number on your account &amp; re-issued the invoice &mdash; sorry&hellip;",
            "Thanks for your patience, our billing team is looking into the payment.",
        ],
    },
    Topic {
        tag: "refund",
        subjects: &["Refund request", "Money back please", "Refund for order {n}"],
        openers: &[
            "I'd like a refund for order #{n}, the item arrived damaged.",
            "Please refund my annual subscription, I only needed it for a month.",
            "I cancelled within 14 days, when will I get my refund?",
        ],
        followups: &[
            "Any update on the refund?",
            "I've attached photos of the damage.",
            "It has been a week now.",
        ],
        replies: &[
            "I've processed a full refund to your original payment method.",
            "Refunds are issued within 5&nbsp;business days (&euro;, &#x24;, &pound;&hellip;). I&apos;ll keep an eye on it.",
            "Could you confirm the order number so I can start the refund?",
        ],
    },
    Topic {
        tag: "login",
        subjects: &["Can't log in", "Password reset not working", "Locked out"],
        openers: &[
            "I can't log in, the password reset email never arrives.",
            "Two-factor authentication codes are rejected every time.",
            "I get an error &ldquo;session expired&rdquo; right after I log in.",
        ],
        followups: &[
            "I tried a different browser, same problem.",
            "Still locked out.",
            "My username is the same as my email.",
        ],
        replies: &[
            "I've sent a new password reset link, please check your spam folder too.",
            "I reset your two-factor settings, you can log in and set it up again.",
            "Clearing cookies should fix the expired session error, let me know.",
        ],
    },
    Topic {
        tag: "bug",
        subjects: &["Something is broken", "Export crashes", "Bug report"],
        openers: &[
            "The CSV export crashes when I select more than 1000 rows.",
            "The dashboard chart shows no data since yesterday's update.",
            "Clicking <a href=\"https://app.example.com/settings\">settings</a> gives a blank page.",
        ],
        followups: &[
            "Here is the error code: E{n}.",
            "It happens on Chrome and Firefox.",
            "Any workaround?",
        ],
        replies: &[
            "Thanks for the report, I've reproduced it and filed it with engineering.",
            "Our engineers shipped a fix, could you try again?",
            "As a workaround you can export in smaller batches.",
        ],
    },
    Topic {
        tag: "shipping",
        subjects: &["Where is my order?", "Shipping delay", "Wrong address"],
        openers: &[
            "My order #{n} hasn't arrived and tracking hasn't updated in a week.",
            "I entered the wrong shipping address, can you change it?",
            "The parcel was delivered to the wrong house.",
        ],
        followups: &[
            "The tracking number is TR{n}.",
            "Any news from the courier?",
            "I need it before Friday.",
        ],
        replies: &[
            "I've contacted the courier and they'll redeliver tomorrow.",
            "I updated the shipping address before the order shipped.",
            "I've sent a replacement with express shipping at no cost.",
        ],
    },
    Topic {
        tag: "cancellation",
        subjects: &["Cancel my subscription", "How do I cancel?", "Cancellation"],
        openers: &[
            "Please cancel my subscription at the end of this billing period.",
            "How do I cancel my account and delete my data?",
            "We're moving to another tool and need to cancel our team plan.",
        ],
        followups: &[
            "Please confirm the cancellation.",
            "Will I lose my data?",
            "Thanks, that's all.",
        ],
        replies: &[
            "Your subscription is cancelled and won't renew.",
            "I've scheduled the account deletion, you'll get a confirmation email.",
            "Sorry to see you go! Could you tell us why you're cancelling?",
        ],
    },
    Topic {
        tag: "feature-request",
        subjects: &["Feature request", "Suggestion", "Would love dark mode"],
        openers: &[
            "It would be great to have a dark mode in the mobile app.",
            "Can you add an API endpoint to bulk update records?",
            "Please support SSO with Okta for our enterprise plan.",
        ],
        followups: &[
            "Our whole team would use it.",
            "Is this on the roadmap?",
            "Happy to beta test it.",
        ],
        replies: &[
            "Great idea, I've passed it to our product team.",
            "That's on our roadmap for next quarter.",
            "Thanks for the feedback, I've added your vote to the feature request.",
        ],
    },
    Topic {
        tag: "integration",
        subjects: &["Slack integration", "Webhook failures", "API rate limits"],
        openers: &[
            "Our webhook endpoint stopped receiving events this morning.",
            "The Slack integration posts duplicate messages.",
            "We're hitting API rate limits during our nightly import.",
        ],
        followups: &[
            "Our endpoint returns 200 within 2 seconds.",
            "It started after we reconnected.",
            "Can the limit be raised?",
        ],
        replies: &[
            "Webhooks were paused after repeated timeouts, I've re-enabled them.",
            "Reconnecting the Slack app from settings should remove the duplicates.",
            "I've raised your API limit, please add backoff on 429 responses.",
        ],
    },
];

const GREETINGS: &[&str] = &["Hi", "Hello", "Hey there", "Good morning", "Hi team"];
const SIGNOFFS: &[&str] = &[
    "Thanks!",
    "Thank you.",
    "Cheers",
    "Best regards",
    "Thanks in advance",
];
const NOTES: &[&str] = &[
    "Customer is on the enterprise plan, handle with care.",
    "Checked Stripe: two charges confirmed.",
    "Looks like the known issue from last week.",
    "Escalating to tier 2.",
    "VIP customer, reply within the hour.",
];

/// Number of topics (conversations store a topic index).
pub fn topic_count() -> usize {
    TOPICS.len()
}

/// The tag name most related to a topic.
pub fn topic_tag(topic: usize) -> &'static str {
    TOPICS[topic % TOPICS.len()].tag
}

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.usize(..xs.len())]
}

fn fill(rng: &mut Rng, s: &str) -> String {
    s.replace("{n}", &rng.u32(10_000..99_999).to_string())
}

/// The conversation subject (plain text, may be empty as Intercom often has for chats).
pub fn subject(rng: &mut Rng, topic: usize) -> String {
    if rng.u8(..4) == 0 {
        return String::new();
    }
    let s = pick(rng, TOPICS[topic % TOPICS.len()].subjects);
    fill(rng, s)
}

/// The opening customer message (HTML).
pub fn opener(rng: &mut Rng, topic: usize, first_name: &str) -> String {
    let t = &TOPICS[topic % TOPICS.len()];
    let g = pick(rng, GREETINGS);
    let o = pick(rng, t.openers);
    let o = fill(rng, o);
    let s = pick(rng, SIGNOFFS);
    format!("<p>{g},</p><p>{o}</p><p>{s}<br>{first_name}</p>")
}

/// A customer follow-up (HTML).
pub fn followup(rng: &mut Rng, topic: usize) -> String {
    let f = pick(rng, TOPICS[topic % TOPICS.len()].followups);
    format!("<p>{}</p>", fill(rng, f))
}

/// An agent reply (HTML).
pub fn reply(rng: &mut Rng, topic: usize, customer_first: &str, admin_first: &str) -> String {
    let r = pick(rng, TOPICS[topic % TOPICS.len()].replies);
    format!("<p>Hi {customer_first},</p><p>{r}</p><p>{admin_first}</p>")
}

/// An internal note (HTML).
pub fn note(rng: &mut Rng) -> String {
    format!("<p>{}</p>", pick(rng, NOTES))
}

/// Lower-case words of a plain text, for tokenised `=` on `source.body`.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_deterministic_and_html() {
        let a = opener(&mut Rng::with_seed(7), 0, "Joe");
        let b = opener(&mut Rng::with_seed(7), 0, "Joe");
        assert_eq!(a, b);
        assert!(a.starts_with("<p>"));
        assert!(words("I need support, now!").any(|w| w == "support"));
    }
}
