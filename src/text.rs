//! HTML to readable plain text, for the FTS index and for answers.

/// Strip tags, turn block tags into line breaks, decode the common entities, collapse blank runs.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut chars = html.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '<' => {
                let end = html[i..].find('>').map(|e| i + e);
                let Some(end) = end else {
                    out.push_str(&html[i..]);
                    break;
                };
                let tag = html[i + 1..end].trim_start_matches('/').to_ascii_lowercase();
                let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                if matches!(
                    name.as_str(),
                    "p" | "br" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "blockquote"
                ) && !out.ends_with('\n')
                    && !out.is_empty()
                {
                    out.push('\n');
                }
                while let Some(&(j, _)) = chars.peek() {
                    if j > end {
                        break;
                    }
                    chars.next();
                }
            }
            '&' => {
                let rest = &html[i..];
                let semi = rest.find(';').filter(|&n| n <= 10);
                let decoded = semi.and_then(|n| decode_entity(&rest[1..n]));
                match (semi, decoded) {
                    (Some(n), Some(d)) => {
                        out.push(d);
                        for _ in 0..n {
                            chars.next();
                        }
                    }
                    _ => out.push('&'),
                }
            }
            _ => out.push(c),
        }
    }
    let lines: Vec<&str> = out.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    lines.join("\n")
}

fn decode_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" | "#39" => '\'',
        "nbsp" => ' ',
        _ if name.starts_with("#x") => char::from_u32(u32::from_str_radix(&name[2..], 16).ok()?)?,
        _ if name.starts_with('#') => char::from_u32(name[1..].parse().ok()?)?,
        _ => return None,
    })
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
    }

    #[test]
    fn snippet_cuts_on_chars() {
        assert_eq!(snippet("héllo   world", 5), "héllo…");
        assert_eq!(snippet("short", 50), "short");
    }
}
