//! `briefpress new SLUG`: adds a publication to the project.
//!
//! A blank file is where writers get stuck on syntax. `new` writes
//! `content/SLUG.toml` with every key of the format, the required ones filled
//! in (dated today) and the optional ones commented out with what they mean,
//! plus a first Markdown section in `content/SLUG/`, so the new publication
//! passes `briefpress check` before anyone has typed a word. Its first line
//! points editors at the project's JSON Schema (`briefpress.schema.json`,
//! written too when missing). Like `init`, it never overwrites a file.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{NewFiles, fail, schema};
use crate::diag::{Code, Diagnostic};

/// What `new` was asked for.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The publication's path under `content/`, without `.toml`: letters,
    /// digits, `-` and `_`, optionally in folders (`2025/annual-report`).
    pub slug: String,
    /// Its title; derived from the slug when absent.
    pub title: Option<String>,
}

/// Adds the publication; returns the exit code (2 for a bad slug or an existing file).
pub fn run(options: &NewOptions) -> u8 {
    let slug = options.slug.trim_end_matches(".toml");
    if let Err(why) = check_slug(slug) {
        return fail(
            Diagnostic::error(Code::Usage, format!("`{}` is not a usable slug: {why}", options.slug))
                .hint("use letters, digits, `-` and `_`, e.g. `annual-report-2025` or `2025/annual-report`"),
        );
    }
    let title = match &options.title {
        Some(title) if title.trim().is_empty() => {
            return fail(Diagnostic::error(Code::Usage, "--title is empty").hint(
                "give the publication a title, or leave --title out to derive one from the slug",
            ));
        }
        Some(title) => title.trim().to_string(),
        None => title_of(slug),
    };
    let name = slug.rsplit('/').next().unwrap_or(slug);
    let depth = slug.split('/').count();
    let mut files = NewFiles::under(".");
    files.add(
        Path::new("content").join(format!("{slug}.toml")),
        (schema::directive(depth) + &manifest(&title, name, slug, &today())).into_bytes(),
    );
    files.add(
        Path::new("content").join(slug).join("introduction.md"),
        INTRODUCTION.as_bytes(),
    );
    if !Path::new(schema::FILE).exists() {
        files.add(schema::FILE, schema::text().into_bytes());
    }
    let code = files.write();
    if code == crate::batch::exit::OK {
        super::say(&format!(
            "\nNext: edit content/{slug}.toml and content/{slug}/introduction.md, then\n\
             briefpress check content/{slug}.toml     # or build"
        ));
    }
    code
}

/// The first section's text.
const INTRODUCTION: &str = "\
Write the first section here, in Markdown. Add more sections to the TOML file,
each with its own `file` (or a `body` written in the TOML file itself).
";

/// Why `slug` cannot name a publication, if it cannot.
fn check_slug(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("it is empty".into());
    }
    for part in slug.split('/') {
        let mut chars = part.chars();
        match chars.next() {
            None => return Err("it has an empty folder name".into()),
            Some(c) if !c.is_ascii_alphanumeric() => {
                return Err(format!("`{part}` must start with a letter or a digit"));
            }
            _ => {}
        }
        if let Some(c) = chars.find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
            return Err(format!("`{part}` contains `{c}`"));
        }
    }
    Ok(())
}

/// "annual-report_2025" → "Annual report 2025".
fn title_of(slug: &str) -> String {
    let name = slug.rsplit('/').next().unwrap_or(slug);
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Today's date (UTC) as a TOML date, `YYYY-MM-DD`.
fn today() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let date = chrono::DateTime::from_timestamp(i64::try_from(seconds).unwrap_or(0), 0)
        .unwrap_or_default()
        .date_naive();
    date.format("%Y-%m-%d").to_string()
}

/// A TOML basic string holding `text`, escaped.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// The publication file: every key of the format, the optional ones
/// commented. `name` is the folder of its files, `slug` its path in `content/`.
fn manifest(title: &str, name: &str, slug: &str, date: &str) -> String {
    let title = toml_string(title);
    format!(
        r##"# A briefpress publication. Paths are relative to this file.
# `briefpress check` validates it; `briefpress build` writes {slug}.pdf and .epub
# in the output folder (`output/` unless briefpress.toml names another).

title = {title}
# subtitle = "A line under the title"
# authors = ["A. Writer", "B. Writer"]
# publisher = "Your organisation"
date = {date}                # the publication date
# updated = {date}             # last updated, if it was revised
# language = "en"                # a BCP 47 tag: en, en-GB, fr, pt-BR, … (default "en")
# identifier = "urn:isbn:…"      # default: derived from title, publisher, date, language
# keywords = ["one", "two"]
# summary = """The standfirst, in Markdown."""
# cover = "{name}/cover.png"     # PNG, JPEG, GIF or SVG
# template = "brief"             # a folder under templates/, default the built-in "brief"
# editions = ["standard", "large-print"]
# smart_punctuation = true       # straight quotes, -- and ... become the language's marks

# Words briefpress prints, replaced in this publication (keys: see [labels] in the README).
# [labels]
# key_figures = "At a glance"

# Its look, over the project's briefpress.toml (every key optional).
# [style]
# accent = "#0f4c5c"             # hexadecimal; must stay readable with white
# font = "Libertinus Serif"      # a family `briefpress fonts` lists
# heading_font = "Libertinus Serif"
# logo = "{name}/logo.svg"
# logo_alt = "Your organisation" # default: the publisher
# paper = "a4"                   # or "us-letter"

# Key figures, printed large before the first section (as many as you like).
# [[highlights]]
# value = "42%"
# label = "what the number counts"
# source = "where it comes from"

# Sections, in reading order: each has a Markdown `file` or a `body`.
[[sections]]
title = "Introduction"
file = "{name}/introduction.md"
# body = """Markdown written here instead of a file."""
# id = "introduction"            # the anchor for links like [see](#introduction)

# Attachments: a `file` is embedded in the PDF and the EPUB, a `url` is listed as a link.
# [[attachments]]
# title = "The data (CSV)"
# file = "{name}/data.csv"
# url = "https://example.org/full-report"
# description = "What it holds."
"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names_a_url_can_carry() {
        assert!(check_slug("annual-report_2025").is_ok());
        assert!(check_slug("2025/annual").is_ok());
        for bad in ["", "a b", "../x", "/abs", "x//y", ".hidden", "é", "a/"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn titles_come_from_the_last_part_of_the_slug() {
        assert_eq!(title_of("2025/annual-report_q1"), "Annual report q1");
    }

    #[test]
    fn the_manifest_escapes_the_title_and_parses() {
        let text = manifest("A \"quoted\" \\ title", "x", "x", "2025-03-01");
        let value: toml::Table = text.parse().unwrap();
        assert_eq!(value["title"].as_str(), Some("A \"quoted\" \\ title"));
        assert_eq!(
            value["date"]
                .as_datetime()
                .map(ToString::to_string)
                .as_deref(),
            Some("2025-03-01")
        );
    }
}
