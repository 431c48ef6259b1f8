//! Bare web addresses in running text become links, as people expect from
//! Markdown (GitHub's "extended autolinks").
//!
//! `https://…` and `http://…` addresses, and `www.…` ones (linked as
//! `https://www.…`), found by the `linkify` crate, which knows where an
//! address ends (trailing punctuation, balanced parentheses). The link text
//! stays the address as written. Only [`Inline::Text`] is looked at, so code
//! and existing links are never touched; the converter also skips text
//! inside a link or an image description.

use linkify::{LinkFinder, LinkKind};

use crate::load::values::web_url;
use crate::model::{Inline, LinkTarget};

/// `inlines` with every bare web address in their text turned into a link.
pub(super) fn linkify(inlines: Vec<Inline>) -> Vec<Inline> {
    if !inlines
        .iter()
        .any(|i| matches!(i, Inline::Text(t) if may_hold_address(t)))
    {
        return inlines;
    }
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]).url_must_have_scheme(false);
    let mut out = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Text(text) if may_hold_address(&text) => split(&finder, &text, &mut out),
            other => out.push(other),
        }
    }
    out
}

/// A cheap test that skips the finder for text without `://` or `www.`.
fn may_hold_address(text: &str) -> bool {
    text.contains("://")
        || text
            .as_bytes()
            .windows(4)
            .any(|w| w.eq_ignore_ascii_case(b"www."))
}

/// Pushes `text` as text and links onto `out`.
fn split(finder: &LinkFinder, text: &str, out: &mut Vec<Inline>) {
    let mut last = 0;
    for link in finder.links(text) {
        let Some(url) = target(link.as_str()) else {
            continue;
        };
        if link.start() > last {
            out.push(Inline::Text(text[last..link.start()].to_string()));
        }
        out.push(Inline::Link {
            target: LinkTarget::External(url),
            content: vec![Inline::Text(link.as_str().to_string())],
        });
        last = link.end();
    }
    if last < text.len() {
        out.push(Inline::Text(text[last..].to_string()));
    }
}

/// The URL a found address links to: web addresses only (`example.org` or
/// `ftp://…` stay text).
fn target(found: &str) -> Option<String> {
    if found.contains("://") {
        web_url(found)
    } else if found
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("www."))
    {
        web_url(&format!("https://{found}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(inlines: &[Inline]) -> Vec<String> {
        inlines
            .iter()
            .map(|i| match i {
                Inline::Text(t) => format!("text {t:?}"),
                Inline::Link {
                    target: LinkTarget::External(url),
                    content,
                } => format!("link {url} {:?}", Inline::plain_text(content)),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn addresses_end_before_trailing_punctuation() {
        let out = linkify(vec![Inline::Text(
            "See https://example.org/a_(b), or www.example.org. Not example.org, ftp://x.org or e@x.org."
                .into(),
        )]);
        assert_eq!(
            texts(&out),
            [
                "text \"See \"",
                "link https://example.org/a_(b) \"https://example.org/a_(b)\"",
                "text \", or \"",
                "link https://www.example.org/ \"www.example.org\"",
                "text \". Not example.org, ftp://x.org or e@x.org.\"",
            ]
        );
    }

    #[test]
    fn text_without_addresses_is_returned_as_is() {
        let inlines = vec![Inline::Text("no address here".into()), Inline::SoftBreak];
        assert_eq!(linkify(inlines.clone()), inlines);
    }
}
