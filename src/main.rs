//! The `infra` command: parses Terraform-style flags, calls the engine, renders, and maps every
//! outcome to Terraform's exit codes (0 ok, 1 error, 2 changes with -detailed-exitcode).

mod args;
mod comment;
mod commands;
mod jsonui;
mod ui;

use clap::Parser;

fn main() {
    let argv = args::normalize(std::env::args());
    let cli = match args::Cli::try_parse_from(argv) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    if let Some(dir) = &cli.chdir {
        if let Err(e) = std::env::set_current_dir(dir) {
            eprintln!("Error: Invalid -chdir option\n\nThe directory {} cannot be used: {e}.", dir.display());
            std::process::exit(1);
        }
    }
    // One thread: provider work is I/O-bound and concurrent on one thread; a single malloc
    // arena keeps peak memory low.
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = rt.block_on(commands::run(cli.command));
    std::process::exit(code);
}
