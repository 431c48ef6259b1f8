//! Property-based fuzzing: arbitrary TOML and Markdown never panic, and any
//! publication the loader accepts renders to both formats; an arbitrary or
//! mutated build cache never panics, never deletes anything outside `--out`
//! and never reads outside the project root.
//!
//! The content properties run in-process against the library (no binary per
//! case); the cache properties run the binary, bounded in time and memory,
//! because what they guard is what a whole build does on disk. The default
//! number of cases keeps CI fast; run longer with
//! `PROPTEST_CASES=5000 cargo test --release --test integration fuzz`.
//! proptest stores any failing input under `tests/proptest-regressions/` (beside the
//! folder of this test binary's `main.rs`);
//! commit those files so each crash stays a regression test.

use std::sync::{Arc, OnceLock};

use briefpress::diag::Code;
use briefpress::load::{LoadOptions, load};
use briefpress::model::Edition;
use briefpress::project::language::Language;
use briefpress::project::root::ProjectRoot;
use briefpress::render::epub::EpubRenderer;
use briefpress::render::pdf::{PdfProfile, PdfRenderer};
use briefpress::render::{Format, RenderContext, RenderOptions, Renderer};
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
    resolved: Arc<briefpress::project::Project>,
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
        let resolved = Arc::new(briefpress::project::Project::open(root, &[], 50 << 20));
        let options = RenderOptions {
            formats: vec![Format::Pdf, Format::Epub],
            pdf_profile: PdfProfile::Ua1,
            emit_typst: false,
            editions: None,
            max_image_pixels: 50_000_000,
            incremental: false,
        };
        Env {
            pdf: PdfRenderer::new(resolved.clone(), &options),
            epub: EpubRenderer,
            resolved,
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
    let loaded = load(&env.resolved, &path, &LoadOptions::default());
    let Some(publication) = loaded.publication else {
        prop_assert!(loaded.diagnostics.iter().any(|d| d.is_error()));
        return Ok(());
    };
    let template = env
        .resolved
        .templates()
        .get(&publication.template)
        .expect("the loader accepts only templates that exist");
    let language = Language::of(&publication);
    let cx = RenderContext {
        template: &template,
        edition: Edition::Standard,
        language: &language,
    };
    // The one content problem only typesetting can find: a character no font covers.
    let pdf = env.pdf.render(&publication, &cx);
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
    let epub = env.epub.render(&publication, &cx);
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
        let loaded = load(&env.resolved, &path, &LoadOptions::default());
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

/// A built project whose cache the cache properties mutate: `content/a.toml`
/// (built), `content/b.toml` (built, then deleted, so `--prune` has work),
/// and bait: a FIFO and a secret outside the root, symlinks to both and to
/// `/dev/zero` inside it.
struct CacheEnv {
    project: Project,
    outside: tempfile::TempDir,
    /// The cache as the build wrote it.
    valid: serde_json::Value,
    /// Files that must stay as they are, with their bytes.
    guarded: Vec<(std::path::PathBuf, Vec<u8>)>,
}

fn cache_env() -> &'static std::sync::Mutex<CacheEnv> {
    static ENV: OnceLock<std::sync::Mutex<CacheEnv>> = OnceLock::new();
    ENV.get_or_init(|| {
        let project = Project::empty();
        let outside = tempfile::tempdir().expect("temp dir");
        std::fs::write(outside.path().join("secret"), b"secret").unwrap();
        crate::trust::mkfifo(&outside.path().join("fifo"));
        for name in ["a", "b"] {
            project.write(
                &format!("content/{name}.toml"),
                crate::corpus::brief(&format!("Publication {name}")),
            );
        }
        let link = |target: &std::path::Path, name: &str| {
            std::os::unix::fs::symlink(target, project.path(name)).unwrap();
        };
        link(&outside.path().join("fifo"), "content/link-fifo");
        link(&outside.path().join("secret"), "content/link-secret");
        link(std::path::Path::new("/dev/zero"), "content/zero");
        let built = crate::trust::run_bounded(&project, &["build", "--format", "epub"]);
        built.expect_code(0);
        std::fs::remove_file(project.path("content/b.toml")).unwrap();
        let valid = project.cache();
        let guarded = [
            project.path("content/a.toml"),
            outside.path().join("secret"),
        ]
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
        std::sync::Mutex::new(CacheEnv {
            project,
            outside,
            valid,
            guarded,
        })
    })
}

/// Paths a hostile cache might name, `{out}` standing for the outside folder.
const HOSTILE_PATHS: &[&str] = &[
    "/etc/passwd",
    "{out}/secret",
    "{out}/fifo",
    "../{out}/secret",
    "../../../../../../../../{out}/secret",
    "../content/a.toml",
    "content/a.toml",
    "content/link-fifo",
    "content/link-secret",
    "content/zero",
    "content/../../x",
    "a.epub",
    "b.epub",
    "a",
    "",
    ".",
    "..",
    "a\u{0}b",
    "brief",
    "../templates",
];

/// Replaces the `pick`-th string leaf (keys included) of `value` with `with`.
fn replace_string(value: &mut serde_json::Value, pick: usize, with: &str) {
    fn leaves<'a>(value: &'a mut serde_json::Value, out: &mut Vec<&'a mut String>) {
        match value {
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| leaves(v, out)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| leaves(v, out)),
            _ => {}
        }
    }
    if let serde_json::Value::Object(entries) = &mut value["entries"]
        && pick.is_multiple_of(4)
    {
        // Now and then rename an entry's key (the output stem) instead.
        if let Some(key) = entries.keys().nth(pick / 4 % entries.len().max(1)).cloned()
            && let Some(entry) = entries.remove(&key)
        {
            entries.insert(with.to_string(), entry);
            return;
        }
    }
    let mut found = Vec::new();
    leaves(value, &mut found);
    let count = found.len();
    if count > 0 {
        *found.swap_remove(pick % count) = with.to_string();
    }
}

/// Runs `build --prune` over `cache` bytes; nothing outside `--out` may
/// change, nothing may hang (a read of the FIFO) or panic, and the build must succeed.
fn exercise_cache(cache: &[u8]) -> Result<(), TestCaseError> {
    let env = cache_env().lock().unwrap_or_else(|e| e.into_inner());
    env.project
        .write(&format!("output/{}", crate::harness::CACHE_FILE), cache);
    let run = crate::trust::run_bounded(
        &env.project,
        &[
            "build",
            "--format",
            "epub",
            "--prune",
            "--message-format",
            "json",
        ],
    );
    prop_assert_eq!(
        run.code,
        0,
        "stderr:\n{}\nstdout:\n{}",
        run.stderr,
        run.stdout
    );
    prop_assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let warnings = run
        .json()
        .iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("ignoring the build cache"))
        })
        .count();
    prop_assert!(warnings <= 1, "{}", run.stdout);
    for (path, bytes) in &env.guarded {
        let now = std::fs::read(path).ok();
        prop_assert!(now.as_ref() == Some(bytes), "{} changed", path.display());
    }
    prop_assert!(env.outside.path().join("fifo").exists());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_cache_bytes_never_panic_or_reach_outside(bytes in prop_oneof![
        ".{0,200}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..200),
    ]) {
        exercise_cache(&bytes)?;
    }

    #[test]
    fn a_mutated_cache_never_deletes_or_reads_outside(
        edits in prop::collection::vec((any::<usize>(), prop::sample::select(HOSTILE_PATHS)), 1..4),
        matching_hash in any::<bool>(),
    ) {
        let mut cache = cache_env().lock().unwrap_or_else(|e| e.into_inner()).valid.clone();
        let outside = cache_env().lock().unwrap_or_else(|e| e.into_inner()).outside.path().to_path_buf();
        for (pick, path) in &edits {
            let with = path.replace("{out}", outside.to_str().unwrap_or_default());
            replace_string(&mut cache, *pick, &with);
        }
        if matching_hash {
            // Give every output record the secret's size and hash: only the
            // path can then stop a deletion.
            for entry in cache["entries"].as_object_mut().into_iter().flat_map(|e| e.values_mut()) {
                for output in entry["outputs"].as_array_mut().into_iter().flatten() {
                    if output.is_object() {
                        output["size"] = 6.into();
                        output["blake3"] = blake3::hash(b"secret").to_hex().to_string().into();
                    }
                }
            }
        }
        exercise_cache(&crate::harness::cache_bytes(&cache))?;
    }
}
