//! The `briefpress` command: parse arguments, dispatch, turn the result into an exit code.

use std::process::ExitCode;

use briefpress::build;
use briefpress::cli::{Cli, Command};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Build(args) => build::build(args),
        Command::Check(args) => build::check(args),
    };
    ExitCode::from(code)
}
