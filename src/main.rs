//! The `briefpress` command: parse arguments, dispatch, turn the result into an exit code.

use std::process::ExitCode;

use briefpress::cli::{Cli, Command, FontPathArgs, TemplateCommand};
use briefpress::diag::{Code, Diagnostic};
use briefpress::{batch, commands};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Build(args) => with_fonts(&args.common.fonts, || batch::run(args.config())),
        Command::Check(args) => with_fonts(&args.common.fonts, || batch::run(args.config())),
        Command::Watch(args) => with_fonts(&args.common.fonts, || batch::watch::run(args.config())),
        Command::Init(args) => commands::init::run(&args.options()),
        Command::New(args) => commands::new::run(&args.options()),
        Command::Schema { project } => commands::schema::run(project),
        Command::Fonts(args) => match args.folders() {
            Ok(folders) => commands::fonts::run(&folders),
            Err(message) => usage(message),
        },
        Command::Completions { shell } => commands::completions::completions(shell),
        Command::Manpage { dir } => commands::completions::manpage(dir.as_deref()),
        Command::Template(TemplateCommand::List) => commands::template::list(),
        Command::Template(TemplateCommand::Export { name, dir }) => {
            commands::template::export(&name, dir.as_deref())
        }
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

/// Reports a usage error; exit code 2.
fn usage(message: String) -> u8 {
    commands::fail(Diagnostic::error(Code::Usage, message))
}
