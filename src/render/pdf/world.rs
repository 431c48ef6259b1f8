//! The in-process typst `World`: what the compiler may see.
//!
//! [`TypstEngine`] is built once per process and shared by every publication
//! of a batch (and every thread): the standard library, the embedded fonts and
//! a cache of project files (templates, their assets). [`PublicationWorld`] is a
//! cheap per-publication view that adds the generated main file and serves the
//! publication's own files from the already-loaded model, so typst never
//! re-reads content. Every disk read is confined to the project root, symlinks
//! included; packages and the network are unavailable by design.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{LazyLock, Mutex};

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::files::{FileLoader, FileStore};
use typst_kit::fonts::FontStore;

use super::source::MAIN_PATH;
use crate::media::raster::{self, RasterProblem};
use crate::media::svg::{self, SvgProblem};
use crate::model::Publication;
use crate::project::Project;
use crate::project::root::{PathProblem, ProjectRoot, read_limited};
use crate::project::template;

/// The file id of the generated main file, the same for every publication.
static MAIN_ID: LazyLock<Option<FileId>> = LazyLock::new(|| file_id(MAIN_PATH));

/// Interns a root-relative virtual path as a typst file id.
pub fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// How many publications' main files an incremental engine keeps: enough
/// for the few a person edits at once, bounded because a syntax tree is
/// several times the size of its text.
const KEPT_SOURCES: usize = 16;

/// Shared, process-wide typst state: library, fonts and project files.
pub struct TypstEngine {
    library: LazyHash<Library>,
    fonts: FontStore,
    files: FileStore<ProjectFiles>,
    served_built_in: Vec<&'static str>,
    /// When incremental (`watch`), the main files of the last compiles, most
    /// recent last, by publication and edition. The next compile of one edits
    /// it in place rather than parsing anew: typst then reparses only the
    /// changed text and every other node keeps its span, so what typst
    /// memoized for the unchanged parts (evaluation, paragraph and page
    /// layout) is found again. A fresh parse numbers every span anew after
    /// an insertion, and nothing would be.
    kept: Option<Mutex<VecDeque<(String, Source)>>>,
}

impl TypstEngine {
    /// Builds the engine for `project`: the embedded fonts (~2 ms), the
    /// built-in template's emoji font and the project's font files; images a
    /// template loads are refused when they declare more than
    /// `max_image_pixels` pixels; `incremental` keeps each publication's
    /// last main file for its next compile.
    pub fn new(project: &Project, max_image_pixels: u64, incremental: bool) -> Self {
        let mut fonts = FontStore::new();
        fonts.extend(typst_kit::fonts::embedded());
        fonts.extend(template::built_in_fonts().flat_map(|data| font_faces(Bytes::new(data))));
        fonts.extend(
            project
                .fonts()
                .files
                .iter()
                .flat_map(|file| font_faces(Bytes::new(file.data.clone()))),
        );
        let served_built_in = project.templates().served_built_in();
        Self {
            library: LazyHash::new(Library::builder().build()),
            fonts,
            files: FileStore::new(ProjectFiles {
                root: project.root().clone(),
                max_image_pixels,
                max_file_size: project.max_file_size(),
                served_built_in: served_built_in.clone(),
            }),
            served_built_in,
            kept: incremental.then(|| Mutex::new(VecDeque::new())),
        }
    }

    /// The main file for `text`: publication `key`'s last one edited to
    /// match when the engine kept it, otherwise a new parse.
    fn main_source(&self, key: &str, text: String) -> Option<Source> {
        let id = (*MAIN_ID)?;
        let last = self.kept.as_ref().and_then(|kept| {
            let mut kept = kept.lock().ok()?;
            let at = kept.iter().position(|(k, _)| k == key)?;
            kept.remove(at).map(|(_, source)| source)
        });
        Some(match last {
            Some(mut source) => {
                source.replace(&text);
                source
            }
            None => Source::new(id, text),
        })
    }

    /// Keeps `world`'s main file for the next compile of the same
    /// publication, when incremental.
    pub fn keep(&self, world: PublicationWorld<'_>) {
        let Some(Ok(mut kept)) = self.kept.as_ref().map(Mutex::lock) else {
            return;
        };
        if kept.len() == KEPT_SOURCES {
            kept.pop_front();
        }
        kept.push_back((world.key, world.main));
    }

    /// Whether root-relative `rel` is a file of a built-in template served from the binary.
    pub fn is_built_in_file(&self, rel: &str) -> bool {
        template::built_in_path(rel).is_some_and(|(name, _)| self.served_built_in.contains(&name))
    }

    /// Marks every project file loaded so far as stale: the next compile
    /// reads them again, and typst reparses a changed source incrementally.
    pub fn reload(&mut self) {
        self.files.reset();
    }

    /// The text of a project file typst loaded (for diagnostics in templates).
    pub fn source_text(&self, id: FileId) -> Option<Source> {
        self.files.source(id).ok()
    }
}

/// Every face of a font file, with the info typst's font book needs.
fn font_faces(data: Bytes) -> Vec<(Font, typst::text::FontInfo)> {
    Font::iter(data)
        .map(|font| {
            let info = font.info().clone();
            (font, info)
        })
        .collect()
}

/// Loads project files for typst, confined to the root, with the built-in
/// templates standing in for a missing `templates/brief/` or
/// `templates/report/`. Images are
/// measured before typst can decode them, like content images at load.
struct ProjectFiles {
    root: ProjectRoot,
    max_image_pixels: u64,
    max_file_size: u64,
    served_built_in: Vec<&'static str>,
}

impl ProjectFiles {
    /// Refuses an image (raster, or SVG embedding rasters) over the pixel budget.
    fn check_image(&self, rel: &str, data: &[u8]) -> FileResult<()> {
        let refuse = |what: String| Err(FileError::Other(Some(what.into())));
        if raster::is_raster(data) {
            match raster::check_raster(data, self.max_image_pixels) {
                Err(RasterProblem::TooLarge(dims)) => return refuse(format!("`{rel}` is {dims}")),
                Err(problem @ RasterProblem::ProfileTooLarge) => {
                    return refuse(format!("`{rel}` {problem}"));
                }
                _ => {}
            }
        } else if rel.to_ascii_lowercase().ends_with(".svg")
            && let Ok(text) = std::str::from_utf8(data)
        {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            match svg::check_pixels(text, self.max_image_pixels) {
                Err(SvgProblem::Embedded {
                    problem: RasterProblem::TooLarge(dims),
                    ..
                }) => return refuse(format!("an image embedded in `{rel}` is {dims}")),
                Err(SvgProblem::Embedded {
                    problem: problem @ RasterProblem::ProfileTooLarge,
                    ..
                }) => return refuse(format!("an image embedded in `{rel}` {problem}")),
                Err(SvgProblem::TooManyNodes(max)) => {
                    return refuse(format!("`{rel}` has more than {max} XML nodes"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl FileLoader for ProjectFiles {
    fn load(&self, id: FileId) -> FileResult<Bytes> {
        if id.root() != &VirtualRoot::Project {
            return Err(FileError::Other(Some(
                "packages are not available: briefpress builds offline; copy what you need into the template folder".into(),
            )));
        }
        let rel = id.vpath().get_without_slash();
        if let Some((name, file)) = template::built_in_path(rel)
            && self.served_built_in.contains(&name)
        {
            return template::built_in(name, file)
                .map(Bytes::new)
                .ok_or_else(|| FileError::NotFound(rel.into()));
        }
        let path = id.vpath().realize(self.root.dir())?;
        match self.root.confine(&path) {
            Ok(file) => {
                let data = read_limited(&file, self.max_file_size).map_err(|problem| match problem {
                    PathProblem::TooLarge { size, limit } => FileError::Other(Some(
                        format!(
                            "`{rel}` is {size} bytes, larger than the --max-file-size limit of {} MiB",
                            limit / (1024 * 1024)
                        )
                        .into(),
                    )),
                    PathProblem::Missing(e) => FileError::from_io(e, &path),
                    _ => FileError::NotFound(rel.into()),
                })?;
                self.check_image(rel, &data)?;
                Ok(Bytes::new(data))
            }
            Err(PathProblem::SymlinkOutside(real)) => Err(FileError::Other(Some(
                format!(
                    "`{rel}` is a symlink to `{}`, outside the project root, which briefpress never reads: copy the file into the project",
                    real.display()
                )
                .into(),
            ))),
            Err(PathProblem::NotAFile) if path.is_dir() => Err(FileError::IsDirectory),
            Err(PathProblem::NotAFile) => Err(FileError::Other(Some(
                format!(
                    "`{rel}` is not a regular file (a pipe, socket or device): templates can read only regular files"
                )
                .into(),
            ))),
            Err(_) => Err(FileError::NotFound(rel.into())),
        }
    }
}

/// One publication's view of the engine: its main file and its files.
pub struct PublicationWorld<'a> {
    engine: &'a TypstEngine,
    /// Which publication and edition this is (for [`TypstEngine::keep`]).
    key: String,
    main_id: FileId,
    main: Source,
    assets: HashMap<FileId, Bytes>,
    today: Option<Datetime>,
    /// Project files typst asked for (templates, their imports and assets),
    /// so incremental builds know everything an output depends on.
    reads: Mutex<HashSet<FileId>>,
}

impl<'a> PublicationWorld<'a> {
    /// A world whose main file is `main_text`, serving `publication`'s
    /// assets from memory; `key` names the publication and edition.
    pub fn new(
        engine: &'a TypstEngine,
        publication: &Publication,
        key: String,
        main_text: String,
    ) -> Option<Self> {
        let main_id = (*MAIN_ID)?;
        let main = engine.main_source(&key, main_text)?;
        let assets = publication
            .assets
            .iter()
            .filter_map(|asset| {
                let id = file_id(&format!("/{}", asset.path))?;
                Some((id, Bytes::new(asset.data.as_ref().clone())))
            })
            .collect();
        let date = publication.meta.date;
        Some(Self {
            engine,
            key,
            main_id,
            main,
            assets,
            today: Datetime::from_ymd(i32::from(date.year), date.month, date.day),
            reads: Mutex::new(HashSet::new()),
        })
    }

    /// Root-relative paths of the project files typst read, in path order.
    pub fn project_reads(&self) -> Vec<String> {
        let reads = self.reads.lock().map(|r| r.clone()).unwrap_or_default();
        let mut paths: Vec<String> = reads
            .iter()
            .map(|id| id.vpath().get_without_slash().to_string())
            .collect();
        paths.sort();
        paths
    }

    fn note_read(&self, id: FileId) {
        if let Ok(mut reads) = self.reads.lock() {
            reads.insert(id);
        }
    }

    /// The main file's id.
    pub fn main_id(&self) -> FileId {
        self.main_id
    }
}

impl World for PublicationWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.engine.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main_id
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main_id {
            Ok(self.main.clone())
        } else {
            self.note_read(id);
            self.engine.files.source(id)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main_id {
            Ok(Bytes::from_string(self.main.clone()))
        } else if let Some(bytes) = self.assets.get(&id) {
            Ok(bytes.clone())
        } else {
            self.note_read(id);
            self.engine.files.file(id)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.font(index)
    }

    /// The publication date, never the wall clock, so output is reproducible.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}
