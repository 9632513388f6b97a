//! Terminal output: colour decisions (NO_COLOR, -no-color, non-TTY) and printing helpers that
//! never panic on a closed pipe.

use std::io::{IsTerminal, Write};

/// Whether to colour output on stdout.
pub fn color_enabled(no_color_flag: bool) -> bool {
    !no_color_flag && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

pub fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
}

pub fn err(s: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(s.as_bytes());
    let _ = e.flush();
}

/// Prints engine diagnostics to stderr (errors) / stdout (warnings).
pub fn diagnostics(ds: &infra_engine::diag::Diagnostics, color: bool) {
    for d in ds.iter() {
        let text = format!("\n{}", d.render(color));
        if d.is_error() {
            err(&text);
        } else {
            out(&text);
        }
    }
}
