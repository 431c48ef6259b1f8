//! Value rules: what counts as a valid section id, slug, language tag, URL
//! or text character, and the identifier derived when none is given.
//!
//! Pure functions, shared by the manifest and Markdown loaders, so one rule
//! holds everywhere (an id valid in TOML is valid in a Markdown link).

use crate::model::Date;

/// Characters no text may hold: the C0 controls XML 1.0 forbids (all but tab,
/// newline and carriage return) and the Unicode noncharacters.
pub fn is_forbidden_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}') || is_noncharacter(c)
}

/// A Unicode noncharacter (U+FDD0–U+FDEF, and the last two code points of
/// every plane, U+FFFE … U+10FFFF): never text, and no font has a glyph for it.
pub fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{fdd0}'..='\u{fdef}') || (u32::from(c) & 0xfffe) == 0xfffe
}

/// An http(s) URL with a host, normalised and percent-encoded (so `"`, `<`
/// or spaces in it can never make an invalid link), or `None`.
pub fn web_url(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then(|| url.to_string())
}

/// A `mailto:` URL with an address, normalised, or `None`.
pub fn mailto_url(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    (url.scheme() == "mailto" && !url.path().is_empty()).then(|| url.to_string())
}

/// Section ids must be valid XML ids and typst labels; `bp-` is ours.
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !id.starts_with("bp-")
}

/// An ASCII slug of a title, or `None` when nothing usable is left.
pub fn slug(title: &str) -> Option<String> {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    let out = if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("s-{out}")
    } else {
        out
    };
    (!out.is_empty() && is_valid_id(&out)).then_some(out)
}

/// A well-formed BCP 47 language tag (`en`, `en-GB`, `zh-Hant-TW`,
/// `de-CH-1996`), as ICU4X parses it, so every tag the loader accepts is one
/// the language layer can read.
pub fn is_language_tag(tag: &str) -> bool {
    icu_locale_core::Locale::try_from_str(tag).is_ok()
}

/// A stable `urn:uuid:` derived from title, publisher, date and language: a
/// UUID of version 8 (RFC 9562, custom) whose bits are the first 16 bytes of
/// a BLAKE3 hash over them, so the same publication keeps its identifier and
/// its editions in other languages, often with the same title, get their
/// own (reading systems take equal identifiers for one book). English, the
/// default, is left out of the hash, so identifiers derived before the
/// language counted stay as they were for English publications.
pub fn derived_identifier(
    title: &str,
    publisher: Option<&str>,
    date: Date,
    language: &str,
) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in [title, publisher.unwrap_or(""), &date.to_string()] {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    if !language.eq_ignore_ascii_case("en") {
        hasher.update(b"language\0");
        hasher.update(language.to_ascii_lowercase().as_bytes());
        hasher.update(&[0]);
    }
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hasher.finalize().as_bytes()[..16]);
    uuid::Uuid::new_v8(bytes).urn().to_string()
}

#[cfg(test)]
mod tests {

    #[test]
    fn noncharacters_are_forbidden_in_every_plane_other_private_use_is_not() {
        for c in [
            '\u{fdd0}',
            '\u{fdef}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            '\u{10ffff}',
            '\u{1}',
        ] {
            assert!(is_forbidden_char(c), "{c:?}");
        }
        for c in ['\t', '\n', '\u{fdcf}', '\u{fff0}', '\u{10fffd}', 'é'] {
            assert!(!is_forbidden_char(c), "{c:?}");
        }
    }

    use super::*;

    #[test]
    fn slugs_are_valid_ids() {
        assert_eq!(
            slug("A changing threat!").as_deref(),
            Some("a-changing-threat")
        );
        assert_eq!(slug("2021 in review").as_deref(), Some("s-2021-in-review"));
        assert_eq!(slug("Überblick"), Some("berblick".into()));
        assert_eq!(slug("日本"), None);
    }

    #[test]
    fn derived_identifier_is_stable_and_shaped_like_a_uuid() {
        let date = Date {
            year: 2021,
            month: 10,
            day: 19,
        };
        let a = derived_identifier("T", Some("P"), date, "en");
        assert_eq!(a, derived_identifier("T", Some("P"), date, "EN"));
        assert_ne!(a, derived_identifier("T2", Some("P"), date, "en"));
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        // What English publications got before the language counted.
        assert_eq!(a, "urn:uuid:8caa864e-9a10-8dab-a884-cfd850f7c792");
        // Editions in other languages differ from it and from each other.
        let de = derived_identifier("T", Some("P"), date, "de");
        assert_ne!(de, a);
        assert_ne!(de, derived_identifier("T", Some("P"), date, "de-CH"));
        assert_eq!(de, derived_identifier("T", Some("P"), date, "DE"));
    }

    #[test]
    fn language_tags_are_parsed_as_bcp_47() {
        for tag in [
            "en",
            "en-GB",
            "fr",
            "zh-Hant-TW",
            "de-CH-1996",
            "sr-Latn",
            "es-419",
        ] {
            assert!(is_language_tag(tag), "{tag}");
        }
        for tag in [
            "",
            "english please",
            "e",
            "en_GB",
            "en-",
            "en-GB-",
            "12",
            "en-ABCDEFGHI",
        ] {
            assert!(!is_language_tag(tag), "{tag}");
        }
    }

    #[test]
    fn only_web_urls_are_accepted() {
        assert_eq!(
            web_url("https://example.org/x").as_deref(),
            Some("https://example.org/x")
        );
        assert_eq!(
            web_url("https://example.org/a\"on=\"x<b>").as_deref(),
            Some("https://example.org/a%22on=%22x%3Cb%3E")
        );
        assert_eq!(web_url("javascript:alert(1)"), None);
        assert_eq!(web_url("file:///etc/passwd"), None);
        assert_eq!(web_url("https://"), None);
        assert_eq!(
            mailto_url("mailto:a@example.org").as_deref(),
            Some("mailto:a@example.org")
        );
    }
}
