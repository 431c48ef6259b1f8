//! Model → the EPUB's XHTML content documents.
//!
//! One document per section (same order as the PDF), a title page with the
//! standfirst and key figures, a resources page, and one small page per file
//! attachment (the manifest fallback EPUB requires for PDF/CSV). Everything
//! goes through [`XhtmlWriter`], so every document is well-formed.

use std::collections::HashMap;

use super::writer::{XhtmlWriter, document};
use crate::model::{
    Align, Asset, AssetId, Attachment, AttachmentTarget, Block, Footnote, Inline, LinkTarget,
    Publication, Section, Table,
};
use crate::project::labels::{Label, Piece};
use crate::project::language::{Direction, Language};

/// Maps assets and section ids to their file names inside the EPUB.
pub struct Layout<'a> {
    publication: &'a Publication,
    /// Asset → path inside `OEBPS/`.
    asset_paths: HashMap<AssetId, String>,
    /// Section id → its document.
    section_files: HashMap<&'a str, String>,
}

impl<'a> Layout<'a> {
    /// Decides every file name of the package.
    pub fn new(publication: &'a Publication) -> Self {
        let attachment_ids: Vec<AssetId> = publication
            .attachments
            .iter()
            .filter_map(|a| match a.target {
                AttachmentTarget::File(id) => Some(id),
                AttachmentTarget::Url(_) => None,
            })
            .collect();
        let mut taken = std::collections::HashSet::new();
        let asset_paths = publication
            .assets
            .iter()
            .enumerate()
            .map(|(i, asset)| {
                let id = AssetId(i);
                let name = safe_name(&asset.file_name);
                // Attachments keep their name where they can (readers show
                // it); one whose safe name is taken (`a b.csv` and `a_b.csv`)
                // gets a number, itself checked against every name taken
                // (a third file may be called `001-a_b.csv`).
                let path = if attachment_ids.contains(&id) {
                    let free = if taken.insert(name.clone()) {
                        name
                    } else {
                        (0..)
                            .map(|k| match k {
                                0 => format!("{i:03}-{name}"),
                                k => format!("{i:03}-{k}-{name}"),
                            })
                            .find(|candidate| taken.insert(candidate.clone()))
                            .unwrap_or_default()
                    };
                    format!("attachments/{free}")
                } else {
                    format!("images/{i:03}-{name}")
                };
                (id, path)
            })
            .collect();
        let section_files = publication
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), section_file(i)))
            .collect();
        Self {
            publication,
            asset_paths,
            section_files,
        }
    }

    /// The path of an asset inside `OEBPS/`.
    pub fn asset_path(&self, id: AssetId) -> &str {
        self.asset_paths.get(&id).map_or("", String::as_str)
    }

    /// The fallback page of an attachment file.
    pub fn fallback_path(&self, id: AssetId) -> String {
        let path = self.asset_path(id);
        format!(
            "attachment-{}.xhtml",
            path.rsplit('/').next().unwrap_or(path)
        )
    }
}

/// The document name of section `index`.
pub fn section_file(index: usize) -> String {
    format!("section-{:02}.xhtml", index + 1)
}

/// One subheading of a section, for the navigation: its level (1 is the
/// first below the section title), its `href` and its text.
pub struct Subheading {
    /// 1..=5, as in [`Block::Heading`].
    pub level: u8,
    /// `section-NN.xhtml#bp-hN-M`.
    pub href: String,
    /// The heading's plain text.
    pub title: String,
}

/// The id of the `number`th (from 1) subheading of section `index`
/// (`bp-` ids are reserved: no section can take it).
fn subheading_anchor(index: usize, number: usize) -> String {
    format!("bp-h{}-{number}", index + 1)
}

/// The subheadings of section `index` in order, as the PDF outline lists
/// them: the headings of its body, not those inside quotes, lists or notes.
pub fn subheadings(section: &Section, index: usize) -> Vec<Subheading> {
    section
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Heading { level, content } => Some((*level, content)),
            _ => None,
        })
        .enumerate()
        .map(|(i, (level, content))| Subheading {
            level,
            href: format!(
                "{}#{}",
                section_file(index),
                subheading_anchor(index, i + 1)
            ),
            title: Inline::plain_text(content),
        })
        .collect()
}

/// Keeps file names to a conservative character set for the OCF container.
fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Renders documents for one publication.
pub struct Documents<'a> {
    layout: &'a Layout<'a>,
    language: &'a Language,
}

impl<'a> Documents<'a> {
    /// A renderer using `layout` for links and `language` for every word it adds.
    pub fn new(layout: &'a Layout<'a>, language: &'a Language) -> Self {
        Self { layout, language }
    }

    /// A complete document in the publication's language and direction.
    fn document(&self, title: &str, body: impl FnOnce(&mut XhtmlWriter)) -> String {
        let dir = self.language.direction.as_str();
        document(&self.language.tag, dir, title, body)
    }

    /// Writes a label's text with each placeholder's value isolated
    /// (`<bdi>`), so a Latin name or a number keeps its order inside
    /// right-to-left text and the label's words keep theirs around it.
    /// `value` writes a placeholder's value; it returns false to have
    /// `values` looked up instead.
    fn labelled(
        &self,
        w: &mut XhtmlWriter,
        label: Label,
        values: &[(&str, &str)],
        mut value: impl FnMut(&mut XhtmlWriter, &str) -> bool,
    ) {
        for piece in self.language.labels.pieces(label) {
            match piece {
                Piece::Text(text) => {
                    w.text(text);
                }
                Piece::Placeholder(name) => {
                    w.open("bdi", &[]);
                    if !value(w, name) {
                        let text = values.iter().find(|(key, _)| *key == name);
                        w.text(text.map_or("", |(_, v)| v));
                    }
                    w.close("bdi");
                }
            }
        }
    }

    /// The resources page's title.
    pub fn resources_title(&self) -> &str {
        self.language.label(Label::AttachmentsAndResources)
    }

    fn p(&self) -> &'a Publication {
        self.layout.publication
    }

    /// The title page: title block, standfirst, key figures.
    pub fn title_page(&self) -> String {
        let p = self.p();
        let m = &p.meta;
        self.document(&m.title, |w| {
            w.open(
                "section",
                &[("class", "title-page"), ("epub:type", "titlepage")],
            );
            if let Some(logo) = &p.style.logo {
                w.empty(
                    "img",
                    &[
                        ("class", "logo"),
                        ("src", self.layout.asset_path(logo.asset)),
                        ("alt", &logo.alt),
                    ],
                );
            }
            w.element("h1", &[("class", "title")], &m.title);
            if let Some(subtitle) = &m.subtitle {
                w.element("p", &[("class", "subtitle")], subtitle);
            }
            let byline: Vec<&str> = m
                .authors
                .iter()
                .map(String::as_str)
                .chain(
                    m.publisher
                        .as_deref()
                        .filter(|p| !m.authors.iter().any(|a| a == p)),
                )
                .collect();
            if !byline.is_empty() {
                w.open("p", &[("class", "byline")]);
                isolated_list(w, &byline);
                w.close("p");
            }
            w.open("p", &[("class", "dates")]);
            let date = self.language.date(m.date);
            self.labelled(w, Label::PublishedOn, &[("date", &date)], |_, _| false);
            if let Some(updated) = m.updated {
                let date = self.language.date(updated);
                w.text(" · ");
                self.labelled(w, Label::LastUpdatedOn, &[("date", &date)], |_, _| false);
            }
            w.close("p").newline();
            if let Some(summary) = &p.summary {
                w.open("div", &[("class", "standfirst")]);
                self.blocks(w, summary, 1);
                w.close("div").newline();
            }
            if !p.highlights.is_empty() {
                w.open(
                    "aside",
                    &[
                        ("class", "key-figures"),
                        ("aria-label", self.language.label(Label::KeyFigures)),
                    ],
                );
                for h in &p.highlights {
                    w.open("div", &[("class", "key-figure")]);
                    w.element("p", &[("class", "value")], &h.value);
                    w.element("p", &[("class", "label")], &h.label);
                    if let Some(source) = &h.source {
                        w.open("p", &[("class", "source")]);
                        self.labelled(w, Label::Source, &[("source", source)], |_, _| false);
                        w.close("p");
                    }
                    w.close("div").newline();
                }
                w.close("aside").newline();
            }
            self.footnotes(w, None);
            w.close("section").newline();
        })
    }

    /// The document of section `index`.
    pub fn section(&self, index: usize) -> String {
        let section = &self.p().sections[index];
        self.document(&section.title, |w| {
            w.open(
                "section",
                &[
                    ("id", &section.id),
                    ("epub:type", "chapter"),
                    ("role", "doc-chapter"),
                ],
            );
            w.element("h1", &[], &section.title).newline();
            // The body's subheadings get the ids the navigation links to.
            let mut number = 0;
            for block in &section.blocks {
                match block {
                    Block::Heading { level, content } => {
                        number += 1;
                        let tag = heading_tag(1 + level);
                        w.open(tag, &[("id", &subheading_anchor(index, number))]);
                        self.inlines(w, content);
                        w.close(tag);
                    }
                    _ => self.block(w, block, 1),
                }
                w.newline();
            }
            self.footnotes(w, Some(index));
            w.close("section").newline();
        })
    }

    /// The resources page listing every attachment.
    pub fn resources(&self) -> String {
        self.document(self.resources_title(), |w| {
            w.open(
                "section",
                &[("id", "bp-resources"), ("epub:type", "backmatter")],
            );
            w.element("h1", &[], self.resources_title()).newline();
            w.open("ul", &[("class", "attachments")]).newline();
            for attachment in &self.p().attachments {
                self.attachment_item(w, attachment);
            }
            w.close("ul").newline().close("section").newline();
        })
    }

    fn attachment_item(&self, w: &mut XhtmlWriter, attachment: &Attachment) {
        w.open("li", &[]);
        match &attachment.target {
            AttachmentTarget::Url(url) => {
                w.element("a", &[("href", url)], &attachment.title);
                w.text(" ");
                w.open("span", &[("class", "meta")]).text("(");
                w.element("bdi", &[], url).text(")").close("span");
            }
            AttachmentTarget::File(id) => {
                let asset = self.p().asset(*id);
                w.element(
                    "a",
                    &[("href", self.layout.asset_path(*id))],
                    &attachment.title,
                );
                w.text(" ");
                w.open("span", &[("class", "meta")]);
                isolated_list(w, &self.file_meta(asset));
                w.close("span");
            }
        }
        if let Some(description) = &attachment.description {
            w.element("p", &[("class", "description")], description);
        }
        w.close("li").newline();
    }

    /// The fallback page for a file attachment, shown by readers that cannot open it.
    pub fn fallback(&self, attachment: &Attachment, id: AssetId) -> String {
        let asset = self.p().asset(id);
        let file_href = self.layout.asset_path(id);
        self.document(&attachment.title, |w| {
            w.open(
                "section",
                &[("epub:type", "appendix"), ("role", "doc-appendix")],
            );
            w.element("h1", &[], &attachment.title);
            if let Some(description) = &attachment.description {
                w.element("p", &[], description);
            }
            w.open("p", &[]);
            let size = self.language.file_size(asset.data.len() as u64);
            self.labelled(
                w,
                Label::AttachmentFileNote,
                &[("size", &size)],
                |w, name| {
                    if name == "filename" {
                        w.element("a", &[("href", file_href)], &asset.file_name);
                    }
                    name == "filename"
                },
            );
            w.close("p").newline().close("section").newline();
        })
    }

    fn footnotes(&self, w: &mut XhtmlWriter, section: Option<usize>) {
        let notes: Vec<usize> = (0..self.p().footnotes.len())
            .filter(|&i| self.p().footnotes[i].section == section)
            .collect();
        if notes.is_empty() {
            return;
        }
        // The notes of one document, gathered at its end: DPUB-ARIA's
        // `doc-endnotes` ("notes at the end of a work or a section").
        w.open(
            "section",
            &[
                ("class", "footnotes"),
                ("epub:type", "endnotes"),
                ("role", "doc-endnotes"),
                ("aria-label", self.language.label(Label::Footnotes)),
            ],
        )
        .newline();
        for index in notes {
            let id = Footnote::anchor(index);
            let back = format!("#{}", footnote_ref_anchor(index));
            w.open(
                "aside",
                &[
                    ("id", &id),
                    ("epub:type", "footnote"),
                    ("role", "doc-footnote"),
                ],
            );
            w.open("p", &[("class", "note-number")]);
            let n = Footnote::number(index).to_string();
            let name = self.language.fill(Label::FootnoteBacklink, &[("n", &n)]);
            w.element(
                "a",
                &[
                    ("href", &back),
                    ("role", "doc-backlink"),
                    ("aria-label", &name),
                ],
                &format!("{n}."),
            );
            w.close("p");
            self.blocks(
                w,
                &self.p().footnotes[index].blocks,
                Footnote::HEADING_DEPTH,
            );
            w.close("aside").newline();
        }
        w.close("section").newline();
    }

    fn blocks(&self, w: &mut XhtmlWriter, blocks: &[Block], depth: u8) {
        for block in blocks {
            self.block(w, block, depth);
            w.newline();
        }
    }

    fn block(&self, w: &mut XhtmlWriter, block: &Block, depth: u8) {
        match block {
            Block::Paragraph(inlines) => {
                w.open("p", &[]);
                self.inlines(w, inlines);
                w.close("p");
            }
            Block::Heading { level, content } => {
                let tag = heading_tag(depth + level);
                w.open(tag, &[]);
                self.inlines(w, content);
                w.close(tag);
            }
            Block::List { start, items, .. } => self.list(w, *start, items, depth),
            Block::Quote(blocks) => {
                w.open("blockquote", &[]);
                self.blocks(w, blocks, depth);
                w.close("blockquote");
            }
            Block::Code { lang, text } => {
                // Code reads left to right whatever the text around it: in a
                // right-to-left document `f(x)` would otherwise show `(f(x`.
                // Markup, not the stylesheet, so a reader's own style keeps it.
                w.open("pre", &[("dir", "ltr")]);
                match lang {
                    Some(lang) => w.open("code", &[("class", &format!("language-{lang}"))]),
                    None => w.open("code", &[]),
                };
                w.text(text).close("code").close("pre");
            }
            Block::Table(table) => self.table(w, table),
            Block::Figure { image, alt } => {
                w.open("figure", &[]);
                w.empty(
                    "img",
                    &[("src", self.layout.asset_path(*image)), ("alt", alt)],
                );
                w.element("figcaption", &[], alt);
                w.close("figure");
            }
            Block::Rule => {
                w.empty("hr", &[]);
            }
        }
    }

    /// A bulleted list, or a numbered one from `start`.
    fn list(&self, w: &mut XhtmlWriter, start: Option<u64>, items: &[Vec<Block>], depth: u8) {
        let start_text = start.map(|n| n.to_string());
        let tag = match &start_text {
            Some(n) if n != "1" => {
                w.open("ol", &[("start", n)]);
                "ol"
            }
            Some(_) => {
                w.open("ol", &[]);
                "ol"
            }
            None => {
                w.open("ul", &[]);
                "ul"
            }
        };
        for item in items {
            w.open("li", &[]);
            self.blocks(w, item, depth);
            w.close("li");
        }
        w.close(tag);
    }

    fn table(&self, w: &mut XhtmlWriter, table: &Table) {
        w.open("table", &[]).open("thead", &[]);
        self.table_row(w, table, &table.header, "th");
        w.close("thead").open("tbody", &[]);
        for row in &table.rows {
            self.table_row(w, table, row, "td");
        }
        w.close("tbody").close("table");
    }

    /// One row of exactly [`Table::columns`] cells (short rows padded);
    /// header cells (`th`) are scoped to their column.
    fn table_row(
        &self,
        w: &mut XhtmlWriter,
        table: &Table,
        cells: &[Vec<Inline>],
        tag: &'static str,
    ) {
        w.open("tr", &[]);
        for i in 0..table.columns() {
            let mut attrs = Vec::new();
            if tag == "th" {
                attrs.push(("scope", "col"));
            }
            attrs.extend(align_style(&table.align, i).map(|s| ("style", s)));
            w.open(tag, &attrs);
            if let Some(cell) = cells.get(i) {
                self.inlines(w, cell);
            }
            w.close(tag);
        }
        w.close("tr");
    }

    fn inlines(&self, w: &mut XhtmlWriter, inlines: &[Inline]) {
        for inline in inlines {
            self.inline(w, inline);
        }
    }

    fn wrapped(&self, w: &mut XhtmlWriter, tag: &'static str, inlines: &[Inline]) {
        w.open(tag, &[]);
        self.inlines(w, inlines);
        w.close(tag);
    }

    fn inline(&self, w: &mut XhtmlWriter, inline: &Inline) {
        match inline {
            Inline::Text(text) => {
                w.text(text);
            }
            Inline::Emph(c) => self.wrapped(w, "em", c),
            Inline::Strong(c) => self.wrapped(w, "strong", c),
            Inline::Strike(c) => self.wrapped(w, "s", c),
            // Isolated when its direction is not the document's, so its
            // words keep their order and the text around it keeps its own.
            Inline::Passage { tag, content } => {
                let direction = Direction::of(tag);
                let mut attrs = vec![("lang", tag.as_str()), ("xml:lang", tag.as_str())];
                if direction != self.language.direction {
                    attrs.push(("dir", direction.as_str()));
                }
                w.open("span", &attrs);
                self.inlines(w, content);
                w.close("span");
            }
            Inline::Code(code) => {
                // Isolated left to right, as a code block (`dir` on an inline
                // element also isolates it from the text around it).
                w.element("code", &[("dir", "ltr")], code);
            }
            Inline::Link { target, content } => {
                let href = match target {
                    LinkTarget::External(url) => url.clone(),
                    LinkTarget::Section(id) => {
                        let file = self
                            .layout
                            .section_files
                            .get(id.as_str())
                            .map_or("", String::as_str);
                        format!("{file}#{id}")
                    }
                };
                // A printed web address may break anywhere (epub.css `a.url`).
                if Inline::is_address(content) {
                    w.open("a", &[("href", &href), ("class", "url")]);
                } else {
                    w.open("a", &[("href", &href)]);
                }
                self.inlines(w, content);
                w.close("a");
            }
            Inline::Image { image, alt } => {
                w.empty(
                    "img",
                    &[
                        ("class", "inline"),
                        ("src", self.layout.asset_path(*image)),
                        ("alt", alt),
                    ],
                );
            }
            Inline::FootnoteRef { index, first } => {
                let n = Footnote::number(*index).to_string();
                let href = format!("#{}", Footnote::anchor(*index));
                let fnref = footnote_ref_anchor(*index);
                let name = self.language.fill(Label::FootnoteRef, &[("n", &n)]);
                let mut attrs: Vec<(&'static str, &str)> = vec![
                    ("href", &href),
                    ("epub:type", "noteref"),
                    ("role", "doc-noteref"),
                    ("aria-label", &name),
                ];
                if *first {
                    attrs.push(("id", &fnref));
                }
                w.open("sup", &[]).element("a", &attrs, &n).close("sup");
            }
            Inline::SoftBreak => {
                w.text(" ");
            }
            Inline::LineBreak => {
                w.empty("br", &[]);
            }
        }
    }
}

/// The id of the first reference to note `index`, where its backlink returns.
fn footnote_ref_anchor(index: usize) -> String {
    format!("bp-fnref-{}", Footnote::number(index))
}

/// `<h1>`–`<h6>` for a level, capped at 6.
fn heading_tag(level: u8) -> &'static str {
    match level {
        0 | 1 => "h1",
        2 => "h2",
        3 => "h3",
        4 => "h4",
        5 => "h5",
        _ => "h6",
    }
}

fn align_style(align: &[Align], column: usize) -> Option<&'static str> {
    match align.get(column) {
        Some(Align::Left) => Some("text-align: left"),
        Some(Align::Center) => Some("text-align: center"),
        Some(Align::Right) => Some("text-align: right"),
        _ => None,
    }
}

/// Writes `values` separated by " · ", each in its own `<bdi>`: a Latin
/// name ("Global Alliance Inc.") keeps its full stop and a size its unit in
/// right-to-left text, and the values keep their order.
fn isolated_list<S: AsRef<str>>(w: &mut XhtmlWriter, values: &[S]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            w.text(" · ");
        }
        w.element("bdi", &[], value.as_ref());
    }
}

impl Documents<'_> {
    /// The name, size (in the publication's language) and type of a file:
    /// "report.pdf", "1.2 KB", "PDF".
    fn file_meta(&self, asset: &Asset) -> [String; 3] {
        let size = self.language.file_size(asset.data.len() as u64);
        let kind = asset
            .file_name
            .rsplit('.')
            .next()
            .map(str::to_ascii_uppercase)
            .unwrap_or_default();
        [asset.file_name.clone(), size, kind]
    }
}

#[cfg(test)]
mod snapshot_tests;
