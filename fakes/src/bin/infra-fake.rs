//! `infra-fake cloudflare [--port N]` / `infra-fake github [--port N] [--api-base URL]`: serves
//! the Cloudflare or GitHub fake on 127.0.0.1, prints `listening on http://127.0.0.1:PORT` on
//! one line, and runs until killed (or Ctrl-C).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "infra-fake",
    about = "Stateful fakes of vendor APIs for infra's tests"
)]
struct Cli {
    #[command(subcommand)]
    fake: Fake,
}

#[derive(Subcommand)]
enum Fake {
    /// The Cloudflare v4 API (routes at the root, admin API under /__fake/).
    Cloudflare {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// The GitHub REST API (routes at the root, admin API under /__fake/).
    Github {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Base URL of `Link` and `Location` headers (the Prism proxy in front of the fake);
        /// `http://<Host header>` when absent. Also settable with `POST /__fake/config`.
        #[arg(long)]
        api_base: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.fake {
        Fake::Cloudflare { port } => {
            let running =
                infra_fakes::cloudflare::start(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
                    .await?;
            let mut stdout = std::io::stdout();
            writeln!(stdout, "listening on {}", running.url())?;
            stdout.flush()?;
            tokio::select! {
                result = running.handle => result?,
                signal = tokio::signal::ctrl_c() => signal?,
            }
        }
        Fake::Github { port, api_base } => {
            let running =
                infra_fakes::github::start(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
            running.state.world().api_base = api_base;
            let mut stdout = std::io::stdout();
            writeln!(stdout, "listening on {}", running.url())?;
            stdout.flush()?;
            tokio::select! {
                result = running.handle => result?,
                signal = tokio::signal::ctrl_c() => signal?,
            }
        }
    }
    Ok(())
}
