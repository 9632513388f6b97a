//! Command-line syntax: clap definitions with Terraform's flag spellings. Terraform writes
//! long flags with one dash (`-auto-approve`, `-var=x=1`); [`normalize`] rewrites those to
//! clap's `--` form before parsing, so both spellings work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Rewrites `-flag[=value]` (one dash, a word of two or more letters) to `--flag[=value]`.
pub fn normalize(args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut passthrough = false;
    for a in args {
        if passthrough || a == "--" {
            passthrough = true;
            out.push(a);
            continue;
        }
        let is_single_dash_word = a.starts_with('-')
            && !a.starts_with("--")
            && a.len() > 2
            && a[1..].chars().next().map(|c| c.is_ascii_alphabetic()).unwrap_or(false);
        if is_single_dash_word {
            out.push(format!("-{a}"));
        } else {
            out.push(a);
        }
    }
    out
}

#[derive(Parser, Debug)]
#[command(
    name = "infra",
    version,
    about = "Declarative infrastructure as code that speaks the Terraform language",
    long_about = "infra reads Terraform configurations (*.tf) and plans and applies them with built-in providers.\nFlags follow Terraform's spelling: -chdir=DIR, -var 'x=1', -auto-approve (two dashes work too)."
)]
pub struct Cli {
    /// Switch to this working directory before running the command (like `terraform -chdir=DIR`).
    #[arg(long, global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Prepare the working directory: check the configuration's providers and backend. Needs no network: providers are built in.
    Init(InitArgs),
    /// Check that the configuration is valid (syntax, references, types) without touching state.
    Validate(ValidateArgs),
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Create or update infrastructure, from a saved plan or a new plan.
    Apply(ApplyArgs),
    /// Destroy all objects managed by this configuration (same as `apply -destroy`).
    Destroy(ApplyArgs),
    /// Show a saved plan or the current state.
    Show(ShowArgs),
    /// Show output values from the state.
    Output(OutputArgs),
    /// Print the dependency graph in Graphviz DOT format.
    Graph(GraphArgs),
    /// Rewrite configuration files to the canonical format and style (as `terraform fmt`).
    Fmt(FmtArgs),
    /// Evaluate expressions against the configuration and state: one result per input line.
    Console(ConsoleArgs),
    /// Inspect and modify the state.
    #[command(subcommand)]
    State(StateCommand),
    /// Adopt an existing remote object into the state: infra import ADDRESS ID (the resource block must exist).
    Import(ImportArgs),
    /// Post a saved plan as a pull-request comment (Markdown), updating this root's earlier comment instead of adding another.
    Comment(CommentArgs),
    /// Release a stuck state lock.
    ForceUnlock(ForceUnlockArgs),
    /// Print infra's version (and, with -json, the built-in providers).
    Version {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct CommonArgs {
    /// Disable colour in the output (also off when NO_COLOR is set or output is not a terminal).
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Args, Debug, Clone)]
pub struct LockArgs {
    /// Hold the state lock during the operation (default true). -lock=false skips it: dangerous if others might run infra concurrently.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub lock: bool,
    /// How long to retry acquiring a busy state lock, e.g. 30s or 5m (default 0s: fail at once).
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
}

#[derive(Args, Debug, Clone)]
pub struct VarArgs {
    /// Set a root module input variable: -var 'name=value'. Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Load variable values from a .tfvars (or .tfvars.json) file. Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Ask for input if necessary (ignored: init never needs input).
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub input: bool,
    /// Accepted for compatibility; infra has no plugins to upgrade.
    #[arg(long)]
    pub upgrade: bool,
    /// Accepted for compatibility: the backend is always configured locally.
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub backend: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Print the result as JSON (the shape of `terraform validate -json`).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Flags shared by `plan`, `apply` and `destroy`.
#[derive(Args, Debug, Clone)]
pub struct OperationArgs {
    /// Plan to destroy every managed object.
    #[arg(long)]
    pub destroy: bool,
    /// Ask for input (approval of an apply). infra never prompts for variables: missing ones are errors.
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub input: bool,
    /// Limit the operation to this resource (and what it depends on). Repeatable.
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Read the current state of every object before planning (default true).
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub refresh: bool,
    /// Limit the number of concurrent operations (default 10).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    /// Path of the state file (default terraform.tfstate).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    /// Write the plan to this file, to apply exactly it later with `infra apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Exit 0 when there are no changes, 1 on error, 2 when there are changes.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Print the plan as JSON (the schema of `terraform show -json`) instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub op: OperationArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ApplyArgs {
    /// A plan file saved by `infra plan -out`: apply exactly it.
    pub plan_file: Option<PathBuf>,
    /// Skip interactive approval of the plan.
    #[arg(long)]
    pub auto_approve: bool,
    /// Print machine-readable progress as JSON lines (Terraform's machine-readable UI).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub op: OperationArgs,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// A saved plan file; without it, show the current state.
    pub path: Option<PathBuf>,
    /// Print as JSON (the schema of `terraform show -json`).
    #[arg(long)]
    pub json: bool,
    /// Print a saved plan as GitHub-flavoured Markdown for a pull-request comment: the counts, a caution listing every destroy and replace, each resource's diff in a collapsible block, drift, output changes; never a sensitive value. Shortened to fit one comment, with a note saying what was left out (linking the GitHub Actions run when GITHUB_RUN_ID etc. are set).
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Show only this output.
    pub name: Option<String>,
    /// Print as JSON: {name: {sensitive, type, value}}.
    #[arg(long)]
    pub json: bool,
    /// Print a string, number or bool output's raw value (no quotes).
    #[arg(long)]
    pub raw: bool,
    /// Path of the state file (default terraform.tfstate).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct ConsoleArgs {
    /// Path of the state file (default terraform.tfstate).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
}

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files or directories to format (default: the current directory); `-` reads stdin and writes stdout.
    pub targets: Vec<PathBuf>,
    /// Don't write: exit 3 if any file is not formatted (listing them).
    #[arg(long)]
    pub check: bool,
    /// Print a unified diff of the changes.
    #[arg(long)]
    pub diff: bool,
    /// Also format files in subdirectories.
    #[arg(long)]
    pub recursive: bool,
    /// Write the result back to the files (default true).
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub write: bool,
    /// List the files whose formatting changed (default true).
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub list: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// Accepted for compatibility (plan, apply): infra prints the configuration graph.
    #[arg(long, value_name = "TYPE")]
    pub r#type: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum StateCommand {
    /// List resource instances in the state.
    List {
        /// Only addresses starting with these.
        addresses: Vec<String>,
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Show one resource instance's attributes (sensitive values hidden).
    Show {
        address: String,
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Forget instances (the real objects are not destroyed).
    Rm {
        #[arg(required = true)]
        addresses: Vec<String>,
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Rename an instance (or all instances of a resource) in the state.
    Mv {
        source: String,
        destination: String,
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Print the state in Terraform's terraform.tfstate (v4) format.
    Pull {
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Replace the state with a file in Terraform v4 or infra format ("-" for stdin).
    Push {
        path: PathBuf,
        /// Overwrite even when lineage or serial say the pushed state is older or unrelated.
        #[arg(long)]
        force: bool,
        #[arg(long, value_name = "PATH")]
        state: Option<PathBuf>,
        #[command(flatten)]
        lock: LockArgs,
    },
}

#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    /// The resource instance to import into, e.g. cloudflare_dns_record.www or aws_s3_bucket.logs["eu"].
    pub address: String,
    /// The provider's ID of the existing object; its format is in each resource type's docs (e.g. <zone_id>/<dns_record_id>).
    pub id: String,
    /// Ask for input for variables that are not set (default true; only on a terminal).
    #[arg(long, action = clap::ArgAction::Set, num_args = 0..=1, default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub input: bool,
    /// Path of the state file (default terraform.tfstate).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Clone)]
pub struct CommentArgs {
    /// The saved plan (from `infra plan -out=FILE`).
    pub plan_file: PathBuf,
    /// The repository, OWNER/NAME (default: GITHUB_REPOSITORY).
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
    /// The pull request number (default: from the event in GITHUB_EVENT_PATH).
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// The workspace named in the comment's marker (default: TF_WORKSPACE or "default"); with the working directory it tells this root's comment apart from others on the same pull request.
    #[arg(long, value_name = "NAME")]
    pub workspace: Option<String>,
    /// When the plan has no changes, delete this root's earlier comment and post nothing (default: post or update a one-line "No changes" comment).
    #[arg(long)]
    pub delete_if_no_changes: bool,
    /// Also label the pull request: "infra:destroy" while any root's plan destroys or replaces something, "infra:no-changes" while every root's plan is empty (so a branch rule can ask for a second review of destroys). Labels infra no longer wants are removed; others are left alone.
    #[arg(long)]
    pub labels: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug)]
pub struct ForceUnlockArgs {
    /// The lock ID printed in the lock error.
    pub lock_id: String,
    /// Don't ask for confirmation.
    #[arg(long)]
    pub force: bool,
}

/// Parses Terraform-style durations: `0`, `500ms`, `30s`, `5m`, `1h`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len()));
    let n: f64 = num.parse().map_err(|_| format!("invalid duration {s:?}: expected a number with a unit, like 30s or 5m"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("invalid duration {s:?}: unknown unit {unit:?} (use ms, s, m or h)")),
    };
    Ok(std::time::Duration::from_secs_f64(secs))
}
