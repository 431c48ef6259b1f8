//! Markdown → model, as snapshots: what each tricky input becomes, read as
//! a tree. No disk: images come from a closure that knows `figure.png` and
//! `icon.png` and refuses anything else.

use std::fmt::Write as _;
use std::path::Path;

use super::{Context, Converted, MarkdownDoc, convert};
use crate::diag::{Code, Diagnostic, Location, SourceText};
use crate::load::LoadOptions;
use crate::load::budget::Budget;
use crate::model::{AssetId, Block, Inline};

/// Converts `markdown` as a section body (`headings`) or a standfirst, as
/// the file `section.md`, and renders the result for a snapshot.
fn converted(markdown: &str, headings: bool) -> String {
    let source = SourceText::new("section.md", markdown);
    let doc = MarkdownDoc::file(&source, Path::new("content"), Some(0), headings);
    let mut budget = Budget::default();
    let options = LoadOptions::default();
    let mut images =
        |_: &Path, reference: &str, used_at: Location, out: &mut Vec<Diagnostic>| match reference {
            "figure.png" => Some(AssetId(0)),
            "icon.png" => Some(AssetId(1)),
            _ => {
                let missing = Diagnostic::error(Code::MissingFile, format!("no `{reference}`"));
                out.push(missing.at(&used_at.source, used_at.span));
                None
            }
        };
    let context = Context {
        options: &options,
        budget: &mut budget,
        images: &mut images,
        first_footnote: 3,
    };
    render(&convert(&doc, context))
}

/// Blocks and footnotes as an indented outline (text as Rust string
/// literals, so every character shows), then links and diagnostics.
fn render(converted: &Converted) -> String {
    let mut out = String::new();
    blocks(&mut out, &converted.blocks, 0);
    for (i, note) in converted.footnotes.iter().enumerate() {
        let _ = writeln!(out, "footnote {} (section {:?})", i + 3, note.section);
        blocks(&mut out, &note.blocks, 1);
    }
    for (target, span) in &converted.links {
        let _ = writeln!(out, "link: #{target} at {span:?}");
    }
    for diagnostic in &converted.diagnostics {
        let _ = writeln!(out, "{diagnostic}");
    }
    out
}

fn blocks(out: &mut String, blocks: &[Block], depth: usize) {
    let pad = "  ".repeat(depth);
    for block in blocks {
        match block {
            Block::Paragraph(content) => {
                let _ = writeln!(out, "{pad}paragraph");
                inlines(out, content, depth + 1);
            }
            Block::Heading { level, content } => {
                let _ = writeln!(out, "{pad}heading {level}");
                inlines(out, content, depth + 1);
            }
            Block::List {
                start,
                tight,
                items,
            } => {
                let _ = writeln!(out, "{pad}list start={start:?} tight={tight}");
                for item in items {
                    let _ = writeln!(out, "{pad}  item");
                    self::blocks(out, item, depth + 2);
                }
            }
            Block::Quote(inner) => {
                let _ = writeln!(out, "{pad}quote");
                self::blocks(out, inner, depth + 1);
            }
            Block::Code { lang, text } => {
                let _ = writeln!(out, "{pad}code lang={lang:?} {text:?}");
            }
            Block::Table(table) => {
                let _ = writeln!(out, "{pad}table align={:?}", table.align);
                let rows = std::iter::once(&table.header).chain(&table.rows);
                for (i, row) in rows.enumerate() {
                    let _ = writeln!(out, "{pad}  {}", if i == 0 { "header" } else { "row" });
                    for cell in row {
                        let _ = writeln!(out, "{pad}    cell");
                        inlines(out, cell, depth + 3);
                    }
                }
            }
            Block::Figure { image, alt } => {
                let _ = writeln!(out, "{pad}figure asset={} alt={alt:?}", image.0);
            }
            Block::Rule => {
                let _ = writeln!(out, "{pad}rule");
            }
        }
    }
}

fn inlines(out: &mut String, inlines: &[Inline], depth: usize) {
    let pad = "  ".repeat(depth);
    for inline in inlines {
        let (name, content) = match inline {
            Inline::Text(text) => (format!("text {text:?}"), None),
            Inline::Code(text) => (format!("code {text:?}"), None),
            Inline::Emph(c) => ("emph".into(), Some(c)),
            Inline::Strong(c) => ("strong".into(), Some(c)),
            Inline::Strike(c) => ("strike".into(), Some(c)),
            Inline::Passage { tag, content } => (format!("passage {tag}"), Some(content)),
            Inline::Link { target, content } => (format!("link {target:?}"), Some(content)),
            Inline::Image { image, alt } => (format!("image asset={} alt={alt:?}", image.0), None),
            Inline::FootnoteRef { index, first } => (format!("note {index} first={first}"), None),
            Inline::SoftBreak => ("soft break".into(), None),
            Inline::LineBreak => ("line break".into(), None),
        };
        let _ = writeln!(out, "{pad}{name}");
        if let Some(content) = content {
            self::inlines(out, content, depth + 1);
        }
    }
}

#[test]
fn footnotes_are_numbered_at_first_reference_and_unused_ones_dropped() {
    insta::assert_snapshot!(converted(
        "Text[^a] and again[^a], then[^b].\n\n\
         [^b]: Note b, defined first.\n\
         [^a]: Note *a*, with a nested reference[^c].\n\
         [^c]: The nested note.\n\
         [^unused]: Never referenced.\n",
        true
    ));
}

#[test]
fn a_missing_footnote_is_reported_once_at_its_first_reference() {
    insta::assert_snapshot!(converted(
        "Missing[^nope] twice[^nope], and [^ok].\n\n[^ok]: Here.\n",
        true
    ));
}

#[test]
fn tables_keep_their_column_alignment() {
    insta::assert_snapshot!(converted(
        "| left | centre | right | none |\n|:--|:-:|--:|---|\n| a | *b* | `c` | [d](https://d.example) |\n| 1 | 2 |\n",
        true
    ));
}

#[test]
fn an_image_alone_is_a_figure_and_an_image_in_text_stays_inline() {
    insta::assert_snapshot!(converted(
        "![A *bar* chart](figure.png)\n\nText with ![an icon](icon.png) inside.\n",
        true
    ));
}

#[test]
fn images_without_alt_text_remote_or_missing_are_refused() {
    insta::assert_snapshot!(converted(
        "![](figure.png)\n\n![remote](https://example.org/x.png)\n\n![gone](gone.png)\n",
        true
    ));
}

#[test]
fn nested_emphasis_strong_and_strike_nest_in_the_tree() {
    insta::assert_snapshot!(converted(
        "*a **b *c* d** e* and ~~struck *em*~~ and ***both***\n",
        true
    ));
}

#[test]
fn code_spans_and_blocks_are_verbatim() {
    insta::assert_snapshot!(converted(
        "Inline `#let x = 1` code.\n\n```typst extra\n#panic(\"x\")\n```\n\n    indented <b>\n",
        true
    ));
}

#[test]
fn links_autolinks_and_refused_targets() {
    insta::assert_snapshot!(converted(
        "[web](https://example.org/a b), <https://example.org/auto>, <mailto:a@example.org>, \
         [section](#other), [file](report.pdf), [js](javascript:alert(1))\n",
        true
    ));
}

#[test]
fn heading_levels_are_closed_up_and_empty_headings_left_out() {
    insta::assert_snapshot!(converted(
        "# One\n\n### Three\n\n###### Six\n\n## Two\n\n#\n",
        true
    ));
}

#[test]
fn in_a_standfirst_headings_become_bold_paragraphs() {
    insta::assert_snapshot!(converted("## Key point\n\nText.\n", false));
}

#[test]
fn lists_and_quotes_keep_tightness_and_start() {
    insta::assert_snapshot!(converted(
        "3. three\n4. four\n\n- tight\n- list\n\n* loose\n\n* list\n\n> quoted\n> - item\n",
        true
    ));
}

#[test]
fn hostile_text_arrives_as_plain_text() {
    insta::assert_snapshot!(converted(
        "#panic(\"x\") <script>alert(1)</script> $x$ \\\\ back\\slash \"quotes\" 'single' \
         e\u{301} 🙂👩🏽‍💻 ]) #[\n\n<div onclick=\"x\">block html</div>\n",
        true
    ));
}

#[test]
fn bare_web_addresses_become_links_outside_code_and_links() {
    insta::assert_snapshot!(converted(
        "See https://example.org/report_(2021).pdf, www.example.org and *https://example.org/em*.\n\n\
         `https://example.org/code` and [https://example.org/text](https://example.org/target) \
         and <https://example.org/auto> stay as they are; example.org and ftp://example.org too.\n\n\
         - https://example.org/item\n\n\
         | https://example.org/cell |\n|---|\n\n\
         ```\nhttps://example.org/block\n```\n",
        true
    ));
}

#[test]
fn a_heading_that_skips_a_level_is_closed_up_with_a_warning() {
    insta::assert_snapshot!(converted(
        "## Start anywhere\n\n#### Skips one\n\n##### Next\n\n## Back\n\n### Fine\n",
        true
    ));
}

#[test]
fn a_span_with_a_language_marks_a_passage_that_nests_and_holds_markup() {
    insta::assert_snapshot!(converted(
        "They said <span lang=\"fr\">*bonjour* et <span lang='de'>Grüß Gott</span></span>.\n\n\
         | Name |\n|---|\n| <span lang=ar>الماء</span> |\n\n\
         A [link <span lang=\"es\">aquí</span>](https://example.org) and <b>bold</b> </span> stay.\n",
        true
    ));
}

#[test]
fn a_passage_left_open_crossed_or_badly_tagged_is_an_error_at_its_tag() {
    insta::assert_snapshot!(converted(
        "Open <span lang=\"fr\">never closed.\n\n\
         Crossed <span lang=\"fr\">*a</span> b*.\n\n\
         Bad <span lang=\"english\">x</span> and <span class=\"x\">y</span>.\n",
        true
    ));
}
