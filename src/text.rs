//! HTML to readable plain text, for the FTS index and for answers.
//!
//! One linear pass strips tags (block tags become line breaks); entities are then decoded by the
//! `html-escape` crate (every HTML5 named entity, decimal and hex references), which also works in one
//! pass. Tags are stripped before decoding, so an escaped `&lt;b&gt;` stays the text `<b>`.

/// Tags that end a line.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "table",
];

/// Strip tags, turn block tags into line breaks, decode entities, collapse blank runs. Linear in the
/// input, whatever it holds.
pub fn html_to_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        raw.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // No tag closes: the rest is text (a bare `<`), and nothing further can be a tag.
            raw.push_str(&rest[lt..]);
            rest = "";
            break;
        };
        let name = after[..gt].trim_start_matches('/');
        let name_len = name.bytes().take_while(u8::is_ascii_alphanumeric).count();
        let is_block = BLOCK_TAGS
            .iter()
            .any(|b| b.eq_ignore_ascii_case(&name[..name_len]));
        if is_block && !raw.is_empty() && !raw.ends_with('\n') {
            raw.push('\n');
        }
        rest = &after[gt + 1..];
    }
    raw.push_str(rest);
    let decoded = html_escape::decode_html_entities(&raw);
    let mut out = String::with_capacity(decoded.len());
    for line in decoded.lines() {
        // A no-break space is a space in plain text.
        let line = line.trim_matches(|c: char| c.is_whitespace());
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.extend(line.chars().map(|c| if c == '\u{a0}' { ' ' } else { c }));
    }
    out
}

/// Cut `s` to at most `max` characters on a char boundary, adding an ellipsis when cut.
pub fn snippet(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_decodes() {
        assert_eq!(
            html_to_text("<p>I was charged <b>twice</b> &amp; want a refund.</p><p>Thanks</p>"),
            "I was charged twice & want a refund.\nThanks"
        );
        assert_eq!(html_to_text("a &lt; b &#233; &unknown; <"), "a < b é &unknown; <");
        assert_eq!(html_to_text("&lt;b&gt;not a tag&lt;/b&gt;"), "<b>not a tag</b>");
    }

    #[test]
    fn decodes_the_entities_people_type() {
        assert_eq!(
            html_to_text(
                "It&rsquo;s here &mdash; almost&hellip; &ldquo;soon&rdquo; &euro;5&nbsp;&ndash;&nbsp;&#8217;&#x1F600;&#X41;"
            ),
            "It\u{2019}s here \u{2014} almost\u{2026} \u{201c}soon\u{201d} \u{20ac}5 \u{2013} \u{2019}\u{1F600}A"
        );
        assert_eq!(html_to_text("caf&eacute; &AMP; &copy;"), "caf\u{e9} & \u{a9}");
        assert_eq!(
            html_to_text("<P>One</P><DIV>Two</DIV><br/>Three"),
            "One\nTwo\nThree"
        );
    }

    #[test]
    fn hostile_bodies_take_linear_time() {
        let n = 400_000;
        let inputs = [
            "&".repeat(n),
            "&a".repeat(n),
            "&#".repeat(n),
            "<".repeat(n),
            "<a".repeat(n),
            format!("&{}", "x".repeat(n)),
            "<p>&amp;".repeat(n / 4),
        ];
        for input in &inputs {
            let start = std::time::Instant::now();
            let out = html_to_text(input);
            // Quadratic scans take minutes here; linear ones well under a second even unoptimised.
            assert!(
                start.elapsed() < std::time::Duration::from_secs(3),
                "{} bytes of {:?}... took {:?}",
                input.len(),
                &input[..8],
                start.elapsed()
            );
            assert!(out.len() <= input.len());
        }
    }

    #[test]
    fn snippet_cuts_on_chars() {
        assert_eq!(snippet("héllo   world", 5), "héllo…");
        assert_eq!(snippet("short", 50), "short");
    }
}
