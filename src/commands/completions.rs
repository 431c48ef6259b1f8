//! `briefpress completions SHELL` and `briefpress manpage [DIR]`.
//!
//! Both are generated from the clap definition in `crate::cli`, the same one
//! that parses the arguments, so they list exactly the commands, options and
//! values the binary accepts and never go stale: shell completions through
//! clap_complete, manual pages (roff) through clap_mangen.

use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::fail;
use crate::batch::exit;
use crate::cli::Cli;
use crate::diag::{Code, Diagnostic};

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: Shell) -> u8 {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "briefpress", &mut script);
    super::print(&String::from_utf8_lossy(&script))
}

/// Prints the manual page of `briefpress` on stdout or, with `dir`, writes
/// one page per command into it (`briefpress.1`, `briefpress-build.1`, …).
pub fn manpage(dir: Option<&Path>) -> u8 {
    let command = Cli::command();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        if let Err(err) = clap_mangen::Man::new(command).render(&mut page) {
            return fail(Diagnostic::error(
                Code::Internal,
                format!("cannot render the manual page: {err}"),
            ));
        }
        let _ = io::stdout().lock().write_all(&page);
        return exit::OK;
    };
    let mut pages = super::NewFiles::under(dir);
    if let Err(err) = add_pages(command, &mut pages) {
        return fail(Diagnostic::error(
            Code::Internal,
            format!("cannot render the manual pages: {err}"),
        ));
    }
    // Like `init`: no existing file is replaced, no symlink followed; all
    // pages are written or none.
    let code = pages.write();
    if code == exit::OK {
        super::say(&format!(
            "Wrote the manual pages to {}; read one with `man {}/briefpress.1`.",
            dir.display(),
            dir.display()
        ));
    }
    code
}

/// Adds the page of `command` and of each of its subcommands, named as
/// clap_mangen names them (`briefpress.1`, `briefpress-build.1`, …).
fn add_pages(command: clap::Command, pages: &mut super::NewFiles) -> io::Result<()> {
    fn add(command: clap::Command, pages: &mut super::NewFiles) -> io::Result<()> {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            add(sub.clone(), pages)?;
        }
        let man = clap_mangen::Man::new(command);
        let mut page = Vec::new();
        man.render(&mut page)?;
        pages.add(man.get_filename(), page);
        Ok(())
    }
    let mut command = command.disable_help_subcommand(true);
    command.build();
    add(command, pages)
}
