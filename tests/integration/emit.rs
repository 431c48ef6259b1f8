//! `--emit-typst`: the emitted main file compiles on its own in the user's
//! project, as `typst compile --root .` would compile it, even when the
//! template is the built-in one (which the project has no copy of).
//!
//! The file is compiled here by a bare typst World over the project folder,
//! with only typst's embedded fonts and nothing of briefpress's: no
//! generated files, no built-in template, no font of its own.

use std::path::{Path, PathBuf};

use typst::diag::FileResult;
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::files::{FileLoader, FileStore, FsRoot};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;

use crate::corpus::brief;
use crate::harness::Project;

/// Project files served from a folder, as the typst CLI serves `--root`.
struct Folder(FsRoot);

impl FileLoader for Folder {
    fn load(&self, id: FileId) -> FileResult<Bytes> {
        self.0.load(id.vpath())
    }
}

/// The smallest World the typst CLI would give the file.
struct Bare {
    library: LazyHash<Library>,
    fonts: FontStore,
    files: FileStore<Folder>,
    main: FileId,
}

impl World for Bare {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        self.files.source(id)
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.file(id)
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }
    fn today(&self, _: Option<Duration>) -> Option<Datetime> {
        Datetime::from_ymd(2021, 10, 19)
    }
}

/// Compiles `main` (a path inside `root`) with `root` as the project root;
/// the page count, or typst's errors.
pub(crate) fn compile(root: &Path, main: &str) -> Result<usize, String> {
    let mut fonts = FontStore::new();
    fonts.extend(typst_kit::fonts::embedded());
    let vpath = VirtualPath::new(main).map_err(|e| format!("{e:?}"))?;
    let world = Bare {
        library: LazyHash::new(Library::builder().build()),
        fonts,
        files: FileStore::new(Folder(FsRoot::new(PathBuf::from(root)))),
        main: RootedPath::new(VirtualRoot::Project, vpath).intern(),
    };
    typst::compile::<PagedDocument>(&world)
        .output
        .map(|document| document.pages().len())
        .map_err(|errors| {
            errors
                .iter()
                .map(|e| e.message.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
}

#[test]
fn the_emitted_source_of_a_built_in_template_compiles_on_its_own() {
    let project = Project::empty();
    project
        .write(
            "content/a.toml",
            format!(
                "{}[style]\naccent = \"#7a1f3d\"\n[[attachments]]\ntitle = \"Data\"\nfile = \"a.csv\"\n",
                brief("Standalone")
            ),
        )
        .write("content/a.csv", "x,y\n1,2\n");
    for template in ["brief", "report"] {
        let out = format!("out-{template}");
        project
            .run(&[
                "build",
                "--emit-typst",
                "--template",
                template,
                "--out",
                &out,
                "--edition",
                "standard",
                "--edition",
                "large-print",
            ])
            .expect_code(0);
        for name in ["a.typ", "a.large-print.typ"] {
            let path = format!("{out}/{name}");
            let text = String::from_utf8(project.read(&path)).expect("UTF-8");
            assert!(
                !text.contains("#import"),
                "{path} imports a file the project lacks"
            );
            assert!(
                text.contains("#let briefpress-contract = 3"),
                "{path} carries the template"
            );
            let pages = compile(project.root(), &format!("/{path}"))
                .unwrap_or_else(|errors| panic!("{path} does not compile on its own:\n{errors}"));
            assert!(pages >= 1);
        }
    }
}

#[test]
fn the_emitted_source_of_a_project_template_imports_it() {
    let project = Project::empty();
    project.write("content/a.toml", brief("Project template"));
    project.run(&["template", "export", "brief"]).expect_code(0);
    project.run(&["build", "--emit-typst"]).expect_code(0);
    let text = String::from_utf8(project.read("output/a.typ")).expect("UTF-8");
    assert!(
        text.contains("#import \"/templates/brief/template.typ\": publication"),
        "{text}"
    );
    assert!(!text.contains("#let briefpress-contract"), "{text}");
    compile(project.root(), "/output/a.typ").expect("compiles against the project's copy");
}
