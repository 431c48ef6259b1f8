//! The publication's own fields: metadata, key figures, template name, editions and
//! the list limits, each checked where it is written.
//!
//! These are the small values of the TOML file (strings, dates, tags); the
//! parts with bodies of their own, sections and attachments, have their own
//! modules.

use std::ops::Range;

use toml::Spanned;
use toml::value::Datetime;

use super::Loader;
use super::manifest::{RawHighlight, RawPublication};
use super::typed::Place;
use super::values::{derived_identifier, is_language_tag};
use crate::diag::{self, Code, Diagnostic, SourceText};
use crate::model::{Date, Edition, Highlight, Meta};
use crate::project::template;

impl Loader<'_> {
    /// Refuses lists longer than `max_entries`, before any work on them:
    /// typst needs tens of kilobytes for every section, key figure or
    /// attachment it lays out.
    pub(super) fn within_entry_limits(
        &mut self,
        raw: &RawPublication,
        source: &SourceText,
    ) -> bool {
        let max = self.options.max_entries;
        let lists = [
            ("sections", first_over(&raw.sections, max)),
            ("highlights", first_over(&raw.highlights, max)),
            ("attachments", first_over(&raw.attachments, max)),
            ("authors", first_over(&raw.authors, max)),
            ("keywords", first_over(&raw.keywords, max)),
        ];
        let mut within = true;
        for (name, first_over) in lists {
            let Some((span, count)) = first_over else {
                continue;
            };
            within = false;
            self.report(
                Diagnostic::error(
                    Code::TooLarge,
                    format!("the publication has {count} {name}, over the limit of {max}"),
                )
                .at(source, Some(span))
                .hint("split it into several publications"),
            );
        }
        within
    }

    /// Title, byline, dates, language and identifier.
    pub(super) fn meta(&mut self, raw: &RawPublication, source: &SourceText) -> Option<Meta> {
        let title = self.required_key(raw.title.as_ref(), Place::Top, None, source, "title");
        let publisher = raw.publisher.as_ref().map(|p| self.text(p, source));
        let date = match &raw.date {
            Some(date) => self.date(date, source),
            None => {
                self.missing(Place::Top, "date", None, source);
                None
            }
        };
        let updated = raw.updated.as_ref().and_then(|u| self.date(u, source));
        if let (Some(date), Some(updated), Some(raw_updated)) = (date, updated, &raw.updated)
            && updated < date
        {
            self.report(
                Diagnostic::error(
                    Code::InvalidDate,
                    format!("`updated` ({updated}) is earlier than `date` ({date})"),
                )
                .at(source, Some(raw_updated.span()))
                .hint("`updated` is the last-revised date; it cannot precede publication"),
            );
        }
        let language = self.language(raw.language.as_ref(), source);
        let date = date?;
        let identifier = match &raw.identifier {
            Some(id) => self.required_text(id, source, "identifier"),
            None => derived_identifier(&title, publisher.as_deref(), date, &language),
        };
        Some(Meta {
            subtitle: raw.subtitle.as_ref().map(|s| self.text(s, source)),
            authors: raw.authors.iter().map(|a| self.text(a, source)).collect(),
            keywords: raw.keywords.iter().map(|k| self.text(k, source)).collect(),
            title,
            publisher,
            date,
            updated,
            language,
            identifier,
        })
    }

    /// The language tag; when absent, the project's, else `en`; `en` when refused.
    pub(super) fn language(
        &mut self,
        value: Option<&Spanned<String>>,
        source: &SourceText,
    ) -> String {
        match value {
            Some(lang) if is_language_tag(lang.get_ref()) => lang.get_ref().clone(),
            Some(lang) => {
                self.report(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{}` is not a BCP 47 language tag", lang.get_ref()),
                    )
                    .at(source, Some(lang.span()))
                    .hint("use a tag such as \"en\", \"en-GB\" or \"fr\""),
                );
                "en".into()
            }
            None => self
                .settings
                .language
                .clone()
                .unwrap_or_else(|| "en".into()),
        }
    }

    /// The key figures, in order.
    pub(super) fn highlights(
        &mut self,
        raw: &[Spanned<RawHighlight>],
        source: &SourceText,
    ) -> Vec<Highlight> {
        raw.iter()
            .enumerate()
            .map(|(index, entry)| {
                let h = entry.get_ref();
                let place = Place::Entry("highlights", index);
                let span = Some(entry.span());
                Highlight {
                    value: self.required_key(
                        h.value.as_ref(),
                        place,
                        span.clone(),
                        source,
                        "value",
                    ),
                    label: self.required_key(h.label.as_ref(), place, span, source, "label"),
                    source: h.source.as_ref().map(|s| self.text(s, source)),
                }
            })
            .collect()
    }

    /// A required string key at `place` (in the list entry spanning `entry`):
    /// its text, checked not blank; empty after reporting it missing.
    pub(super) fn required_key(
        &mut self,
        value: Option<&Spanned<String>>,
        place: Place<'_>,
        entry: Option<Range<usize>>,
        source: &SourceText,
        key: &str,
    ) -> String {
        match value {
            Some(value) => self.required_text(value, source, key),
            None => {
                self.missing(place, key, entry, source);
                String::new()
            }
        }
    }

    /// A string value that must not be blank.
    pub(super) fn required_text(
        &mut self,
        value: &Spanned<String>,
        source: &SourceText,
        key: &str,
    ) -> String {
        let text = self.text(value, source);
        if text.trim().is_empty() {
            self.report(
                Diagnostic::error(Code::InvalidValue, format!("`{key}` is empty"))
                    .at(source, Some(value.span()))
                    .hint(format!("give `{key}` some text")),
            );
        }
        text
    }

    fn date(&mut self, value: &Spanned<Datetime>, source: &SourceText) -> Option<Date> {
        let dt = value.get_ref();
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => Some(Date {
                year: d.year,
                month: d.month,
                day: d.day,
            }),
            _ => {
                self.report(
                    Diagnostic::error(Code::InvalidDate, format!("`{dt}` is not a plain date"))
                        .at(source, Some(value.span()))
                        .hint("write a calendar date without a time, e.g. 2021-10-19"),
                );
                None
            }
        }
    }

    /// The `template` key: a well-formed name of a template that exists.
    /// The `editions` list: known names only (with a "did you mean"), no repeats.
    pub(super) fn editions(
        &mut self,
        raw: &[Spanned<String>],
        source: &SourceText,
    ) -> Vec<Edition> {
        let mut editions = Vec::new();
        for value in raw {
            let name = value.get_ref();
            match Edition::from_name(name) {
                Some(edition) if !editions.contains(&edition) => editions.push(edition),
                Some(_) => self.report(
                    Diagnostic::warning(
                        Code::InvalidValue,
                        format!("edition `{name}` is listed twice"),
                    )
                    .at(source, Some(value.span())),
                ),
                None => {
                    let names = Edition::ALL.map(Edition::name);
                    let hint = match diag::closest(name, names) {
                        Some(close) => format!("did you mean \"{close}\"?"),
                        None => format!("the editions are \"{}\"", names.join("\", \"")),
                    };
                    self.report(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("`{name}` is not an edition"),
                        )
                        .at(source, Some(value.span()))
                        .hint(hint),
                    );
                }
            }
        }
        editions
    }

    pub(super) fn template_name(&mut self, value: &Spanned<String>, source: &SourceText) -> String {
        let name = value.get_ref();
        let well_formed = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !well_formed {
            self.report(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{name}` is not a template name"),
                )
                .at(source, Some(value.span()))
                .hint("name a folder under templates/, using letters, digits, `-` and `_`"),
            );
        } else if !self.templates.exists(name) {
            self.report(
                Diagnostic::error(Code::Template, format!("template `{name}` not found"))
                    .at(source, Some(value.span()))
                    .hint(format!(
                        "create templates/{name}/{}, or remove `template` to use the built-in \"{}\"",
                        template::ENTRY,
                        template::DEFAULT
                    )),
            );
        }
        name.clone()
    }
}

/// The span of the first entry past `max`, and how many there are.
fn first_over<T>(list: &[Spanned<T>], max: usize) -> Option<(Range<usize>, usize)> {
    list.get(max).map(|entry| (entry.span(), list.len()))
}
