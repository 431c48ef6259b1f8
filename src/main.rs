//! The `briefpress` command: parse arguments, find the project, dispatch, turn the result into an exit code.

use std::process::ExitCode;

use briefpress::cli::{Cli, Command, FontPathArgs, TemplateCommand};
use briefpress::diag::{Code, Diagnostic};
use briefpress::project::root::Start;
use briefpress::{batch, commands};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Build(args) => with_fonts(&args.common.fonts, || {
            in_project(|start| args.config(start), batch::run)
        }),
        Command::Check(args) => with_fonts(&args.common.fonts, || {
            in_project(|start| args.config(start), batch::run)
        }),
        Command::Watch(args) => with_fonts(&args.common.fonts, || {
            in_project(|start| args.config(start), batch::watch::run)
        }),
        Command::Init(args) => commands::init::run(&args.options()),
        Command::New(args) => {
            in_project(|_| args.options(), |options| commands::new::run(&options))
        }
        Command::Schema { project } => commands::schema::run(project),
        Command::Fonts(args) => match args.folders() {
            Ok(folders) => in_project(
                |start| folders.iter().map(|dir| start.path(dir)).collect(),
                |folders: Vec<_>| commands::fonts::run(&folders),
            ),
            Err(message) => usage(message),
        },
        Command::Completions { shell } => commands::completions::completions(shell),
        Command::Manpage { dir } => commands::completions::manpage(dir.as_deref()),
        Command::Template(TemplateCommand::List) => {
            in_project(|_| (), |()| commands::template::list())
        }
        Command::Template(TemplateCommand::Export { name, dir }) => in_project(
            |start| dir.map(|dir| start.path(&dir)),
            |dir| commands::template::export(&name, dir.as_deref()),
        ),
    };
    ExitCode::from(code)
}

/// Runs `run` once the font folders given are known to be folders (exit 2 otherwise).
fn with_fonts(fonts: &FontPathArgs, run: impl FnOnce() -> u8) -> u8 {
    match fonts.folders() {
        Ok(_) => run(),
        Err(message) => usage(message),
    }
}

/// Finds the project root from the current folder (see [`Start`]), lets
/// `prepare` turn the paths typed into paths from the root, then runs `run`
/// in the root, where every path of a run is taken from.
fn in_project<T>(prepare: impl FnOnce(&Start) -> T, run: impl FnOnce(T) -> u8) -> u8 {
    let start = match Start::here() {
        Ok(start) => start,
        Err(err) => return usage(format!("cannot read the current folder: {err}")),
    };
    let prepared = prepare(&start);
    if let Err(err) = std::env::set_current_dir(start.root()) {
        return usage(format!(
            "cannot enter the project root `{}`: {err}",
            start.root().display()
        ));
    }
    run(prepared)
}

/// Reports a usage error; exit code 2.
fn usage(message: String) -> u8 {
    commands::fail(Diagnostic::error(Code::Usage, message))
}
