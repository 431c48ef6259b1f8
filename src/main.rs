//! The `briefpress` command: parse arguments, dispatch, turn the result into an exit code.

use std::process::ExitCode;

use briefpress::cli::{Cli, Command, TemplateCommand};
use briefpress::{batch, commands};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Build(args) => batch::run(args.config()),
        Command::Check(args) => batch::run(args.config()),
        Command::Init(args) => commands::init::run(&args.options()),
        Command::New(args) => commands::new::run(&args.options()),
        Command::Schema { project } => commands::schema::run(project),
        Command::Fonts(args) => commands::fonts::run(&args.font_paths),
        Command::Completions { shell } => commands::completions::completions(shell),
        Command::Manpage { dir } => commands::completions::manpage(dir.as_deref()),
        Command::Template(TemplateCommand::List) => commands::template::list(),
        Command::Template(TemplateCommand::Export { name, dir }) => {
            commands::template::export(&name, dir.as_deref())
        }
    };
    ExitCode::from(code)
}
