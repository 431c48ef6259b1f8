//! Property-based fuzzing: arbitrary TOML and Markdown never panic, and any
//! publication the loader accepts renders to both formats.
//!
//! Runs in-process against the library (no binary per case). The default
//! number of cases keeps CI fast; run longer with
//! `PROPTEST_CASES=5000 cargo test --release --test integration fuzz`.
//! proptest stores any failing input under `tests/integration/proptest-regressions/`;
//! commit those files so each crash stays a regression test.

use std::sync::OnceLock;

use briefpress::diag::Code;
use briefpress::load::paths::ProjectRoot;
use briefpress::load::{LoadOptions, load};
use briefpress::render::Renderer;
use briefpress::render::epub::EpubRenderer;
use briefpress::render::pdf::world::TypstEngine;
use briefpress::render::pdf::{PdfProfile, PdfRenderer};
use proptest::prelude::*;

use crate::harness::{Epub, Project, xml_text};

/// Markdown and typst fragments that tend to break converters.
const PIECES: &[&str] = &[
    "# ",
    "## ",
    "###### ",
    "\n",
    "\n\n",
    " ",
    "*",
    "**",
    "_",
    "~~",
    "`",
    "```\n",
    "> ",
    "- ",
    "1. ",
    "3) ",
    "    ",
    "|",
    "| a | b |\n|---|:-:|\n",
    "---\n",
    "[",
    "]",
    "(",
    ")",
    "](#",
    "](https://x.org)",
    "![",
    "](img.png)",
    "[^1]",
    "[^1]: note\n",
    "<b>",
    "</b>",
    "<script>",
    "&amp;",
    "&",
    "<",
    ">",
    "\"",
    "'",
    "\\",
    "#panic(\"x\")",
    "$x$",
    "@ref",
    "<label>",
    "//",
    "/*",
    "*/",
    "word",
    "Ünïcödé",
    "🙂",
    "\u{200f}",
    "\u{ad}",
    "e\u{301}",
    "\t",
    "\r\n",
];

fn markdown() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|v| v.concat()),
        ".{0,200}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(PIECES), 1..8).prop_map(|v| v.concat()),
        ".{1,40}",
    ]
}

/// A TOML string literal for arbitrary text (TOML escapes, so any text survives).
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

struct Env {
    project: Project,
    root: ProjectRoot,
    pdf: PdfRenderer,
    epub: EpubRenderer,
}

/// One project and one engine for every case, like a real batch.
fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let project = Project::empty();
        project.write(
            "content/img.png",
            include_bytes!("../fixtures/assets/pixel.png"),
        );
        let root = ProjectRoot::new(project.root()).expect("root");
        Env {
            pdf: PdfRenderer::new(TypstEngine::new(root.clone()), PdfProfile::Ua1),
            epub: EpubRenderer::new(root.clone()),
            root,
            project,
        }
    })
}

/// Loads `toml` as a publication; if accepted, both renderers must succeed
/// and the EPUB's documents must be well-formed.
fn exercise(toml_text: &str) -> Result<(), TestCaseError> {
    let env = env();
    let path = env.project.path("content/fuzz.toml");
    std::fs::write(&path, toml_text).expect("write");
    let loaded = load(&env.root, &path, &LoadOptions::default());
    let Some(publication) = loaded.publication else {
        prop_assert!(loaded.diagnostics.iter().any(|d| d.is_error()));
        return Ok(());
    };
    // The one content problem only typesetting can find: a character no font covers.
    let pdf = env.pdf.render(&publication);
    let acceptable = match &pdf {
        Ok(_) => true,
        Err(diags) => diags
            .iter()
            .filter(|d| d.is_error())
            .all(|d| d.code == Code::MissingGlyph),
    };
    prop_assert!(
        acceptable,
        "PDF failed on accepted input:\n{toml_text}\n{:?}",
        pdf.err()
    );
    let epub = env.epub.render(&publication);
    prop_assert!(
        epub.is_ok(),
        "EPUB failed on accepted input:\n{toml_text}\n{:?}",
        epub.err()
    );
    let epub_path = env.project.path("fuzz.epub");
    std::fs::write(&epub_path, epub.map(|r| r.bytes).unwrap_or_default()).expect("write");
    for (_, document) in Epub::open_unchecked(&epub_path).documents() {
        xml_text(&document);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_toml_never_panics_the_loader(input in ".{0,300}") {
        let env = env();
        let path = env.project.path("content/raw.toml");
        std::fs::write(&path, &input).expect("write");
        let loaded = load(&env.root, &path, &LoadOptions::default());
        prop_assert!(loaded.publication.is_some() || loaded.diagnostics.iter().any(|d| d.is_error()));
    }

    #[test]
    fn any_accepted_publication_renders_to_both_formats(
        title in text(),
        summary in markdown(),
        label in text(),
        section in text(),
        body in markdown(),
        second in markdown(),
    ) {
        let toml_text = format!(
            "title = {}\ndate = 2021-10-19\nsummary = {}\n\
             [[highlights]]\nvalue = {}\nlabel = {}\n\
             [[sections]]\ntitle = {}\nbody = {}\n\
             [[sections]]\ntitle = \"Second\"\nid = \"x\"\nbody = {}\n",
            toml_str(&title), toml_str(&summary), toml_str(&label), toml_str(&label),
            toml_str(&section), toml_str(&body), toml_str(&second),
        );
        exercise(&toml_text)?;
    }
}
