//! The document model: one publication, fully parsed and validated.
//!
//! Loading turns TOML and Markdown into these types once; the PDF and EPUB
//! renderers consume them and nothing else. No raw Markdown or TOML survives
//! here, so the two editions cannot drift apart. Files the publication uses
//! (images, attachments, cover) are read once and carried as bytes, so
//! renderers never touch the disk for content.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diag::{Location, SourceText};

/// A publication ready to render.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The TOML file, relative to the project root, `/`-separated.
    pub source: String,
    /// Descriptive metadata.
    pub meta: Meta,
    /// The standfirst, when given.
    pub summary: Option<Vec<Block>>,
    /// The cover image, when given.
    pub cover: Option<AssetId>,
    /// The template folder name under `templates/`.
    pub template: String,
    /// The PDF editions the publication asks for (`editions = [...]`), in
    /// order, without repeats; empty when it names none.
    pub editions: Vec<Edition>,
    /// Key figures, in order.
    pub highlights: Vec<Highlight>,
    /// Sections in reading order (at least one).
    pub sections: Vec<Section>,
    /// Footnotes, referenced by [`Inline::FootnoteRef`].
    pub footnotes: Vec<Footnote>,
    /// Attachments and resources, in order.
    pub attachments: Vec<Attachment>,
    /// Every file the publication read: images, cover, attachment files.
    pub assets: Vec<Asset>,
    /// Every input file on disk (TOML, Markdown, assets), for change detection.
    pub inputs: Vec<PathBuf>,
    /// The publication's TOML text first, then its Markdown files, so a
    /// problem found while rendering can point at the line a person wrote.
    pub texts: Vec<SourceText>,
    /// The `[labels]` overrides (checked keys and texts) of the project file
    /// for this language, then the publication's own, to apply over the
    /// label table of its language.
    pub labels: BTreeMap<String, String>,
    /// How it looks beyond its template: `[style]` from the project file,
    /// then the publication's own, key by key.
    pub style: Style,
}

/// Choices a writer makes without editing the template (`[style]`); each is
/// `None` when neither the publication nor the project sets it, so the
/// template's own design applies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Style {
    /// The accent colour (rules, panels, headings, links).
    pub accent: Option<Rgb>,
    /// The body text's font family, as the font names it.
    pub font: Option<String>,
    /// The headings' font family, as the font names it.
    pub heading_font: Option<String>,
    /// The organisation's logo, shown on the cover.
    pub logo: Option<Logo>,
    /// The paper size of the PDF.
    pub paper: Option<Paper>,
}

impl Style {
    /// Whether any choice is made.
    pub fn is_empty(&self) -> bool {
        *self == Style::default()
    }
}

/// A colour in sRGB, 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// `#rrggbb`, as CSS and typst's `rgb()` read it.
    pub fn hex(self) -> String {
        let [r, g, b] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

/// A logo image and its text alternative.
#[derive(Debug, Clone, PartialEq)]
pub struct Logo {
    /// The image, one of the publication's assets.
    pub asset: AssetId,
    /// What a screen reader says for it (the organisation's name).
    pub alt: String,
}

/// A paper size for the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    A4,
    /// US Letter, 8.5 × 11 in.
    UsLetter,
}

impl Paper {
    /// Every paper size, in the order the hint lists them.
    pub const ALL: [Paper; 2] = [Paper::A4, Paper::UsLetter];

    /// The name in `[style]` and in typst's `page(paper: …)`.
    pub fn name(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::UsLetter => "us-letter",
        }
    }

    /// The paper called `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Paper> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }
}

/// Descriptive metadata of a publication.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The title (non-empty).
    pub title: String,
    /// Optional subtitle.
    pub subtitle: Option<String>,
    /// Authors, in order.
    pub authors: Vec<String>,
    /// Optional publisher.
    pub publisher: Option<String>,
    /// Publication date.
    pub date: Date,
    /// "Last updated" date.
    pub updated: Option<Date>,
    /// BCP 47 language tag, e.g. `en-GB`.
    pub language: String,
    /// Stable identifier (given, or derived from title, publisher, date and language).
    pub identifier: String,
    /// Keywords / subjects.
    pub keywords: Vec<String>,
}

impl Publication {
    /// The asset `id` names (ids are only ever made by the loader, for this publication).
    pub fn asset(&self, id: AssetId) -> &Asset {
        &self.assets[id.0]
    }
}

impl Meta {
    /// The date a reader should treat as the latest revision.
    pub fn modified(&self) -> Date {
        self.updated.unwrap_or(self.date)
    }

    /// The primary language subtag (`en` of `en-GB`).
    pub fn language_code(&self) -> &str {
        self.language.split('-').next().unwrap_or("en")
    }

    /// The region subtag (`GB` of `en-GB`), if there is one.
    pub fn region(&self) -> Option<&str> {
        self.language
            .split('-')
            .skip(1)
            .find(|s| s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()))
    }
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2021.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A key figure shown as a callout.
#[derive(Debug, Clone)]
pub struct Highlight {
    /// The figure itself, e.g. "60,000".
    pub value: String,
    /// What the figure measures.
    pub label: String,
    /// Where it comes from.
    pub source: Option<String>,
}

/// One section of the publication.
#[derive(Debug, Clone)]
pub struct Section {
    /// Anchor, unique within the publication; valid as an XML id and a typst label.
    pub id: String,
    /// The section heading.
    pub title: String,
    /// The body.
    pub blocks: Vec<Block>,
}

/// A printed edition of the PDF. The EPUB has none: reading systems let
/// each reader choose the text size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    /// The designed brief.
    Standard,
    /// Body text of at least 16 pt, single column, generous leading
    /// (UKAAF / RNIB large-print guidance): `<name>.large-print.pdf`.
    LargePrint,
}

impl Edition {
    /// Every edition, in output order.
    pub const ALL: [Edition; 2] = [Edition::Standard, Edition::LargePrint];

    /// The name in publication files, on the command line and in templates.
    pub fn name(self) -> &'static str {
        match self {
            Edition::Standard => "standard",
            Edition::LargePrint => "large-print",
        }
    }

    /// What goes between a file's stem and its extension: nothing for the
    /// standard edition, `.large-print` for the other.
    pub fn infix(self) -> &'static str {
        match self {
            Edition::Standard => "",
            Edition::LargePrint => ".large-print",
        }
    }

    /// The edition called `name`.
    pub fn from_name(name: &str) -> Option<Edition> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// A footnote's content.
#[derive(Debug, Clone)]
pub struct Footnote {
    /// The section the footnote belongs to (index into `sections`), or `None` for the summary.
    pub section: Option<usize>,
    /// The note itself.
    pub blocks: Vec<Block>,
}

impl Footnote {
    /// The depth a heading inside a note starts from: below every heading
    /// of the text, so a note never interrupts the document outline.
    pub const HEADING_DEPTH: u8 = 5;

    /// The number a reader sees for note `index` (1-based, in order of first reference).
    pub fn number(index: usize) -> usize {
        index + 1
    }

    /// The anchor of note `index` in both editions (`bp-fn-1`, …).
    pub fn anchor(index: usize) -> String {
        format!("bp-fn-{}", Self::number(index))
    }
}

/// An attachment or external resource.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Title shown in the resources list.
    pub title: String,
    /// Optional description.
    pub description: Option<String>,
    /// A packaged file or an external link.
    pub target: AttachmentTarget,
}

/// What an attachment points to.
#[derive(Debug, Clone)]
pub enum AttachmentTarget {
    /// A file packaged into both editions.
    File(AssetId),
    /// An http(s) URL.
    Url(String),
}

/// Index into [`Publication::assets`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssetId(pub usize);

/// A file read from the project: an image or an attachment.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Path relative to the project root, `/`-separated (no leading slash).
    pub path: String,
    /// The file name, unique among the publication's attachments.
    pub file_name: String,
    /// IANA media type, e.g. `image/png`.
    pub media_type: &'static str,
    /// The bytes.
    pub data: Arc<Vec<u8>>,
    /// Where the content first refers to the file (TOML key or Markdown image).
    pub used_at: Location,
}

/// A block of body text.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Vec<Inline>),
    /// A heading inside a section; `level` 1 is the first level below the section title.
    Heading {
        /// 1..=5, consecutive (gaps in the Markdown are closed up).
        level: u8,
        /// Heading text.
        content: Vec<Inline>,
    },
    /// A bulleted or numbered list.
    List {
        /// `Some(start)` for numbered lists.
        start: Option<u64>,
        /// Tight lists have no space between items.
        tight: bool,
        /// Each item is a list of blocks.
        items: Vec<Vec<Block>>,
    },
    /// A block quote.
    Quote(Vec<Block>),
    /// A code block.
    Code {
        /// Info string language, if any.
        lang: Option<String>,
        /// The code, verbatim.
        text: String,
    },
    /// A table with one header row.
    Table(Table),
    /// An image standing on its own, captioned by its alt text.
    Figure {
        /// The image file.
        image: AssetId,
        /// Alt text, also the caption.
        alt: String,
    },
    /// A thematic break.
    Rule,
}

/// A table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column alignments.
    pub align: Vec<Align>,
    /// Header cells.
    pub header: Vec<Vec<Inline>>,
    /// Body rows of cells.
    pub rows: Vec<Vec<Vec<Inline>>>,
}

impl Table {
    /// How many columns every row is written with (short rows are padded,
    /// extra cells dropped): one per alignment, and at least one.
    pub fn columns(&self) -> usize {
        self.align.len().max(1)
    }
}

/// Column alignment in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Not specified.
    None,
    /// Left.
    Left,
    /// Centre.
    Center,
    /// Right.
    Right,
}

/// Inline text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Emphasis.
    Emph(Vec<Inline>),
    /// Strong emphasis.
    Strong(Vec<Inline>),
    /// Strikethrough.
    Strike(Vec<Inline>),
    /// Inline code.
    Code(String),
    /// A passage in another language than the publication's
    /// (`<span lang="…">` in Markdown).
    Passage {
        /// Its BCP 47 tag, as written.
        tag: String,
        /// Its text.
        content: Vec<Inline>,
    },
    /// A hyperlink.
    Link {
        /// Where it goes.
        target: LinkTarget,
        /// Link text.
        content: Vec<Inline>,
    },
    /// An image inside running text.
    Image {
        /// The image file.
        image: AssetId,
        /// Alt text.
        alt: String,
    },
    /// A reference to [`Publication::footnotes`]; `first` marks the first reference.
    FootnoteRef {
        /// Index into `footnotes`.
        index: usize,
        /// Whether this is the first reference to the note (where its text lives).
        first: bool,
    },
    /// A soft line break (rendered as a space).
    SoftBreak,
    /// A hard line break.
    LineBreak,
}

/// The target of a link.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkTarget {
    /// An http(s) or mailto URL.
    External(String),
    /// A section of this publication, by id.
    Section(String),
}

impl Block {
    /// The text of the paragraphs in `blocks` as one line (other blocks are
    /// skipped): for metadata such as a description.
    pub fn plain_text(blocks: &[Block]) -> String {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(inlines) => Some(Inline::plain_text(inlines)),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Inline {
    /// The plain text of a run of inlines (for alt text, bookmarks, ids).
    pub fn plain_text(inlines: &[Inline]) -> String {
        let mut out = String::new();
        collect_text(inlines, &mut out);
        out
    }

    /// Whether a link's text is a web address as written (an autolink or a
    /// bare URL): kept as typed and printed breakable by both editions.
    pub fn is_address(content: &[Inline]) -> bool {
        matches!(content, [Inline::Text(t)] if t.contains("://")
            || t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("www.")))
    }
}

fn collect_text(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(t) | Inline::Code(t) => out.push_str(t),
            Inline::Emph(c) | Inline::Strong(c) | Inline::Strike(c) => collect_text(c, out),
            Inline::Passage { content, .. } => collect_text(content, out),
            Inline::Link { content, .. } => collect_text(content, out),
            Inline::Image { alt, .. } => out.push_str(alt),
            Inline::SoftBreak | Inline::LineBreak => out.push(' '),
            Inline::FootnoteRef { .. } => {}
        }
    }
}
