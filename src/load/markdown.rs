//! Markdown → model blocks, parsed once with pulldown-cmark.
//!
//! The converter walks pulldown-cmark's event stream with a stack of open
//! containers and builds our own [`Block`]/[`Inline`] tree. Raw HTML becomes
//! literal text (but for `<span lang>`, see [`passage`]), images are
//! resolved and checked as assets, heading levels are
//! closed up so they are always consecutive (PDF/UA requires it; a skipped
//! level is also a warning), bare web addresses become links
//! ([`autolink`]), and every problem points at its byte range in the
//! Markdown (or in the TOML string that holds it).
//!
//! The converter touches no disk and no loader state: it takes the text, a
//! [`Context`] (limits, the publication's element budget, and an [`Images`]
//! resolver) and returns [`Converted`] blocks, footnotes, internal links and
//! diagnostics. The loader resolves images against the project; unit tests
//! hand out asset ids from a closure.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Alignment, CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use toml::Spanned;

use super::LoadOptions;
use super::budget::{Budget, Spend};
use super::problems;
use super::toml_string::StringMap;
use super::unbroken::{Crossed, MAX_PER_BLOCK, MAX_PER_PUBLICATION};
use super::values::{is_forbidden_char, mailto_url, web_url};
use crate::diag::{Code, Diagnostic, Location, SourceText};
use crate::model::{Align, AssetId, Block, Footnote, Inline, LinkTarget, Table};
use passage::Html;

/// The Markdown dialect, in one place: CommonMark + tables, footnotes, strikethrough.
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// A piece of Markdown and where it lives, so errors can point into it.
pub(crate) struct MarkdownDoc<'a> {
    source: &'a SourceText,
    text: &'a str,
    /// Markdown offsets → offsets in `source` (through a TOML string's escapes).
    offsets: StringMap,
    dir: PathBuf,
    section: Option<usize>,
    headings: bool,
}

impl<'a> MarkdownDoc<'a> {
    /// Markdown held in the TOML string `value` of `source`, whose text is `text`.
    pub(crate) fn inline(
        source: &'a SourceText,
        value: &Spanned<String>,
        text: &'a str,
        dir: &Path,
        section: Option<usize>,
        headings: bool,
    ) -> Self {
        Self {
            source,
            text,
            offsets: StringMap::new(&source.text, value.span().start, value.get_ref()),
            dir: dir.to_path_buf(),
            section,
            headings,
        }
    }

    /// The file the Markdown is in (or the TOML file holding it).
    pub(crate) fn source(&self) -> &'a SourceText {
        self.source
    }

    /// A whole Markdown file.
    pub(crate) fn file(
        source: &'a SourceText,
        dir: &Path,
        section: Option<usize>,
        headings: bool,
    ) -> Self {
        Self {
            source,
            text: &source.text,
            offsets: StringMap::identity(),
            dir: dir.to_path_buf(),
            section,
            headings,
        }
    }
}

/// Resolves the images a Markdown text shows: the loader reads and checks
/// the file, a unit test hands out ids without a disk.
pub(crate) trait Images {
    /// The asset for `reference`, a path relative to `dir`, first used at
    /// `used_at`; `None` after pushing the reasons onto `diagnostics`.
    fn image(
        &mut self,
        dir: &Path,
        reference: &str,
        used_at: Location,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<AssetId>;
}

impl<F> Images for F
where
    F: FnMut(&Path, &str, Location, &mut Vec<Diagnostic>) -> Option<AssetId>,
{
    fn image(
        &mut self,
        dir: &Path,
        reference: &str,
        used_at: Location,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<AssetId> {
        self(dir, reference, used_at, diagnostics)
    }
}

/// What one conversion shares with the rest of its publication.
pub(crate) struct Context<'c> {
    /// The limits in force.
    pub options: &'c LoadOptions,
    /// Elements, headings and images counted so far in the publication.
    pub budget: &'c mut Budget,
    /// Where images come from.
    pub images: &'c mut dyn Images,
    /// How many footnotes the publication has so far: new notes are numbered after them.
    pub first_footnote: usize,
}

/// What a piece of Markdown became.
#[derive(Debug, Default)]
pub(crate) struct Converted {
    /// The body.
    pub blocks: Vec<Block>,
    /// The notes it references, in order of first reference, numbered from
    /// [`Context::first_footnote`]; a referenced note without a definition is empty.
    pub footnotes: Vec<Footnote>,
    /// `#id` links and their spans in the source, to check once every section id is known.
    pub links: Vec<(String, Range<usize>)>,
    /// Problems found, in order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Converts Markdown to blocks.
pub(crate) fn convert(doc: &MarkdownDoc<'_>, cx: Context<'_>) -> Converted {
    let mut converter = Converter {
        cx,
        doc,
        out: Converted::default(),
        stack: vec![Frame::Blocks(BlockKind::Root, Vec::new(), Vec::new())],
        headings: Vec::new(),
        notes: HashMap::new(),
        definitions: HashMap::new(),
        stopped: false,
        run: 0,
        at: 0..0,
        cells: 0,
        table_at: 0..0,
    };
    for (event, range) in Parser::new_ext(doc.text, options()).into_offset_iter() {
        if converter.stopped {
            break;
        }
        converter.at = range.clone();
        converter.event(event, range);
    }
    converter.finish()
}

enum BlockKind {
    Root,
    Quote,
    Item,
    Footnote(String),
}

enum InlineKind {
    Paragraph,
    Heading(u8, Range<usize>),
    Emph,
    Strong,
    Strike,
    Link(String, Range<usize>),
    Image(String, Range<usize>),
    Cell,
    Code(Option<String>),
    Html,
    /// A passage in another language: its tag, where it opens, and
    /// whether a `</span>` across other markup was reported for it.
    Passage(String, Range<usize>, bool),
    Plain,
}

enum Frame {
    /// A container of blocks; the third field gathers inline content of tight list items.
    Blocks(BlockKind, Vec<Block>, Vec<Inline>),
    Inlines(InlineKind, Vec<Inline>),
    List {
        start: Option<u64>,
        tight: bool,
        items: Vec<Vec<Block>>,
    },
    Table {
        table: Table,
        row: Vec<Vec<Inline>>,
    },
}

struct Converter<'c, 'd> {
    cx: Context<'c>,
    doc: &'d MarkdownDoc<'d>,
    /// What has been converted and found so far, blocks aside.
    out: Converted,
    stack: Vec<Frame>,
    /// Markdown levels of the open headings, for closing up level gaps.
    headings: Vec<u8>,
    /// Footnote label → index into the publication's footnotes (assigned at first reference).
    notes: HashMap<String, usize>,
    /// Footnote label → its definition.
    definitions: HashMap<String, Vec<Block>>,
    /// Set after a limit is crossed: the rest of the document is skipped.
    stopped: bool,
    /// Inline elements since the last block-level start, against `max_inline_run`.
    run: usize,
    /// The range of the event being converted.
    at: Range<usize>,
    /// Cells of the open table so far, and where it starts.
    cells: usize,
    table_at: Range<usize>,
}

impl Converter<'_, '_> {
    fn span(&self, range: &Range<usize>) -> Range<usize> {
        self.doc.offsets.range(range)
    }

    fn error(&mut self, code: Code, message: String, range: &Range<usize>, hint: &str) {
        let span = self.span(range);
        self.report(
            Diagnostic::error(code, message)
                .at(self.doc.source, Some(span))
                .hint(hint),
        );
    }

    /// Reports a limit the document went over and stops converting it: one
    /// message for the cause, not one per element past the limit.
    fn stop(&mut self, code: Code, message: String, range: &Range<usize>, hint: &str) {
        self.error(code, message, range, hint);
        self.stopped = true;
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.out.diagnostics.push(diagnostic);
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                // Character references (`&#x1;`) are decoded by now: check
                // what they stand for, at the reference.
                match text.chars().find(|&c| is_forbidden_char(c)) {
                    Some(c) => {
                        let span = self.span(&range);
                        self.report(problems::forbidden_reference(c, self.doc.source, span));
                    }
                    None => self.text(&text),
                }
            }
            Event::Code(code) => self.inline(Inline::Code(code.into_string())),
            Event::InlineHtml(html) => self.inline_html(&html, range),
            Event::Html(html) => self.text(&html),
            Event::InlineMath(math) | Event::DisplayMath(math) => self.text(&math),
            Event::FootnoteReference(label) => self.footnote_ref(label.into_string()),
            Event::SoftBreak => self.inline(Inline::SoftBreak),
            Event::HardBreak => self.inline(Inline::LineBreak),
            Event::Rule => self.block(Block::Rule),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    /// Whether one more open container would nest past the limit (then
    /// reported, and the conversion stopped).
    fn too_deep(&mut self, range: &Range<usize>, hint: &str) -> bool {
        let max = self.cx.options.max_depth;
        if self.stack.len() <= max {
            return false;
        }
        self.stop(
            Code::TooDeep,
            format!("Markdown nested more than {max} levels deep"),
            range,
            hint,
        );
        true
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        if self.too_deep(&range, "flatten the nesting of lists and quotes here") {
            return;
        }
        // A new paragraph, heading, cell or item starts a new run of inlines.
        let inline_tag = matches!(
            tag,
            Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Link { .. } | Tag::Image { .. }
        );
        if !inline_tag {
            self.run = 0;
            self.cx.budget.unbroken.start_block();
        }
        let frame = match tag {
            Tag::Paragraph => {
                if let Some(Frame::Blocks(BlockKind::Item, ..)) = self.stack.last()
                    && let Some(Frame::List { tight, .. }) = self.stack.iter_mut().rev().nth(1)
                {
                    *tight = false;
                }
                Frame::Inlines(InlineKind::Paragraph, Vec::new())
            }
            Tag::Heading { level, .. } => Frame::Inlines(
                InlineKind::Heading(heading_number(level), range),
                Vec::new(),
            ),
            Tag::BlockQuote(_) => Frame::Blocks(BlockKind::Quote, Vec::new(), Vec::new()),
            Tag::CodeBlock(kind) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .filter(|l| !l.is_empty())
                        .map(str::to_string),
                    CodeBlockKind::Indented => None,
                };
                Frame::Inlines(InlineKind::Code(lang), Vec::new())
            }
            Tag::HtmlBlock => Frame::Inlines(InlineKind::Html, Vec::new()),
            Tag::List(start) => Frame::List {
                start,
                tight: true,
                items: Vec::new(),
            },
            Tag::Item => Frame::Blocks(BlockKind::Item, Vec::new(), Vec::new()),
            Tag::FootnoteDefinition(label) => Frame::Blocks(
                BlockKind::Footnote(label.into_string()),
                Vec::new(),
                Vec::new(),
            ),
            Tag::Table(align) => {
                self.cells = 0;
                self.table_at = range.clone();
                Frame::Table {
                    table: Table {
                        align: align.into_iter().map(alignment).collect(),
                        header: Vec::new(),
                        rows: Vec::new(),
                    },
                    row: Vec::new(),
                }
            }
            Tag::TableHead | Tag::TableRow => return,
            Tag::TableCell => {
                self.cells += 1;
                let max = self.cx.options.max_table_cells;
                if self.cells > max {
                    // The table's first line, not all of it.
                    let start = self.table_at.start;
                    let at = start..start;
                    self.stop(
                        Code::TooLarge,
                        format!("this table has more than {max} cells"),
                        &at,
                        "split the table, or attach its data as a CSV file; typst lays out every cell of a table at once, in tens of kilobytes each",
                    );
                    return;
                }
                if !self.spend(Spend::Cell) {
                    return;
                }
                Frame::Inlines(InlineKind::Cell, Vec::new())
            }
            Tag::Emphasis => Frame::Inlines(InlineKind::Emph, Vec::new()),
            Tag::Strong => Frame::Inlines(InlineKind::Strong, Vec::new()),
            Tag::Strikethrough => Frame::Inlines(InlineKind::Strike, Vec::new()),
            Tag::Link { dest_url, .. } => {
                Frame::Inlines(InlineKind::Link(dest_url.into_string(), range), Vec::new())
            }
            Tag::Image { dest_url, .. } => {
                Frame::Inlines(InlineKind::Image(dest_url.into_string(), range), Vec::new())
            }
            _ => Frame::Inlines(InlineKind::Plain, Vec::new()),
        };
        self.stack.push(frame);
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::TableHead => {
                if let Some(Frame::Table { table, row }) = self.stack.last_mut() {
                    table.header = std::mem::take(row);
                }
                return;
            }
            TagEnd::TableRow => {
                if let Some(Frame::Table { table, row }) = self.stack.last_mut() {
                    table.rows.push(std::mem::take(row));
                }
                return;
            }
            _ => {}
        }
        self.close_open_passages();
        let Some(frame) = self.stack.pop() else {
            return;
        };
        match frame {
            Frame::Blocks(kind, mut blocks, pending) => {
                flush(&mut blocks, autolink::linkify(pending));
                match kind {
                    BlockKind::Root => self.stack.push(Frame::Blocks(kind, blocks, Vec::new())),
                    BlockKind::Quote => self.block(Block::Quote(blocks)),
                    BlockKind::Item => {
                        if let Some(Frame::List { items, .. }) = self.stack.last_mut() {
                            items.push(blocks);
                        }
                    }
                    BlockKind::Footnote(label) => {
                        self.definitions.insert(label, blocks);
                    }
                }
            }
            Frame::List {
                start,
                tight,
                items,
            } => self.block(Block::List {
                start,
                tight,
                items,
            }),
            Frame::Table { table, .. } => self.block(Block::Table(table)),
            Frame::Inlines(kind, inlines) => self.end_inlines(kind, inlines),
        }
    }

    fn end_inlines(&mut self, kind: InlineKind, inlines: Vec<Inline>) {
        match kind {
            InlineKind::Paragraph => {
                let inlines = self.linkify(inlines);
                self.paragraph(inlines);
            }
            InlineKind::Heading(level, range) => {
                let inlines = self.linkify(inlines);
                self.heading(level, range, inlines);
            }
            InlineKind::Emph => {
                let inlines = self.linkify(inlines);
                self.inline(Inline::Emph(inlines));
            }
            InlineKind::Strong => {
                let inlines = self.linkify(inlines);
                self.inline(Inline::Strong(inlines));
            }
            InlineKind::Strike => {
                let inlines = self.linkify(inlines);
                self.inline(Inline::Strike(inlines));
            }
            InlineKind::Passage(tag, ..) => {
                let content = self.linkify(inlines);
                self.inline(Inline::Passage { tag, content });
            }
            InlineKind::Plain => {
                for inline in inlines {
                    self.inline(inline);
                }
            }
            InlineKind::Cell => {
                let inlines = self.linkify(inlines);
                if let Some(Frame::Table { row, .. }) = self.stack.last_mut() {
                    row.push(inlines);
                }
            }
            InlineKind::Code(lang) => {
                let text = Inline::plain_text(&inlines);
                self.block(Block::Code { lang, text });
            }
            InlineKind::Html => {
                let text = Inline::plain_text(&inlines).trim_end().to_string();
                if !text.is_empty() {
                    self.block(Block::Paragraph(vec![Inline::Text(text)]));
                }
            }
            InlineKind::Link(dest, range) => self.link(dest, range, inlines),
            InlineKind::Image(dest, range) => self.image(dest, range, inlines),
        }
    }

    /// `<span lang="…">` opens a passage in another language and `</span>`
    /// closes it; other inline HTML is text.
    fn inline_html(&mut self, html: &str, range: Range<usize>) {
        match passage::classify(html) {
            Html::Open(tag) => {
                if self.too_deep(&range, "flatten the nesting of passages, emphasis and links here")
                {
                    return;
                }
                self.stack
                    .push(Frame::Inlines(InlineKind::Passage(tag, range, false), Vec::new()));
            }
            Html::Refused(why) => self.error(
                Code::InvalidValue,
                why,
                &range,
                "mark a passage in another language as <span lang=\"fr\">…</span>, with a tag like `fr`, `pt-BR` or `zh-Hant`",
            ),
            Html::Close => match self.stack.last() {
                Some(Frame::Inlines(InlineKind::Passage(..), _)) => {
                    if let Some(Frame::Inlines(kind, inlines)) = self.stack.pop() {
                        self.end_inlines(kind, inlines);
                    }
                }
                _ if self.open_passage().is_some() => {
                    self.error(
                        Code::InvalidValue,
                        "this `</span>` would close a passage across the emphasis or link opened inside it".to_string(),
                        &range,
                        "close the emphasis or link before `</span>`, or open the passage inside it",
                    );
                    // One message for the cause, not also "left open".
                    if let Some(Frame::Inlines(InlineKind::Passage(_, _, crossed), _)) =
                        self.open_passage_frame()
                    {
                        *crossed = true;
                    }
                }
                // No passage open: text, as any other HTML.
                _ => self.text(html),
            },
            Html::Other => self.text(html),
        }
    }

    /// Whether a passage is still open in this paragraph, heading or cell,
    /// under the emphasis or links open now.
    fn open_passage(&self) -> Option<&Frame> {
        let position = self.open_passage_position()?;
        self.stack.get(position)
    }

    /// The frame of the innermost passage [`Self::open_passage`] finds.
    fn open_passage_frame(&mut self) -> Option<&mut Frame> {
        let position = self.open_passage_position()?;
        self.stack.get_mut(position)
    }

    fn open_passage_position(&self) -> Option<usize> {
        for (position, frame) in self.stack.iter().enumerate().rev() {
            match frame {
                Frame::Inlines(InlineKind::Passage(..), _) => return Some(position),
                Frame::Inlines(
                    InlineKind::Emph
                    | InlineKind::Strong
                    | InlineKind::Strike
                    | InlineKind::Link(..)
                    | InlineKind::Image(..),
                    _,
                ) => {}
                _ => return None,
            }
        }
        None
    }

    /// Before a paragraph, emphasis or link ends: a passage still open in
    /// it is an error, and its text stays where it is.
    fn close_open_passages(&mut self) {
        while let Some(Frame::Inlines(InlineKind::Passage(..), _)) = self.stack.last() {
            let Some(Frame::Inlines(InlineKind::Passage(tag, at, crossed), inlines)) =
                self.stack.pop()
            else {
                return;
            };
            if !crossed {
                self.error(
                    Code::InvalidValue,
                    format!("this `<span lang=\"{tag}\">` is not closed"),
                    &at,
                    "add `</span>` where the passage ends, in the same paragraph and inside the same emphasis or link",
                );
            }
            self.end_inlines(InlineKind::Plain, inlines);
        }
    }

    /// Turns bare web addresses into links, unless the text is already
    /// inside a link or an image description.
    fn linkify(&self, inlines: Vec<Inline>) -> Vec<Inline> {
        let in_link = self.stack.iter().any(|frame| {
            matches!(
                frame,
                Frame::Inlines(InlineKind::Link(..) | InlineKind::Image(..), _)
            )
        });
        if in_link {
            inlines
        } else {
            autolink::linkify(inlines)
        }
    }

    fn paragraph(&mut self, inlines: Vec<Inline>) {
        let meaningful: Vec<&Inline> = inlines
            .iter()
            .filter(|i| !matches!(i, Inline::Text(t) if t.trim().is_empty()))
            .filter(|i| !matches!(i, Inline::SoftBreak | Inline::LineBreak))
            .collect();
        if let [Inline::Image { image, alt }] = meaningful.as_slice() {
            let figure = Block::Figure {
                image: *image,
                alt: alt.clone(),
            };
            self.block(figure);
        } else if !inlines.is_empty() {
            self.block(Block::Paragraph(inlines));
        }
    }

    /// Counts an element against the publication's limits; stops the
    /// conversion (after reporting, once) when one is crossed.
    fn spend(&mut self, what: Spend) -> bool {
        match self.cx.budget.spend(what, self.cx.options) {
            Ok(()) => true,
            Err(crossed) => {
                if let Some(message) = crossed {
                    let at = self.at.clone();
                    self.error(
                        Code::TooLarge,
                        message,
                        &at,
                        "split the publication into several, or simplify the Markdown",
                    );
                }
                self.stopped = true;
                false
            }
        }
    }

    fn heading(&mut self, markdown_level: u8, range: Range<usize>, content: Vec<Inline>) {
        if Inline::plain_text(&content).trim().is_empty() {
            // An empty heading has nothing to navigate to; PDF/UA forbids it.
            let span = self.span(&range);
            self.report(
                Diagnostic::warning(Code::InvalidValue, "empty heading left out")
                    .at(self.doc.source, Some(span))
                    .hint("give the heading some text, or delete the line"),
            );
            return;
        }
        if !self.doc.headings {
            self.block(Block::Paragraph(vec![Inline::Strong(content)]));
            return;
        }
        if !self.spend(Spend::Heading) {
            return;
        }
        while self
            .headings
            .last()
            .is_some_and(|&open| open >= markdown_level)
        {
            self.headings.pop();
        }
        if let Some(&open) = self.headings.last()
            && markdown_level > open + 1
        {
            self.skipped_level(open, markdown_level, &range);
        }
        self.headings.push(markdown_level);
        let level = u8::try_from(self.headings.len()).unwrap_or(5).min(5);
        self.block(Block::Heading { level, content });
    }

    /// Warns that a heading is more than one level below the heading it
    /// follows (`#` then `###`); it is set one level below all the same.
    fn skipped_level(&mut self, open: u8, markdown_level: u8, range: &Range<usize>) {
        let marks = |n: u8| "#".repeat(usize::from(n));
        let (above, here, wanted) = (marks(open), marks(markdown_level), marks(open + 1));
        let span = self.span(range);
        self.report(
            Diagnostic::warning(
                Code::SkippedHeadingLevel,
                format!(
                    "heading `{here}` follows a `{above}` heading and skips a level; it is set one level below it"
                ),
            )
            .at(self.doc.source, Some(span))
            .hint(format!(
                "write `{wanted}` here, or add the missing `{wanted}` heading above it (headings go down one level at a time)"
            )),
        );
    }

    fn link(&mut self, dest: String, range: Range<usize>, content: Vec<Inline>) {
        let target = if let Some(id) = dest.strip_prefix('#') {
            let span = self.span(&range);
            self.out.links.push((id.to_string(), span));
            Some(LinkTarget::Section(id.to_string()))
        } else if let Some(url) = web_url(&dest).or_else(|| mailto_url(&dest)) {
            Some(LinkTarget::External(url))
        } else {
            self.error(
                Code::InvalidLink,
                format!("link to `{dest}` is neither a web address nor a section anchor"),
                &range,
                "link to https://…, mailto:…, or #section-id; list local files under [[attachments]]",
            );
            None
        };
        match target {
            Some(target) => self.inline(Inline::Link { target, content }),
            None => {
                for inline in content {
                    self.inline(inline);
                }
            }
        }
    }

    fn image(&mut self, dest: String, range: Range<usize>, content: Vec<Inline>) {
        let alt = Inline::plain_text(&content).trim().to_string();
        if alt.is_empty() {
            self.error(
                Code::MissingAltText,
                format!("image `{dest}` has no alt text"),
                &range,
                "describe the image between the brackets: ![what it shows](path); it is also the caption",
            );
            return;
        }
        if dest.contains("://") {
            self.error(
                Code::NotAnImage,
                format!("image `{dest}` is remote; briefpress never downloads"),
                &range,
                "save the image into the project and refer to it by a relative path",
            );
            return;
        }
        let dest = match local_path::decode(&dest) {
            Ok(path) => path,
            Err(message) => {
                self.error(
                    Code::InvalidValue,
                    message,
                    &range,
                    "image paths are URLs: write a space as `%20` (or the path as `<my image.svg>`), \
                     a `%` as `%25`, and folders with a plain `/`",
                );
                return;
            }
        };
        if !self.spend(Spend::Image) {
            return;
        }
        let used_at = Location {
            source: self.doc.source.clone(),
            span: Some(self.span(&range)),
        };
        let found = self
            .cx
            .images
            .image(&self.doc.dir, &dest, used_at, &mut self.out.diagnostics);
        if let Some(image) = found {
            self.inline(Inline::Image { image, alt });
        }
    }

    fn footnote_ref(&mut self, label: String) {
        let (index, first) = match self.notes.get(&label) {
            Some(&index) => (index, false),
            None => {
                let index = self.cx.first_footnote + self.out.footnotes.len();
                self.out.footnotes.push(Footnote {
                    section: self.doc.section,
                    blocks: Vec::new(),
                });
                self.notes.insert(label, index);
                (index, true)
            }
        };
        self.inline(Inline::FootnoteRef { index, first });
    }

    fn text(&mut self, text: &str) {
        let in_code = matches!(
            self.stack.last(),
            Some(Frame::Inlines(InlineKind::Code(_), _))
        );
        if !in_code && let Err((crossed, run_start)) = self.cx.budget.unbroken.add(text) {
            self.unbroken(text, crossed, run_start);
            return;
        }
        if let Some(Frame::Inlines(_, inlines)) = self.stack.last_mut()
            && let Some(Inline::Text(prev)) = inlines.last_mut()
        {
            prev.push_str(text);
            return;
        }
        self.inline(Inline::Text(text.to_string()));
    }

    /// Stops at the word that crossed a limit on words without a break
    /// opportunity: at its start when this text holds it as written.
    fn unbroken(&mut self, text: &str, crossed: Crossed, run_start: usize) {
        let mut at = self.at.clone();
        if self.doc.text.get(at.clone()) == Some(text) {
            at = at.start + run_start..at.start + run_start;
        }
        let message = match crossed {
            Crossed::Block => format!(
                "this paragraph has more than {MAX_PER_BLOCK} characters in words with no place to break a line"
            ),
            Crossed::Publication => format!(
                "the publication has more than {MAX_PER_PUBLICATION} characters in words with no place to break a line"
            ),
        };
        self.stop(
            Code::TooLarge,
            message,
            &at,
            "break the run of characters with spaces, or shorten it; \
             typst's time grows with the square of the places it must break such a word",
        );
    }

    fn inline(&mut self, inline: Inline) {
        self.run += 1;
        if self.run > self.cx.options.max_inline_run {
            let max = self.cx.options.max_inline_run;
            let at = self.at.clone();
            self.stop(
                Code::TooLarge,
                format!("a paragraph with more than {max} inline elements (emphasis, links, line breaks…)"),
                &at,
                "split the paragraph; typst needs memory for every styled run of one paragraph at once",
            );
            return;
        }
        if !self.spend(Spend::Element) {
            return;
        }
        match self.stack.last_mut() {
            Some(Frame::Inlines(_, inlines)) => inlines.push(inline),
            Some(Frame::Blocks(_, _, pending)) => pending.push(inline),
            _ => {}
        }
    }

    fn block(&mut self, block: Block) {
        if !self.spend(Spend::Element) {
            return;
        }
        if let Some(Frame::Blocks(_, blocks, pending)) = self.stack.last_mut() {
            flush(blocks, autolink::linkify(std::mem::take(pending)));
            blocks.push(block);
        }
    }

    fn finish(mut self) -> Converted {
        // Unwind anything left open (only after a nesting error).
        while self.stack.len() > 1 {
            self.stack.pop();
        }
        let blocks = match self.stack.pop() {
            Some(Frame::Blocks(_, mut blocks, pending)) => {
                flush(&mut blocks, autolink::linkify(pending));
                blocks
            }
            _ => Vec::new(),
        };
        let mut notes: Vec<(String, usize)> = self.notes.drain().collect();
        notes.sort_by_key(|(_, index)| *index);
        for (label, index) in notes {
            if let Some(definition) = self.definitions.remove(&label)
                && let Some(note) = index
                    .checked_sub(self.cx.first_footnote)
                    .and_then(|slot| self.out.footnotes.get_mut(slot))
            {
                note.blocks = definition;
            }
        }
        // pulldown-cmark leaves a reference to an undefined note as plain text.
        let mut texts = Vec::new();
        collect_texts(&blocks, &mut texts);
        let mut written: Option<HashMap<&str, usize>> = None;
        let mut reported = HashSet::new();
        for label in texts.iter().flat_map(|t| undefined_refs(t)) {
            // One message per missing note, however often it is referenced.
            if !reported.insert(label) {
                continue;
            }
            // Where each `[^label]` is first written, found in one pass.
            let written = written.get_or_insert_with(|| first_refs(self.doc.text));
            let at = written.get(label).copied().unwrap_or(0);
            self.error(
                Code::InvalidLink,
                format!("footnote `[^{label}]` is referenced but never defined"),
                &(at..at + label.len() + 3),
                "add a definition line: [^label]: the note text",
            );
        }
        Converted { blocks, ..self.out }
    }
}

/// Every text run of a block tree (not code), for checks on the final text.
fn collect_texts<'b>(blocks: &'b [Block], out: &mut Vec<&'b str>) {
    fn inlines<'b>(items: &'b [Inline], out: &mut Vec<&'b str>) {
        for item in items {
            match item {
                Inline::Text(t) => out.push(t),
                Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => inlines(c, out),
                Inline::Passage { content, .. } | Inline::Link { content, .. } => {
                    inlines(content, out)
                }
                _ => {}
            }
        }
    }
    for block in blocks {
        match block {
            Block::Paragraph(c) | Block::Heading { content: c, .. } => inlines(c, out),
            Block::List { items, .. } => items.iter().for_each(|i| collect_texts(i, out)),
            Block::Quote(b) => collect_texts(b, out),
            Block::Table(t) => t
                .header
                .iter()
                .chain(t.rows.iter().flatten())
                .for_each(|c| inlines(c, out)),
            Block::Code { .. } | Block::Figure { .. } | Block::Rule => {}
        }
    }
}

/// Labels of `[^label]` left in text (references to notes that do not exist).
fn undefined_refs(text: &str) -> Vec<&str> {
    text.match_indices("[^")
        .filter_map(|(at, _)| {
            let rest = &text[at + 2..];
            let end = rest.find(']')?;
            let label = &rest[..end];
            (!label.is_empty() && !label.contains(|c: char| c.is_whitespace() || c == '['))
                .then_some(label)
        })
        .collect()
}

/// The offset of the first `[^label]` for every label in `text`.
fn first_refs(text: &str) -> HashMap<&str, usize> {
    let mut first = HashMap::new();
    for (at, _) in text.match_indices("[^") {
        if let Some(&label) = undefined_refs(&text[at..at + 2 + label_len(&text[at + 2..])]).first()
        {
            first.entry(label).or_insert(at);
        }
    }
    first
}

/// The length of a footnote label candidate plus its closing `]`, bounded by the line.
fn label_len(rest: &str) -> usize {
    rest.find([']', '\n', '[']).map_or(0, |end| {
        if rest[end..].starts_with(']') {
            end + 1
        } else {
            0
        }
    })
}

/// Turns the loose inline content of a tight list item into a paragraph.
fn flush(blocks: &mut Vec<Block>, pending: Vec<Inline>) {
    if !pending.is_empty() {
        blocks.push(Block::Paragraph(pending));
    }
}

fn heading_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn alignment(align: Alignment) -> Align {
    match align {
        Alignment::None => Align::None,
        Alignment::Left => Align::Left,
        Alignment::Center => Align::Center,
        Alignment::Right => Align::Right,
    }
}

mod autolink;
mod local_path;
mod passage;

#[cfg(test)]
mod tests;
