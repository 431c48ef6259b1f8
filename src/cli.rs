//! Command-line arguments (clap derive): what a user can ask for.
//!
//! clap stays in this file: the arguments are parsed here and turned into a
//! [`BuildConfig`]; [`crate::batch`] then checks what needs the file system
//! (paths, output folder, lock) before any work starts.

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::batch::config::{BuildConfig, OutputConfig};
use crate::batch::discover::CONTENT_DIR;
use crate::batch::report::{MessageFormat, Verbosity};
use crate::commands::init::InitOptions;
use crate::commands::new::NewOptions;
use crate::load::LoadOptions;
use crate::model::Edition;
use crate::project::root::Start;
use crate::render::pdf::PdfProfile;
use crate::render::{Format, RenderOptions};

const EXIT_CODES: &str = "\
Exit codes:
  0  every publication was built (or checked) without errors
  1  at least one publication failed: a content, template or output error
     (or, with --deny-warnings, a warning was reported)
  2  nothing was started: bad arguments, a path that does not exist, an output
     folder that overlaps the content, or (with --no-wait) an output folder
     another build is writing to";

/// Typeset structured TOML publications into PDF briefs and EPUB 3 editions.
#[derive(Debug, Parser)]
#[command(name = "briefpress", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build publications into PDF and EPUB.
    #[command(after_help = EXIT_CODES)]
    Build(BuildArgs),
    /// Validate publications and templates without writing anything.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Build, then rebuild the publications whose files change, until Ctrl-C.
    #[command(after_help = WATCH_EXIT_CODES)]
    Watch(BuildArgs),
    /// Start a project: an example publication that builds at once.
    #[command(after_help = SCAFFOLD_EXIT_CODES)]
    Init(InitArgs),
    /// Add a publication: content/SLUG.toml with every key, and its Markdown folder.
    #[command(after_help = SCAFFOLD_EXIT_CODES)]
    New(NewArgs),
    /// List the templates, or copy a built-in one into the project.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Print the JSON Schema of the publication format (for editors: see `#:schema`).
    Schema {
        /// The schema of the project file, briefpress.toml, instead.
        #[arg(long)]
        project: bool,
    },
    /// List the font families templates can use, with their variants and where each comes from.
    Fonts(FontPathArgs),
    /// Print a shell completion script, e.g. `briefpress completions bash > ~/.local/share/bash-completion/completions/briefpress`.
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page, or write one page per command into DIR.
    Manpage {
        /// Write briefpress.1, briefpress-build.1, … into this folder instead.
        dir: Option<PathBuf>,
    },
}

const WATCH_EXIT_CODES: &str = "\
Exit codes (when stopped with Ctrl-C, those of the last rebuild):
  0  every publication was built without errors
  1  at least one publication failed (or, with --deny-warnings, had warnings)
  2  nothing was started: bad arguments, a path that does not exist, an output
     folder that overlaps the content, or the files cannot be watched";

/// `--font-path`, shared by `build`, `check` and `fonts`.
#[derive(Debug, Args)]
pub struct FontPathArgs {
    /// Also load the fonts (TTF, OTF, TTC) in DIR and its subfolders, e.g. CJK
    /// fonts too large to ship (repeatable; `BRIEFPRESS_FONT_PATHS` adds a
    /// `:`-separated list, whose empty entries are ignored). They are part of
    /// the incremental-build fingerprint.
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_paths: Vec<PathBuf>,
}

/// The variable that adds font folders, `:`-separated.
pub const FONT_PATHS_VAR: &str = "BRIEFPRESS_FONT_PATHS";

impl FontPathArgs {
    /// The font folders: `--font-path`, then `BRIEFPRESS_FONT_PATHS`'s entries
    /// (an empty variable, or an empty entry as in `a::b`, adds nothing, as
    /// with `PATH`); or a message naming one that is not a folder.
    pub fn folders(&self) -> Result<Vec<PathBuf>, String> {
        let from_env: Vec<PathBuf> = std::env::var_os(FONT_PATHS_VAR)
            .map(|value| {
                std::env::split_paths(&value)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        for (dir, from) in self
            .font_paths
            .iter()
            .map(|d| (d, "--font-path"))
            .chain(from_env.iter().map(|d| (d, FONT_PATHS_VAR)))
        {
            if !dir.is_dir() {
                return Err(format!(
                    "{from} names `{}`, which is not a folder: name a folder of font files",
                    dir.display()
                ));
            }
        }
        Ok(self.font_paths.iter().cloned().chain(from_env).collect())
    }
}

/// `briefpress template …`.
#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// List the built-in and project templates, and where each comes from.
    List,
    /// Write a built-in template's files into the project, to edit.
    #[command(after_help = SCAFFOLD_EXIT_CODES)]
    Export {
        /// The built-in template to copy (`briefpress template list` names them).
        name: String,
        /// Where to write it [default: templates/NAME].
        dir: Option<PathBuf>,
    },
}

const SCAFFOLD_EXIT_CODES: &str = "\
Exit codes:
  0  every file was created
  1  a file could not be written (nothing was kept)
  2  nothing was written: a file to create already exists, or bad arguments";

/// `briefpress init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder (created if missing; files already in it are kept).
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Also copy a built-in template into templates/NAME/, to edit: `--template` alone copies
    /// `brief`, `--template=report` the report (and makes it the project's template).
    #[arg(
        long,
        value_name = "NAME",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = crate::project::template::DEFAULT,
        value_parser = clap::builder::PossibleValuesParser::new(crate::project::template::BUILT_IN_NAMES)
    )]
    pub template: Option<String>,
}

/// Arguments shared by `build`, `check` and `watch`.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Publication files and/or folders (searched recursively for *.toml)
    /// [default: the project's content folder].
    pub paths: Vec<PathBuf>,

    /// Use this template for every publication (a folder under templates/).
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,

    /// How to print diagnostics and results.
    #[arg(long, value_enum, default_value = "human")]
    pub message_format: MessageFormat,

    /// Print only errors (human format).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also list fresh publications (human format).
    #[arg(short, long)]
    pub verbose: bool,

    /// Fail the run (exit 1) when any publication has a warning, e.g. a font fallback.
    #[arg(long)]
    pub deny_warnings: bool,

    /// Number of publications processed in parallel, at least 1 [default: available cores].
    #[arg(short, long, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<usize>,

    /// Stop at the first failing publication.
    #[arg(long)]
    pub fail_fast: bool,

    /// Process only shard K of N (1-based), e.g. `--shard 2/4`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,

    /// Largest input file accepted (TOML, Markdown, image, attachment), in MiB.
    #[arg(long, value_name = "MIB", value_parser = parse_limit, default_value_t = 50)]
    pub max_file_size: u64,

    /// Largest image accepted (content, cover, or loaded by a template), in megapixels
    /// (width × height, read from the header before anything decodes it).
    #[arg(long, value_name = "MEGAPIXELS", value_parser = parse_limit, default_value_t = 50)]
    pub max_image_pixels: u64,

    /// Most pixels of all distinct images of one publication together, in megapixels
    /// (typst holds them all decoded at once).
    #[arg(long, value_name = "MEGAPIXELS", value_parser = parse_limit, default_value_t = 250)]
    pub max_total_pixels: u64,

    /// Most bytes of all images and attachments of one publication together, in MiB.
    #[arg(long, value_name = "MIB", value_parser = parse_limit, default_value_t = 200)]
    pub max_total_file_size: u64,

    /// Fonts besides the built-in and project ones.
    #[command(flatten)]
    pub fonts: FontPathArgs,
}

/// `briefpress build` and `briefpress watch`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Output folder [default: `output` in briefpress.toml, else output].
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Output formats (repeatable) [default: pdf and epub].
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub format: Vec<Format>,

    /// PDF standard: `ua-1` (accessible) or `a-3b` (archival PDF/A-3b plus PDF/UA-1).
    #[arg(long, value_enum, default_value = "ua-1")]
    pub pdf_standard: PdfProfile,

    /// Rebuild everything, even publications whose inputs have not changed.
    #[arg(long)]
    pub force: bool,

    /// Delete outputs in the output folder whose publication no longer exists.
    #[arg(long)]
    pub prune: bool,

    /// PDF editions to build (repeatable) [default: each publication's `editions`, else standard].
    #[arg(long, value_enum, value_name = "EDITION")]
    pub edition: Vec<Edition>,

    /// Also write the generated typst source beside each PDF (`<name>.typ`).
    #[arg(long)]
    pub emit_typst: bool,

    /// Fail at once (exit 2) if another build is writing to the output folder, instead of waiting.
    #[arg(long)]
    pub no_wait: bool,
}

/// `briefpress check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Lets clap parse a domain enum by listing its values once: the variant,
/// the name a user types, and the help clap prints.
macro_rules! value_enum {
    ($type:ty { $($variant:path => $name:literal: $help:literal),+ $(,)? }) => {
        impl ValueEnum for $type {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($variant),+]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(match self {
                    $($variant => PossibleValue::new($name).help($help)),+
                })
            }
        }
    };
}

value_enum!(Format {
    Format::Pdf => "pdf": "The typeset PDF brief",
    Format::Epub => "epub": "The EPUB 3 edition",
});

value_enum!(PdfProfile {
    PdfProfile::Ua1 => "ua-1": "Tagged PDF/UA-1 (accessible)",
    PdfProfile::A3b => "a-3b": "PDF/A-3b (archival, attachments allowed) together with PDF/UA-1",
});

value_enum!(Edition {
    Edition::Standard => "standard": "The designed brief: <name>.pdf",
    Edition::LargePrint => "large-print": "Body text of 16 pt and more, single column: <name>.large-print.pdf",
});

value_enum!(MessageFormat {
    MessageFormat::Human => "human": "Readable diagnostics with source snippets, on stderr",
    MessageFormat::Json => "json": "One JSON object per line on stdout",
});

/// `briefpress new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The publication's name: content/SLUG.toml (letters, digits, - and _; folders with /).
    pub slug: String,

    /// Its title [default: from the slug].
    #[arg(long)]
    pub title: Option<String>,
}

impl NewArgs {
    /// What `new` should create.
    pub fn options(&self) -> NewOptions {
        NewOptions {
            slug: self.slug.clone(),
            title: self.title.clone(),
        }
    }
}

impl InitArgs {
    /// What `init` should create.
    pub fn options(&self) -> InitOptions {
        InitOptions {
            dir: self.dir.clone(),
            template: self.template.clone(),
        }
    }
}

impl BuildArgs {
    /// The run these arguments ask for, in the project found from `start`.
    pub fn config(&self, start: &Start) -> BuildConfig {
        let mut formats = self.format.clone();
        formats.sort();
        formats.dedup();
        if formats.is_empty() {
            formats = vec![Format::Pdf, Format::Epub];
        }
        let mut editions = self.edition.clone();
        editions.sort();
        editions.dedup();
        self.common.config(
            RenderOptions {
                formats,
                pdf_profile: self.pdf_standard,
                emit_typst: self.emit_typst,
                editions: (!editions.is_empty()).then_some(editions),
                max_image_pixels: 0,
                incremental: false,
            },
            start,
            Some(OutputConfig {
                out: self.out.as_deref().map(|out| start.path(out)),
                force: self.force,
                prune: self.prune,
                wait: !self.no_wait,
            }),
        )
    }
}

impl CheckArgs {
    /// The run these arguments ask for, in the project found from `start`:
    /// both formats, rendered in memory only.
    pub fn config(&self, start: &Start) -> BuildConfig {
        self.common.config(
            RenderOptions {
                formats: vec![Format::Pdf, Format::Epub],
                pdf_profile: PdfProfile::default(),
                emit_typst: false,
                editions: None,
                max_image_pixels: 0,
                incremental: false,
            },
            start,
            None,
        )
    }
}

impl CommonArgs {
    /// The configuration shared by `build`, `check` and `watch`, around `render`
    /// (whose image limit comes from `--max-image-pixels`). The paths typed
    /// are relative to where the user stands, the run's to the project root.
    fn config(
        &self,
        render: RenderOptions,
        start: &Start,
        output: Option<OutputConfig>,
    ) -> BuildConfig {
        let load = LoadOptions {
            max_file_size: self.max_file_size.saturating_mul(1024 * 1024),
            max_image_pixels: self.max_image_pixels.saturating_mul(1_000_000),
            max_total_pixels: self.max_total_pixels.saturating_mul(1_000_000),
            max_total_file_size: self.max_total_file_size.saturating_mul(1024 * 1024),
            ..LoadOptions::default()
        };
        BuildConfig {
            paths: if self.paths.is_empty() {
                vec![PathBuf::from(CONTENT_DIR)]
            } else {
                self.paths.iter().map(|path| start.path(path)).collect()
            },
            template: self.template.clone(),
            font_paths: (self.fonts.folders().unwrap_or_default().iter())
                .map(|dir| start.path(dir))
                .collect(),
            message_format: self.message_format,
            verbosity: if self.quiet {
                Verbosity::Quiet
            } else if self.verbose {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            },
            deny_warnings: self.deny_warnings,
            jobs: self
                .jobs
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            fail_fast: self.fail_fast,
            shard: self.shard,
            render: RenderOptions {
                max_image_pixels: load.max_image_pixels,
                ..render
            },
            load,
            output,
        }
    }
}

fn parse_jobs(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(0) => Err("need at least 1 job".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{value}` is not a number")),
    }
}

/// A `--max-*` limit: a whole number of at least 1 (a limit of 0 would refuse every file).
fn parse_limit(value: &str) -> Result<u64, String> {
    match value.trim().parse::<u64>() {
        Ok(0) => Err("a limit of 0 would refuse everything: give at least 1".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{value}` is not a whole number")),
    }
}

fn parse_shard(value: &str) -> Result<(u32, u32), String> {
    let (k, n) = value
        .split_once('/')
        .ok_or_else(|| "expected K/N, e.g. 1/4".to_string())?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("`{k}` is not a number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n} is out of range: need 1 <= K <= N"));
    }
    Ok((k, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_validated() {
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        assert!(parse_shard("0/4").is_err());
        assert!(parse_shard("5/4").is_err());
        assert!(parse_shard("x").is_err());
    }

    #[test]
    fn jobs_are_at_least_one() {
        assert_eq!(parse_jobs("3"), Ok(3));
        assert!(parse_jobs("0").is_err());
        assert!(parse_jobs("-1").is_err());
    }

    #[test]
    fn limits_are_at_least_one() {
        assert_eq!(parse_limit("1"), Ok(1));
        assert!(parse_limit("0").is_err());
        assert!(parse_limit("-1").is_err());
        assert!(parse_limit("1.5").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
