//! The simulator's own HTML-to-text reading, for `display_as=plaintext` and for matching `source.body` in
//! searches. It is deliberately independent of `crate::text` (which the sync uses), so that tests comparing
//! the two catch the sync's mistakes instead of sharing them. It only needs to read the HTML the simulator
//! generates (`textgen`): `<p>`, `<br>`, `<b>`, `<a href>` and the entities listed in [`ENTITIES`].

/// Every named entity `textgen` writes, with its character.
pub const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", ' '),
    ("rsquo", '\u{2019}'),
    ("lsquo", '\u{2018}'),
    ("ldquo", '\u{201c}'),
    ("rdquo", '\u{201d}'),
    ("mdash", '\u{2014}'),
    ("ndash", '\u{2013}'),
    ("hellip", '\u{2026}'),
    ("eacute", '\u{e9}'),
    ("euro", '\u{20ac}'),
    ("pound", '\u{a3}'),
];

/// Plain text of generated HTML: paragraphs and `<br>` are lines, other tags vanish, entities decoded,
/// blank lines dropped and lines trimmed.
pub fn html_to_plain(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or("");
                if matches!(name.to_ascii_lowercase().as_str(), "p" | "br" | "div" | "li") {
                    text.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => text.push(c),
        }
    }
    let decoded = decode(&text);
    decoded
        .split('\n')
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replace `&name;`, `&#N;` and `&#xH;` (only those in [`ENTITIES`] or valid numbers; others stay).
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut parts = s.split('&');
    out.push_str(parts.next().unwrap_or(""));
    for part in parts {
        let decoded = part.split_once(';').and_then(|(name, tail)| {
            let c = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
            } else if let Some(dec) = name.strip_prefix('#') {
                char::from_u32(dec.parse().ok()?)?
            } else {
                ENTITIES.iter().find(|(n, _)| *n == name)?.1
            };
            Some((c, tail))
        });
        match decoded {
            Some((c, tail)) => {
                out.push(c);
                out.push_str(tail);
            }
            None => {
                out.push('&');
                out.push_str(part);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_generated_html() {
        assert_eq!(
            html_to_plain(
                "<p>Hi Ann,</p><p>It&rsquo;s fixed &mdash; 5&ndash;10 days&hellip; &#8364;3 &#x41;</p><p>Bo<br>Al</p>"
            ),
            "Hi Ann,\nIt\u{2019}s fixed \u{2014} 5\u{2013}10 days\u{2026} \u{20ac}3 A\nBo\nAl"
        );
        assert_eq!(html_to_plain("a &amp; b &unknown; c"), "a & b &unknown; c");
    }

    #[test]
    fn every_entity_the_generator_writes_is_known() {
        let mut rng = fastrand::Rng::with_seed(5);
        for i in 0..2000 {
            let html = match i % 3 {
                0 => super::super::textgen::opener(&mut rng, i, "Ann"),
                1 => super::super::textgen::reply(&mut rng, i, "Ann", "Bo"),
                _ => super::super::textgen::followup(&mut rng, i),
            };
            let text = html_to_plain(&html);
            for piece in text.split('&').skip(1) {
                let name = piece.split(';').next().unwrap_or("");
                assert!(
                    !piece.contains(';') || name.contains(' ') || name.is_empty(),
                    "undecoded entity &{name}; in {html}"
                );
            }
        }
    }
}
