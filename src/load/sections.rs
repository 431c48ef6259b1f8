//! Sections: their titles, ids and Markdown bodies (inline or from a file),
//! and the `#id` links between them, checked once every id is known.
//!
//! This is where the loader hands Markdown to [`markdown::convert`] and
//! folds what comes back (footnotes, links, diagnostics) into the publication.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use toml::Spanned;

use super::budget::Spend;
use super::manifest::RawSection;
use super::markdown::{self, Context, MarkdownDoc};
use super::typed::Place;
use super::values::{is_forbidden_char, is_valid_id, slug};
use super::{Loader, problems, text};
use crate::diag::{Code, Diagnostic, SourceText};
use crate::model::{Block, Section};

impl Loader<'_> {
    /// Converts one piece of Markdown and keeps its footnotes, links and problems.
    pub(super) fn markdown(&mut self, doc: MarkdownDoc<'_>) -> Vec<Block> {
        let context = Context {
            options: self.options,
            budget: &mut self.budget,
            images: &mut self.assets,
            first_footnote: self.footnotes.len(),
        };
        let converted = markdown::convert(&doc, context);
        self.diagnostics.extend(converted.diagnostics);
        self.footnotes.extend(converted.footnotes);
        let source = doc.source();
        self.internal_links.extend(
            converted
                .links
                .into_iter()
                .map(|(target, span)| (target, source.clone(), span)),
        );
        converted.blocks
    }

    /// Every section, in order; at least one is required.
    pub(super) fn sections(
        &mut self,
        raw: &[Spanned<RawSection>],
        source: &SourceText,
        dir: &Path,
    ) -> Vec<Section> {
        if raw.is_empty() && !self.refused.has(Place::Top, "sections") {
            self.report(
                Diagnostic::error(Code::MissingKey, "a publication needs at least one section")
                    .at(source, None)
                    .hint("add a `[[sections]]` table with a `title` and a `body` or `file`"),
            );
        }
        let mut ids = SectionIds::default();
        let mut sections = Vec::with_capacity(raw.len());
        for (index, entry) in raw.iter().enumerate() {
            if let Err(crossed) = self.budget.spend(Spend::Heading, self.options) {
                if let Some(message) = crossed {
                    self.report(
                        Diagnostic::error(Code::TooLarge, message)
                            .at(source, Some(entry.span()))
                            .hint("split the publication into several"),
                    );
                }
                break;
            }
            let section = entry.get_ref();
            let place = Place::Entry("sections", index);
            let title = self.required_key(
                section.title.as_ref(),
                place,
                Some(entry.span()),
                source,
                "title",
            );
            let id = self.section_id(section, &title, index, &mut ids, source);
            let blocks = self.section_body(entry, &title, index, source, dir);
            sections.push(Section { id, title, blocks });
        }
        sections
    }

    /// A section's blocks, from exactly one of `body` and `file`.
    fn section_body(
        &mut self,
        entry: &Spanned<RawSection>,
        title: &str,
        index: usize,
        source: &SourceText,
        dir: &Path,
    ) -> Vec<Block> {
        let section = entry.get_ref();
        match (&section.body, &section.file) {
            (Some(body), None) => {
                let text = self.text(body, source);
                self.markdown(MarkdownDoc::inline(
                    source,
                    body,
                    &text,
                    dir,
                    Some(index),
                    true,
                ))
            }
            (None, Some(file)) => self.markdown_file(dir, file, source, index),
            (Some(_), Some(file)) => {
                self.report(
                    Diagnostic::error(
                        Code::ConflictingKeys,
                        "a section has both `body` and `file`",
                    )
                    .at(source, Some(file.span()))
                    .hint("keep one: `body` for inline Markdown, `file` for a Markdown file"),
                );
                Vec::new()
            }
            (None, None) => {
                let place = Place::Entry("sections", index);
                if self.refused.has(place, "body") || self.refused.has(place, "file") {
                    return Vec::new();
                }
                self.report(
                    Diagnostic::error(
                        Code::ConflictingKeys,
                        format!("section \"{title}\" has neither `body` nor `file`"),
                    )
                    .at(source, Some(entry.span()))
                    .hint("add `body = \"\"\"…\"\"\"` or `file = \"path/to/section.md\"`"),
                );
                Vec::new()
            }
        }
    }

    /// The given id, checked, or one derived from the title.
    fn section_id(
        &mut self,
        section: &RawSection,
        title: &str,
        index: usize,
        taken: &mut SectionIds,
        source: &SourceText,
    ) -> String {
        let Some(given) = &section.id else {
            let base = slug(title).unwrap_or_else(|| format!("section-{}", index + 1));
            return taken.derive(base);
        };
        let id = given.get_ref();
        let duplicate = !taken.taken.insert(id.clone());
        if !is_valid_id(id) {
            self.report(
                Diagnostic::error(Code::InvalidValue, format!("`{id}` is not a valid section id"))
                    .at(source, Some(given.span()))
                    .hint("start with a letter; use only letters, digits, `-` and `_`; ids starting with `bp-` are reserved"),
            );
        } else if duplicate {
            self.report(
                Diagnostic::error(Code::Duplicate, format!("section id `{id}` is used twice"))
                    .at(source, Some(given.span()))
                    .hint("give each section a unique `id`"),
            );
        }
        id.clone()
    }

    /// A section body kept in its own Markdown file.
    fn markdown_file(
        &mut self,
        dir: &Path,
        reference: &Spanned<String>,
        source: &SourceText,
        section: usize,
    ) -> Vec<Block> {
        let file = match self.root.resolve(dir, reference.get_ref()) {
            Ok(file) => file,
            Err(problem) => {
                let diagnostic = problems::path(problem, reference.get_ref());
                self.report(diagnostic.at(source, Some(reference.span())));
                return Vec::new();
            }
        };
        let Some(md) = self.read_text(&file, Some((source, reference.span()))) else {
            return Vec::new();
        };
        if let Some(at) = md
            .text
            .find(|c| is_forbidden_char(c) || text::is_stray_mark(c))
        {
            self.report(problems::forbidden_char(&md, at));
            return Vec::new();
        }
        let md_dir = file.abs.parent().unwrap_or(self.root.dir()).to_path_buf();
        self.markdown(MarkdownDoc::file(&md, &md_dir, Some(section), true))
    }

    /// Reports every `#id` link to a section that does not exist.
    pub(super) fn check_internal_links(&mut self, sections: &[Section]) {
        let ids: HashSet<&str> = sections.iter().map(|s| s.id.as_str()).collect();
        let mut known = String::new();
        for (target, source, span) in std::mem::take(&mut self.internal_links) {
            if !ids.contains(target.as_str()) {
                if known.is_empty() {
                    known = sections
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                }
                self.report(
                    Diagnostic::error(
                        Code::InvalidLink,
                        format!("link to `#{target}`, but no section has that id"),
                    )
                    .at(&source, Some(span))
                    .hint(format!("section ids are: {known}")),
                );
            }
        }
    }
}

/// Section ids handed out so far. Derived ids count up per base, so a
/// thousand sections with one title cost a thousand lookups, not half a million.
#[derive(Default)]
struct SectionIds {
    taken: HashSet<String>,
    next: HashMap<String, usize>,
}

impl SectionIds {
    /// `base`, or `base-2`, `base-3`… whichever is free first.
    fn derive(&mut self, base: String) -> String {
        let mut n = self.next.get(&base).copied().unwrap_or(1);
        loop {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            n += 1;
            if self.taken.insert(id.clone()) {
                self.next.insert(base, n);
                return id;
            }
        }
    }
}
