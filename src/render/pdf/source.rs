//! Model → typst source for the main file of one publication.
//!
//! User text only ever appears as typst *string literals* (`#"…"`) or as
//! string arguments, escaped by [`str_lit`]; all markup is function calls we
//! write ourselves. So `#panic("x")`, `$x$`, `<label>` or `]` in content print
//! literally and run nothing. The output is readable on purpose:
//! `briefpress build --emit-typst` writes it beside the PDF for template authors.

use std::fmt::Write as _;

use crate::model::{
    Align, AttachmentTarget, Block, Date, Edition, Footnote, Inline, LinkTarget, Publication, Table,
};
use crate::project::language::{Language, region_of};

/// The variable a template module defines to say it takes the `labels` and
/// `texts` arguments (contract 2). Templates written before have neither
/// parameter: they get the call they were written for, and print English.
pub const CONTRACT_MARKER: &str = "briefpress-contract";

/// The label of the metadata saying whether the template took `style`.
pub const STYLE_TAKEN: &str = "bp-style-taken";

/// The virtual path of the generated main file (at the root, so relative
/// `pdf.attach` names are bare file names).
pub const MAIN_PATH: &str = "/__briefpress__.typ";

/// The call that sets emphasised text (upright when nested in emphasis).
const EMPH: [&str; 2] = ["text(style: \"italic\")", "text(style: \"normal\")"];
/// The call that sets strongly emphasised text.
const STRONG: &str = "text(weight: \"bold\")";

/// Generates the complete main file for `edition` of `publication`, its
/// words, dates and sizes in `language`.
pub fn generate(publication: &Publication, language: &Language, edition: Edition) -> String {
    Generator::new(publication, language, edition, None).run()
}

/// Like [`generate`], but with the template's source (one file that imports
/// nothing, as the built-in templates are) written into the file instead of
/// imported, so the file compiles on its own in the user's project with
/// `typst compile --root .`: what `--emit-typst` writes for a built-in
/// template, which the project has no copy of.
pub fn generate_standalone(
    publication: &Publication,
    language: &Language,
    edition: Edition,
    template_source: &str,
) -> String {
    Generator::new(publication, language, edition, Some(template_source)).run()
}

/// Escapes `text` as a typst string literal, quotes included.
///
/// ```
/// use briefpress::render::pdf::source::str_lit;
/// assert_eq!(str_lit(r##"#panic("x") \ $"##), r##""#panic(\"x\") \\ $""##);
/// ```
pub fn str_lit(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Generator<'a> {
    out: String,
    publication: &'a Publication,
    language: &'a Language,
    edition: Edition,
    /// The template's source, written in instead of imported.
    inline_template: Option<&'a str>,
    /// How many emphases enclose the inline being written.
    emph_depth: usize,
    /// Where the block or inline being written sits, for the fitting calls.
    place: Place,
}

/// Where the generator is writing: what the template's fitting calls
/// (`fit-table`, `long-word`) need to know.
#[derive(Default, Clone, Copy)]
struct Place {
    /// The section being written (`None`: the standfirst).
    section: Option<usize>,
    /// Tables written so far in that section.
    tables: usize,
    /// Inside a list, quote, note or the standfirst: no page may start here.
    nested: bool,
    /// Inside a heading, a link or a table cell: text is written as is (a
    /// heading's and a link's text must stay plain text for bookmarks and
    /// link descriptions; a table fits its own words).
    plain: bool,
}

impl<'a> Generator<'a> {
    fn new(
        publication: &'a Publication,
        language: &'a Language,
        edition: Edition,
        inline_template: Option<&'a str>,
    ) -> Self {
        Self {
            out: String::with_capacity(16 * 1024),
            publication,
            language,
            edition,
            inline_template,
            emph_depth: 0,
            place: Place::default(),
        }
    }

    fn run(mut self) -> String {
        self.document();
        self.out
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn document(&mut self) {
        let p = self.publication;
        match self.inline_template {
            Some(source) => self.inlined(source),
            None => self.imports(),
        }
        self.language();
        let styled = !p.style.is_empty();
        if styled {
            self.style();
        }
        self.push("#show: publication.with(\n");
        self.metadata();
        let _ = writeln!(
            self.out,
            "  ..if bp-takes-language {{ bp-language }} else {{ (:) }},"
        );
        if styled {
            self.push("  ..if bp-takes-style { (style: bp-style) } else { (:) },\n");
        }
        self.push(")\n\n");
        if styled {
            // Tells the renderer whether the template took the style.
            let _ = writeln!(self.out, "#metadata(bp-takes-style) <{STYLE_TAKEN}>\n");
        }
        self.attachments_embed();
        for (index, section) in p.sections.iter().enumerate() {
            self.place = Place {
                section: Some(index),
                ..Place::default()
            };
            let _ = writeln!(
                self.out,
                "#heading(level: 1)[#{}] <{}>\n",
                str_lit(&section.title),
                section.id
            );
            self.blocks(&section.blocks, 1);
            self.push("\n\n");
        }
    }

    /// The header that imports the template from the project (or the
    /// built-in copy) and decides which contract it speaks.
    fn imports(&mut self) {
        let p = self.publication;
        let template = str_lit(&format!("/templates/{}/template.typ", p.template));
        let _ = writeln!(
            self.out,
            "// Generated by briefpress {} from {}.\n\
             // User text appears only in string literals; edit the template, not this file.\n\
             #import {template}: publication",
            env!("CARGO_PKG_VERSION"),
            p.source,
        );
        // A template takes `labels` and `texts` if it declares contract 2, or
        // if it wraps the `brief` template's `publication` (`brief(..args, …)`)
        // and that one does.
        let marker = str_lit(CONTRACT_MARKER);
        let _ = writeln!(
            self.out,
            "#import {template} as bp-template\n\
             #import {} as bp-brief\n\
             #let bp-contract(m) = dictionary(m).at({marker}, default: 1) >= 2\n\
             #let bp-takes-language = bp-contract(bp-template) or (bp-contract(bp-brief) and bp-brief.publication in dictionary(bp-template).values())\n\
             #let bp-fit-table = dictionary(bp-template).at(\"fit-table\", default: dictionary(bp-brief).at(\"fit-table\", default: (t, ..rest) => t))\n\
             #let bp-long-word = dictionary(bp-template).at(\"long-word\", default: dictionary(bp-brief).at(\"long-word\", default: w => w))",
            str_lit(&format!(
                "/templates/{}/template.typ",
                crate::project::template::DEFAULT
            )),
        );
        if !p.style.is_empty() {
            let _ = writeln!(
                self.out,
                "#let bp-takes-style = dictionary(bp-template).at({marker}, default: 1) >= 3 or (dictionary(bp-brief).at({marker}, default: 1) >= 3 and bp-brief.publication in dictionary(bp-template).values())"
            );
        }
    }

    /// The header of a file that carries its template: the template's
    /// source, which speaks the current contract.
    fn inlined(&mut self, source: &str) {
        let p = self.publication;
        let _ = writeln!(
            self.out,
            "// Generated by briefpress {} from {}, with the built-in template `{}` written in,\n\
             // so it compiles on its own: typst compile --root <project folder> <this file>.\n\
             // Text in Arabic, Hebrew or Devanagari script, or emoji, needs that template's fonts:\n\
             // add --font-path templates/{}/fonts after `briefpress template export {}`.\n\
             // User text appears only in string literals.\n",
            env!("CARGO_PKG_VERSION"),
            p.source,
            p.template,
            p.template,
            p.template,
        );
        self.push(source.trim_end());
        self.push("\n\n// ---- The publication (generated by briefpress) ----\n\n#let bp-takes-language = true\n");
        // The fitting calls: the template's own, or none (tables and words
        // as typst sets them) when it has none.
        for (name, fallback) in [("fit-table", "(t, ..rest) => t"), ("long-word", "w => w")] {
            let own = source.contains(&format!("#let {name}("));
            let _ = writeln!(
                self.out,
                "#let bp-{name} = {}",
                if own { name } else { fallback }
            );
        }
        if !p.style.is_empty() {
            self.push("#let bp-takes-style = true\n");
        }
    }

    fn metadata(&mut self) {
        let p = self.publication;
        let m = &p.meta;
        self.field("title", &str_lit(&m.title));
        self.field("subtitle", &opt_str(m.subtitle.as_deref()));
        self.field("authors", &array(m.authors.iter().map(|a| str_lit(a))));
        self.field("publisher", &opt_str(m.publisher.as_deref()));
        self.field("date", &datetime(m.date));
        self.field("updated", &m.updated.map_or("none".into(), datetime));
        self.field("language", &str_lit(m.language_code()));
        self.field("region", &opt_str(self.language.region()));
        self.field("identifier", &str_lit(&m.identifier));
        self.field("keywords", &array(m.keywords.iter().map(|k| str_lit(k))));
        let summary = match &p.summary {
            Some(blocks) => self.content(|g| {
                g.place = Place {
                    nested: true,
                    ..Place::default()
                };
                g.blocks(blocks, 1);
            }),
            None => "none".into(),
        };
        self.field("summary", &summary);
        let cover = p.cover.map_or("none".into(), |id| {
            str_lit(&format!("/{}", p.asset(id).path))
        });
        self.field("cover", &cover);
        let highlights = p.highlights.iter().map(|h| {
            format!(
                "(value: {}, label: {}, source: {})",
                str_lit(&h.value),
                str_lit(&h.label),
                opt_str(h.source.as_deref())
            )
        });
        self.field("highlights", &array(highlights));
        let attachments = p.attachments.iter().map(|a| {
            let (url, path, filename, mime, size) = match &a.target {
                AttachmentTarget::Url(url) => {
                    (str_lit(url), "none".into(), "none".into(), "none".into(), "none".into())
                }
                AttachmentTarget::File(id) => {
                    let asset = p.asset(*id);
                    (
                        "none".into(),
                        str_lit(&format!("/{}", asset.path)),
                        str_lit(&asset.file_name),
                        str_lit(asset.media_type),
                        asset.data.len().to_string(),
                    )
                }
            };
            format!(
                "(title: {}, description: {}, url: {url}, path: {path}, filename: {filename}, mime: {mime}, size: {size})",
                str_lit(&a.title),
                opt_str(a.description.as_deref()),
            )
        });
        self.field("attachments", &array(attachments));
        // Only named when it is not the default, so a project template
        // written before editions existed still builds the standard one.
        if self.edition != Edition::Standard {
            self.field("edition", &str_lit(self.edition.name()));
        }
    }

    /// `bp-style`: the publication's `[style]`, for a template of contract 3
    /// (or one wrapping a `brief` of contract 3); only the keys set.
    fn style(&mut self) {
        let p = self.publication;
        let style = &p.style;
        let mut fields = Vec::new();
        if let Some(accent) = style.accent {
            fields.push(format!("accent: rgb({})", str_lit(&accent.hex())));
        }
        if let Some(font) = &style.font {
            fields.push(format!("font: {}", str_lit(font)));
        }
        if let Some(font) = &style.heading_font {
            fields.push(format!("heading-font: {}", str_lit(font)));
        }
        if let Some(logo) = &style.logo {
            fields.push(format!(
                "logo: (src: {}, alt: {})",
                str_lit(&format!("/{}", p.asset(logo.asset).path)),
                str_lit(&logo.alt)
            ));
        }
        if let Some(paper) = style.paper {
            fields.push(format!("paper: {}", str_lit(paper.name())));
        }
        let _ = writeln!(
            self.out,
            "#let bp-style = ({})",
            fields
                .iter()
                .map(|f| format!("\n  {f},"))
                .collect::<String>()
                + "\n"
        );
    }

    /// `bp-language`: the label table and the texts formatted in the
    /// publication's language, for a template of contract 2.
    fn language(&mut self) {
        let (p, language) = (self.publication, self.language);
        let labels = language
            .labels
            .iter()
            .map(|(key, text)| format!("    {}: {},\n", key.replace('_', "-"), str_lit(text)))
            .collect::<String>();
        let updated = p
            .meta
            .updated
            .map_or("none".into(), |d| str_lit(&language.date(d)));
        let sizes = p.attachments.iter().map(|a| match a.target {
            AttachmentTarget::File(id) => {
                str_lit(&language.file_size(p.asset(id).data.len() as u64))
            }
            AttachmentTarget::Url(_) => "none".into(),
        });
        let _ = writeln!(
            self.out,
            "#let bp-language = (\n  labels: (\n{labels}  ),\n  texts: (\n    dir: {},\n    date: {},\n    updated: {updated},\n    authors: {},\n    sizes: {},\n  ),\n)",
            str_lit(language.direction.as_str()),
            str_lit(&language.date(p.meta.date)),
            str_lit(&language.and_list(&p.meta.authors)),
            array(sizes),
        );
    }

    fn field(&mut self, name: &str, value: &str) {
        let _ = writeln!(self.out, "  {name}: {value},");
    }

    /// Embeds every file attachment; templates only list them.
    fn attachments_embed(&mut self) {
        let p = self.publication;
        for attachment in &p.attachments {
            if let AttachmentTarget::File(id) = attachment.target {
                let asset = p.asset(id);
                let description = attachment
                    .description
                    .as_deref()
                    .unwrap_or(&attachment.title);
                let _ = writeln!(
                    self.out,
                    "#pdf.attach({}, read({}, encoding: none), relationship: \"supplement\", mime-type: {}, description: {})",
                    str_lit(&asset.file_name),
                    str_lit(&format!("/{}", asset.path)),
                    str_lit(asset.media_type),
                    str_lit(description),
                );
            }
        }
        self.push("\n");
    }

    /// Renders into a fresh buffer and returns it wrapped as a content block.
    fn content(&mut self, f: impl FnOnce(&mut Self)) -> String {
        let outer = std::mem::take(&mut self.out);
        f(self);
        let inner = std::mem::replace(&mut self.out, outer);
        format!("[{}]", inner.trim_end())
    }

    /// Blocks separated by blank lines (paragraph breaks), none after the last,
    /// so a tight list item stays a single paragraph.
    fn blocks(&mut self, blocks: &[Block], depth: u8) {
        for (i, block) in blocks.iter().enumerate() {
            if i > 0 {
                self.push("\n\n");
            }
            self.block(block, depth);
        }
    }

    fn block(&mut self, block: &Block, depth: u8) {
        match block {
            Block::Paragraph(inlines) => self.inlines(inlines),
            Block::Heading { level, content } => {
                let _ = write!(self.out, "#heading(level: {})[", depth + level);
                self.within(|p| p.plain = true, |g| g.inlines(content));
                self.push("]");
            }
            Block::List {
                start,
                tight,
                items,
            } => {
                match start {
                    Some(n) => {
                        let _ = write!(self.out, "#enum(tight: {tight}, start: {n}");
                    }
                    None => {
                        let _ = write!(self.out, "#list(tight: {tight}");
                    }
                }
                for item in items {
                    self.push(", [");
                    self.within(|p| p.nested = true, |g| g.blocks(item, depth));
                    self.push("]");
                }
                self.push(")");
            }
            Block::Quote(blocks) => {
                self.push("#quote(block: true)[");
                self.within(|p| p.nested = true, |g| g.blocks(blocks, depth));
                self.push("]");
            }
            Block::Code { lang, text } => {
                // The newline that ends a fenced block would be an empty last
                // line: blank space on the page, an empty `P` in the tags.
                let _ = write!(
                    self.out,
                    "#raw({}, block: true, lang: {})",
                    str_lit(text.trim_end_matches(['\n', '\r'])),
                    opt_str(lang.as_deref())
                );
            }
            Block::Table(table) => self.table(table),
            Block::Figure { image, alt } => {
                let path = format!("/{}", self.publication.asset(*image).path);
                let _ = write!(
                    self.out,
                    "#figure(image({}, alt: {}), caption: [#{}])",
                    str_lit(&path),
                    str_lit(alt),
                    str_lit(alt)
                );
            }
            Block::Rule => self.push("#line(length: 100%, stroke: 0.5pt)"),
        }
    }

    /// Writes with the place changed by `change`, then restores it.
    fn within(&mut self, change: impl FnOnce(&mut Place), write: impl FnOnce(&mut Self)) {
        let outer = self.place;
        change(&mut self.place);
        write(self);
        self.place = Place {
            tables: self.place.tables,
            ..outer
        };
    }

    /// A table, through the template's `fit-table`, which makes it fit the
    /// page (see [`table_id`]).
    fn table(&mut self, table: &Table) {
        self.place.tables += 1;
        let id = table_id(self.place.section, self.place.tables);
        self.push("#bp-fit-table(");
        self.within(|p| p.plain = true, |g| g.table_call(table));
        let _ = write!(
            self.out,
            ", id: {}, landscape: {})",
            str_lit(&id),
            !self.place.nested
        );
    }

    fn table_call(&mut self, table: &Table) {
        let columns = table.columns();
        let align = table
            .align
            .iter()
            .map(|a| match a {
                Align::None => "auto",
                Align::Left => "left",
                Align::Center => "center",
                Align::Right => "right",
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            self.out,
            "table(columns: {columns}, align: ({align},), table.header("
        );
        self.cells(&table.header, columns);
        self.push(")");
        for row in &table.rows {
            self.push(", ");
            self.cells(row, columns);
        }
        self.push(")");
    }

    /// Writes exactly `columns` cells, padding short rows.
    fn cells(&mut self, row: &[Vec<Inline>], columns: usize) {
        for i in 0..columns {
            if i > 0 {
                self.push(", ");
            }
            self.push("[");
            if let Some(cell) = row.get(i) {
                self.inlines(cell);
            }
            self.push("]");
        }
    }

    fn inlines(&mut self, inlines: &[Inline]) {
        for inline in inlines {
            self.inline(inline);
        }
    }

    fn wrapped(&mut self, func: &str, inlines: &[Inline]) {
        let _ = write!(self.out, "#{func}[");
        self.inlines(inlines);
        self.push("]");
    }

    fn inline(&mut self, inline: &Inline) {
        match inline {
            Inline::Text(text) if self.place.plain => {
                self.push("#");
                self.push(&str_lit(text));
            }
            Inline::Text(text) => self.text(text),
            // Emphasis is styled text, not `emph`/`strong`: under PDF/UA-1
            // (PDF 1.7) their `Em`/`Strong` tags are custom roles mapped to
            // a plain `Span`, which tells assistive technology nothing, and
            // as child elements they split a paragraph's tagged content in
            // two (outloud's reading-order check, ORD-001, counts each split).
            Inline::Emph(c) => {
                let style = EMPH[self.emph_depth % 2];
                self.emph_depth += 1;
                self.wrapped(style, c);
                self.emph_depth -= 1;
            }
            Inline::Strong(c) => self.wrapped(STRONG, c),
            Inline::Strike(c) => self.wrapped("strike", c),
            // typst tags the passage's text with its own `Lang`.
            Inline::Passage { tag, content } => {
                let language = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
                let _ = write!(self.out, "#text(lang: {}", str_lit(&language));
                if let Some(region) = region_of(tag) {
                    let _ = write!(self.out, ", region: {}", str_lit(region));
                }
                self.push(")[");
                self.inlines(content);
                self.push("]");
            }
            Inline::Code(code) => {
                let _ = write!(self.out, "#raw({})", str_lit(code));
            }
            Inline::Link { target, content } => {
                match target {
                    LinkTarget::External(url) => {
                        let _ = write!(self.out, "#link({})[", str_lit(url));
                    }
                    LinkTarget::Section(id) => {
                        let _ = write!(self.out, "#link(<{id}>)[");
                    }
                }
                self.within(|p| p.plain = true, |g| g.inlines(content));
                self.push("]");
            }
            Inline::Image { image, alt } => {
                let path = format!("/{}", self.publication.asset(*image).path);
                let _ = write!(
                    self.out,
                    "#box(image({}, alt: {}, height: 1.2em))",
                    str_lit(&path),
                    str_lit(alt)
                );
            }
            Inline::FootnoteRef { index, first } => {
                if *first {
                    let blocks = &self.publication.footnotes[*index].blocks;
                    let body = self.content(|g| {
                        g.within(
                            |p| {
                                *p = Place {
                                    nested: true,
                                    plain: false,
                                    ..*p
                                }
                            },
                            |g| g.blocks(blocks, Footnote::HEADING_DEPTH),
                        );
                    });
                    let _ = write!(self.out, "#footnote{body}<{}>", Footnote::anchor(*index));
                } else {
                    let _ = write!(self.out, "#footnote(<{}>)", Footnote::anchor(*index));
                }
            }
            Inline::SoftBreak => self.push("#\" \""),
            Inline::LineBreak => self.push("#linebreak()"),
        }
    }
}

impl Generator<'_> {
    /// Running text: every run of [`LONG_WORD`] characters or more that
    /// offers no break opportunity goes through the template's `long-word`,
    /// which breaks it only if it is wider than a line.
    fn text(&mut self, text: &str) {
        let mut last = 0;
        for range in long_words(text) {
            if range.start > last {
                self.push("#");
                self.push(&str_lit(&text[last..range.start]));
            }
            let _ = write!(self.out, "#bp-long-word({})", str_lit(&text[range.clone()]));
            last = range.end;
        }
        if last < text.len() || text.is_empty() {
            self.push("#");
            self.push(&str_lit(&text[last..]));
        }
    }
}

/// The fewest characters a word has before the template measures it: a
/// shorter one fits any text column a template sets.
pub(crate) const LONG_WORD: usize = 24;

/// The byte ranges of the long words in `text`: runs of at least
/// [`LONG_WORD`] characters without white space, outside the scripts whose
/// lines break between characters, that are not web addresses (typst breaks
/// those after their punctuation).
fn long_words(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut count = 0;
    let mut end_run = |start: &mut Option<usize>, count: usize, end: usize| {
        if let Some(from) = start.take() {
            let word = &text[from..end];
            let address = word.contains("://")
                || word
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case("www."));
            if count >= LONG_WORD && !address {
                out.push(from..end);
            }
        }
    };
    for (at, c) in text.char_indices() {
        if c.is_whitespace() || breaks_anywhere(c) {
            end_run(&mut start, count, at);
            count = 0;
        } else {
            start.get_or_insert(at);
            count += 1;
        }
    }
    end_run(&mut start, count, text.len());
    out
}

/// Whether lines may break around `c` without a space: CJK, and the scripts
/// of South-East Asia that break by dictionary.
pub(crate) fn breaks_anywhere(c: char) -> bool {
    use unicode_script::{Script, UnicodeScript};
    matches!(
        c.script(),
        Script::Han
            | Script::Hiragana
            | Script::Katakana
            | Script::Hangul
            | Script::Bopomofo
            | Script::Thai
            | Script::Lao
            | Script::Khmer
            | Script::Myanmar
    )
}

/// The id a table is written with in the typst source, and that the
/// template's fitting records name: `"2:1"` for the first table of the
/// third section (its notes included), `"summary:1"` in the standfirst.
pub(crate) fn table_id(section: Option<usize>, number: usize) -> String {
    match section {
        Some(index) => format!("{index}:{number}"),
        None => format!("summary:{number}"),
    }
}

fn opt_str(value: Option<&str>) -> String {
    value.map_or_else(|| "none".to_string(), str_lit)
}

/// A typst array literal; one element gets the trailing comma typst needs.
fn array(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.len() {
        0 => "()".into(),
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

fn datetime(date: Date) -> String {
    format!(
        "datetime(year: {}, month: {}, day: {})",
        date.year, date.month, date.day
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_escape_everything_typst_would_interpret() {
        assert_eq!(str_lit("a\nb\tc\r"), r#""a\nb\tc\r""#);
        assert_eq!(str_lit("\u{7f}"), r#""\u{7f}""#);
    }

    fn english() -> Language {
        Language::new(
            "en".into(),
            crate::project::labels::Labels::for_language("en"),
        )
    }

    /// A publication whose only section holds `blocks`.
    fn with_body(blocks: Vec<Block>) -> Publication {
        let date = Date {
            year: 2024,
            month: 3,
            day: 1,
        };
        Publication {
            source: "content/a.toml".into(),
            meta: crate::model::Meta {
                title: "A".into(),
                subtitle: None,
                authors: Vec::new(),
                publisher: None,
                date,
                updated: None,
                language: "en".into(),
                identifier: "urn:x".into(),
                keywords: Vec::new(),
            },
            summary: None,
            cover: None,
            template: "brief".into(),
            editions: Vec::new(),
            highlights: Vec::new(),
            sections: vec![crate::model::Section {
                id: "s".into(),
                title: "S".into(),
                blocks,
            }],
            footnotes: Vec::new(),
            attachments: Vec::new(),
            assets: Vec::new(),
            inputs: Vec::new(),
            texts: Vec::new(),
            labels: Default::default(),
            style: Default::default(),
        }
    }

    #[test]
    fn emphasis_is_italic_text_and_upright_inside_emphasis() {
        let text = |t: &str| Inline::Text(t.into());
        let body = vec![Block::Paragraph(vec![
            Inline::Emph(vec![text("a"), Inline::Emph(vec![text("b")])]),
            Inline::Strong(vec![text("c")]),
        ])];
        let source = generate(&with_body(body), &english(), Edition::Standard);
        assert!(
            source.contains(
                r##"#text(style: "italic")[#"a"#text(style: "normal")[#"b"]]#text(weight: "bold")[#"c"]"##
            ),
            "{source}"
        );
        assert!(!source.contains("#emph") && !source.contains("#strong"));
    }

    #[test]
    fn a_code_block_ends_without_an_empty_line() {
        let code = Block::Code {
            lang: None,
            text: "x = 1\n".into(),
        };
        let source = generate(&with_body(vec![code]), &english(), Edition::Standard);
        assert!(
            source.contains(r##"#raw("x = 1", block: true"##),
            "{source}"
        );
    }

    #[test]
    fn long_words_are_runs_without_a_break_opportunity() {
        let long = "Donaudampfschifffahrtsgesellschaft";
        let text = format!(
            "a {long}, https://example.org/{long} www.{long}.org 年度简报年度简报年度简报年度简报年度简报年度简报 {}",
            &long[..23]
        );
        let found: Vec<&str> = long_words(&text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(found, [format!("{long},")]);
    }

    #[test]
    fn a_table_in_a_list_may_not_turn_the_page() {
        let table = Block::Table(Table {
            align: vec![Align::None],
            header: vec![vec![Inline::Text("h".into())]],
            rows: Vec::new(),
        });
        let list = Block::List {
            start: None,
            tight: true,
            items: vec![vec![table.clone()]],
        };
        let source = generate(&with_body(vec![table, list]), &english(), Edition::Standard);
        assert!(source.contains("id: \"0:1\", landscape: true)"), "{source}");
        assert!(
            source.contains("id: \"0:2\", landscape: false)"),
            "{source}"
        );
    }

    #[test]
    fn arrays_of_one_keep_their_comma() {
        assert_eq!(array(["\"a\"".to_string()].into_iter()), "(\"a\",)");
        assert_eq!(array(std::iter::empty()), "()");
    }
}

#[cfg(test)]
mod snapshot_tests;
