//! The state of the GitHub fake: accounts (users and organizations), teams and repositories
//! with everything they own. One [`World`] behind one lock: handlers lock it, change it and
//! render their answer without awaiting.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine as _;
use crypto_box::aead::OsRng;
use crypto_box::SecretKey;
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

use super::error::GhError;

/// Base of the API URLs inside objects (`url`, `hooks_url`, ...), as on GitHub.
pub const API: &str = "https://api.github.com";
/// Base of the web URLs inside objects (`html_url`).
pub const WEB: &str = "https://github.com";
/// The user an unknown token acts as.
pub const DEFAULT_USER: &str = "infra-bot";

/// The current time as GitHub writes it: RFC 3339, UTC, whole seconds (`2011-01-26T19:01:12Z`).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A GraphQL-style node id (`R_kgDO...`): a prefix plus base64 of the numeric id.
pub fn node_id(prefix: &str, id: u64) -> String {
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(id.to_be_bytes());
    format!("{prefix}_kgDO{b64}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    User,
    Organization,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::User => "User",
            AccountKind::Organization => "Organization",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    pub id: u64,
    pub login: String,
    pub kind: AccountKind,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Members (lowercase logins) of an organization.
    pub members: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct Team {
    pub id: u64,
    /// Lowercase login of the organization.
    pub org: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub privacy: String,
    pub notification_setting: String,
    /// The team's default repository permission.
    pub permission: String,
    pub parent: Option<u64>,
    /// Lowercase logins.
    pub members: BTreeSet<String>,
    /// Repository id → permission (`pull`, `triage`, `push`, `maintain`, `admin` or a custom role).
    pub repos: IndexMap<u64, String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A libsodium sealed-box key pair, as GitHub has per repository and per environment.
#[derive(Clone)]
pub struct KeyPair {
    pub key_id: String,
    pub secret: SecretKey,
    /// Base64 of the 32-byte X25519 public key.
    pub public_b64: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("key_id", &self.key_id)
            .field("public_b64", &self.public_b64)
            .finish()
    }
}

impl KeyPair {
    pub fn generate() -> KeyPair {
        let secret = SecretKey::generate(&mut OsRng);
        let public_b64 =
            base64::engine::general_purpose::STANDARD.encode(secret.public_key().as_bytes());
        // GitHub's key ids are long decimal numbers ("568250167242549743").
        let key_id = (rand::random::<u64>() % 9_000_000_000_000_000_000 + 100_000_000_000_000_000)
            .to_string();
        KeyPair {
            key_id,
            secret,
            public_b64,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Secret {
    pub name: String,
    /// The decrypted value (what the client sealed).
    pub plaintext: Vec<u8>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub value: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Actions secrets and variables of a repository or of an environment.
#[derive(Debug, Clone)]
pub struct ActionsScope {
    pub key: KeyPair,
    /// Keyed by the uppercase name.
    pub secrets: IndexMap<String, Secret>,
    /// Keyed by the uppercase name.
    pub variables: IndexMap<String, Variable>,
}

impl ActionsScope {
    pub fn new() -> ActionsScope {
        ActionsScope {
            key: KeyPair::generate(),
            secrets: IndexMap::new(),
            variables: IndexMap::new(),
        }
    }
}

impl Default for ActionsScope {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub id: u64,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub wait_timer: u64,
    pub prevent_self_review: bool,
    /// `(type, id)`: `("User", 1)`, `("Team", 2)`.
    pub reviewers: Vec<(String, u64)>,
    /// `(protected_branches, custom_branch_policies)`.
    pub deployment_branch_policy: Option<(bool, bool)>,
    /// Ids of the wait timer, reviewers and branch policy protection rules.
    pub rule_ids: [u64; 3],
    pub actions: ActionsScope,
}

/// Users, teams and apps named by a branch protection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Principals {
    pub users: Vec<String>,
    pub teams: Vec<String>,
    pub apps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusChecks {
    pub strict: bool,
    /// `(context, app_id)`.
    pub checks: Vec<(String, Option<i64>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reviews {
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    pub required_approving_review_count: u64,
    pub require_last_push_approval: bool,
    pub dismissal_restrictions: Option<Principals>,
    pub bypass_pull_request_allowances: Option<Principals>,
}

/// The protection of one branch, normalized from the PUT body.
#[derive(Debug, Clone, PartialEq)]
pub struct Protection {
    pub required_status_checks: Option<StatusChecks>,
    pub enforce_admins: bool,
    pub required_pull_request_reviews: Option<Reviews>,
    pub restrictions: Option<Principals>,
    pub required_signatures: bool,
    pub required_linear_history: bool,
    pub allow_force_pushes: bool,
    pub allow_deletions: bool,
    pub block_creations: bool,
    pub required_conversation_resolution: bool,
    pub lock_branch: bool,
    pub allow_fork_syncing: bool,
}

#[derive(Debug, Clone)]
pub struct Ruleset {
    pub id: u64,
    pub name: String,
    pub target: String,
    pub enforcement: String,
    pub bypass_actors: Value,
    pub conditions: Value,
    pub rules: Value,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct Hook {
    pub id: u64,
    pub active: bool,
    pub events: Vec<String>,
    /// `url`, `content_type`, `insecure_ssl`, `secret` (the real secret; rendered masked).
    pub config: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct DeployKey {
    pub id: u64,
    /// `type base64`, without the comment.
    pub key: String,
    pub title: String,
    pub read_only: bool,
    pub created_at: String,
    pub added_by: String,
}

#[derive(Debug, Clone)]
pub struct Collaborator {
    pub login: String,
    /// `pull`, `triage`, `push`, `maintain`, `admin` (or a custom role name).
    pub permission: String,
}

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: u64,
    pub login: String,
    pub inviter: String,
    pub permission: String,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct PullInfo {
    pub head: String,
    pub base: String,
    pub draft: bool,
    pub merged: bool,
    pub head_sha: String,
    pub base_sha: String,
}

/// An issue or a pull request (they share the numbers of a repository).
#[derive(Debug, Clone)]
pub struct Issue {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub user: String,
    pub state: String,
    pub locked: bool,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    pub pull: Option<PullInfo>,
    /// Lowercase names of the repository labels on it, in the order they were added.
    pub labels: Vec<String>,
}

/// A repository label (`/repos/{owner}/{repo}/labels`).
#[derive(Debug, Clone)]
pub struct Label {
    pub id: u64,
    pub name: String,
    /// Six hex digits, no `#`.
    pub color: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: u64,
    pub issue_number: u64,
    pub body: String,
    pub user: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct Repo {
    pub id: u64,
    /// Login of the owner, as the owner spells it.
    pub owner: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    pub pushed_at: String,
    /// The repository's settings as they appear in its JSON (description, private, has_issues,
    /// merge settings, topics, default_branch, license, security_and_analysis, ...).
    pub settings: Map<String, Value>,
    pub branches: BTreeSet<String>,
    /// Keyed by branch name.
    pub protections: IndexMap<String, Protection>,
    pub rulesets: IndexMap<u64, Ruleset>,
    pub actions: ActionsScope,
    /// Keyed by the lowercase name.
    pub environments: IndexMap<String, Environment>,
    pub hooks: IndexMap<u64, Hook>,
    pub deploy_keys: IndexMap<u64, DeployKey>,
    /// Keyed by the lowercase login.
    pub collaborators: IndexMap<String, Collaborator>,
    /// Keyed by the lowercase login.
    pub invitations: IndexMap<String, Invitation>,
    pub next_number: u64,
    pub issues: BTreeMap<u64, Issue>,
    pub comments: IndexMap<u64, Comment>,
    /// Keyed by the lowercase name.
    pub labels: IndexMap<String, Label>,
    /// Dependabot alerts (`/vulnerability-alerts`), off on a new repository.
    pub vulnerability_alerts: bool,
}

/// The settings every new repository starts with.
pub fn default_settings() -> Map<String, Value> {
    let v = json!({
        "description": null,
        "homepage": null,
        "private": false,
        "visibility": "public",
        "has_issues": true,
        "has_projects": true,
        "has_wiki": true,
        "has_downloads": true,
        "has_discussions": false,
        "has_pages": false,
        "has_pull_requests": true,
        "is_template": false,
        "archived": false,
        "disabled": false,
        "default_branch": "main",
        "topics": [],
        "language": null,
        "license": null,
        "allow_rebase_merge": true,
        "allow_squash_merge": true,
        "allow_merge_commit": true,
        "allow_auto_merge": false,
        "delete_branch_on_merge": false,
        "allow_update_branch": false,
        "use_squash_pr_title_as_default": false,
        "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
        "squash_merge_commit_message": "COMMIT_MESSAGES",
        "merge_commit_title": "MERGE_MESSAGE",
        "merge_commit_message": "PR_TITLE",
        "allow_forking": true,
        "web_commit_signoff_required": false,
        "custom_properties": {},
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub fn key(&self) -> String {
        format!("{}/{}", self.owner, self.name).to_ascii_lowercase()
    }

    pub fn setting_bool(&self, key: &str) -> bool {
        self.settings
            .get(key)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn setting_str(&self, key: &str) -> Option<&str> {
        self.settings.get(key).and_then(Value::as_str)
    }

    pub fn default_branch(&self) -> String {
        self.setting_str("default_branch")
            .unwrap_or("main")
            .to_string()
    }

    pub fn environment(&self, name: &str) -> Result<&Environment, GhError> {
        self.environments
            .get(&name.to_ascii_lowercase())
            .ok_or_else(GhError::not_found)
    }

    pub fn environment_mut(&mut self, name: &str) -> Result<&mut Environment, GhError> {
        self.environments
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(GhError::not_found)
    }

    /// The secrets and variables of the repository (`None`) or of one of its environments.
    pub fn actions_mut(&mut self, environment: Option<&str>) -> Result<&mut ActionsScope, GhError> {
        match environment {
            None => Ok(&mut self.actions),
            Some(name) => Ok(&mut self.environment_mut(name)?.actions),
        }
    }

    pub fn actions(&self, environment: Option<&str>) -> Result<&ActionsScope, GhError> {
        match environment {
            None => Ok(&self.actions),
            Some(name) => Ok(&self.environment(name)?.actions),
        }
    }

    pub fn take_number(&mut self) -> u64 {
        self.next_number += 1;
        self.next_number
    }
}

/// Everything the fake knows.
#[derive(Debug)]
pub struct World {
    next_id: u64,
    /// Keyed by the lowercase login.
    pub accounts: IndexMap<String, Account>,
    /// Token → lowercase login.
    pub tokens: HashMap<String, String>,
    pub repos: IndexMap<u64, Repo>,
    /// Lowercase `owner/name` → repository id.
    pub names: HashMap<String, u64>,
    /// Lowercase former `owner/name` → repository id (GitHub redirects renamed repositories).
    pub renamed: HashMap<String, u64>,
    pub teams: IndexMap<u64, Team>,
    /// Base URL of `Link` and `Location` headers (the Prism proxy, when the harness set it).
    pub api_base: Option<String>,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> World {
        let mut w = World {
            next_id: 1_000_000,
            accounts: IndexMap::new(),
            tokens: HashMap::new(),
            repos: IndexMap::new(),
            names: HashMap::new(),
            renamed: HashMap::new(),
            teams: IndexMap::new(),
            api_base: None,
        };
        w.ensure_account(DEFAULT_USER, AccountKind::User);
        w
    }

    pub fn alloc_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn account(&self, login: &str) -> Option<&Account> {
        self.accounts.get(&login.to_ascii_lowercase())
    }

    pub fn account_by_id(&self, id: u64) -> Option<&Account> {
        self.accounts.values().find(|a| a.id == id)
    }

    /// The account, created when missing (an existing one keeps its kind).
    pub fn ensure_account(&mut self, login: &str, kind: AccountKind) -> &mut Account {
        let key = login.to_ascii_lowercase();
        if !self.accounts.contains_key(&key) {
            let id = self.alloc_id();
            self.accounts.insert(
                key.clone(),
                Account {
                    id,
                    login: login.to_string(),
                    kind,
                    name: None,
                    email: None,
                    members: BTreeSet::new(),
                },
            );
        }
        &mut self.accounts[&key]
    }

    /// The login a token acts as (an unknown token acts as [`DEFAULT_USER`]).
    pub fn caller_login(&self, token: &str) -> String {
        self.tokens
            .get(token)
            .and_then(|l| self.accounts.get(l))
            .map(|a| a.login.clone())
            .unwrap_or_else(|| DEFAULT_USER.to_string())
    }

    pub fn repo_id(&self, owner: &str, name: &str) -> Option<u64> {
        self.names
            .get(&format!("{owner}/{name}").to_ascii_lowercase())
            .copied()
    }

    pub fn repo(&self, owner: &str, name: &str) -> Result<&Repo, GhError> {
        let id = self.repo_id(owner, name).ok_or_else(GhError::not_found)?;
        self.repos.get(&id).ok_or_else(GhError::not_found)
    }

    pub fn repo_mut(&mut self, owner: &str, name: &str) -> Result<&mut Repo, GhError> {
        let id = self.repo_id(owner, name).ok_or_else(GhError::not_found)?;
        self.repos.get_mut(&id).ok_or_else(GhError::not_found)
    }

    /// Adds a repository; `None` when the owner already has one of that name.
    pub fn insert_repo(&mut self, repo: Repo) -> Option<u64> {
        let key = repo.key();
        if self.names.contains_key(&key) {
            return None;
        }
        self.renamed.remove(&key);
        let id = repo.id;
        self.names.insert(key, id);
        self.repos.insert(id, repo);
        Some(id)
    }

    pub fn remove_repo(&mut self, id: u64) -> Option<Repo> {
        let repo = self.repos.shift_remove(&id)?;
        self.names.remove(&repo.key());
        self.renamed.retain(|_, v| *v != id);
        for team in self.teams.values_mut() {
            team.repos.shift_remove(&id);
        }
        Some(repo)
    }

    /// A new, empty repository (not yet inserted).
    pub fn new_repo(&mut self, owner: &str, name: &str) -> Repo {
        let id = self.alloc_id();
        let now = now();
        Repo {
            id,
            owner: owner.to_string(),
            name: name.to_string(),
            created_at: now.clone(),
            updated_at: now.clone(),
            pushed_at: now,
            settings: default_settings(),
            branches: BTreeSet::new(),
            protections: IndexMap::new(),
            rulesets: IndexMap::new(),
            actions: ActionsScope::new(),
            environments: IndexMap::new(),
            hooks: IndexMap::new(),
            deploy_keys: IndexMap::new(),
            collaborators: IndexMap::new(),
            invitations: IndexMap::new(),
            next_number: 0,
            issues: BTreeMap::new(),
            comments: IndexMap::new(),
            labels: IndexMap::new(),
            vulnerability_alerts: false,
        }
    }

    pub fn team_by_slug(&self, org: &str, slug: &str) -> Option<&Team> {
        let org = org.to_ascii_lowercase();
        self.teams
            .values()
            .find(|t| t.org == org && t.slug.eq_ignore_ascii_case(slug))
    }

    pub fn team_id_by_slug(&self, org: &str, slug: &str) -> Option<u64> {
        self.team_by_slug(org, slug).map(|t| t.id)
    }

    /// Whether `login` is a member of the organization `org`.
    pub fn is_member(&self, org: &str, login: &str) -> bool {
        self.account(org)
            .is_some_and(|a| a.members.contains(&login.to_ascii_lowercase()))
    }

    /// The base of `Link` and `Location` headers: the configured one, else `http://<Host>`.
    pub fn link_base(&self, host: Option<&str>) -> String {
        match (&self.api_base, host) {
            (Some(base), _) => base.trim_end_matches('/').to_string(),
            (None, Some(host)) => format!("http://{host}"),
            (None, None) => API.to_string(),
        }
    }
}

/// GitHub's repository name rule: ASCII letters, digits, `.`, `-`, `_`; anything else becomes
/// `-` (as GitHub does on creation). `None` when nothing usable is left.
pub fn normalize_repo_name(raw: &str) -> Option<String> {
    let mut out = String::new();
    let mut last_dash = false;
    for c in raw.trim().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
            out.push(c);
            last_dash = c == '-';
        } else if !last_dash {
            out.push('-');
            last_dash = true;
        }
    }
    if out.is_empty()
        || out == "."
        || out == ".."
        || out.len() > 100
        || out.chars().all(|c| c == '-')
    {
        return None;
    }
    Some(out)
}

/// A team slug from its name (`"Platform Team"` → `platform-team`).
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_like_github() {
        assert_eq!(normalize_repo_name("My Repo!").as_deref(), Some("My-Repo-"));
        assert_eq!(
            normalize_repo_name("infra.test_1").as_deref(),
            Some("infra.test_1")
        );
        assert_eq!(normalize_repo_name(".."), None);
        assert_eq!(normalize_repo_name(""), None);
        assert_eq!(slugify("Platform Team"), "platform-team");
    }

    #[test]
    fn key_pairs_are_real_sealed_boxes() {
        let pair = KeyPair::generate();
        let public = base64::engine::general_purpose::STANDARD
            .decode(&pair.public_b64)
            .unwrap();
        let public = crypto_box::PublicKey::from_slice(&public).unwrap();
        let sealed = public.seal(&mut OsRng, b"hunter2").unwrap();
        assert_eq!(pair.secret.unseal(&sealed).unwrap(), b"hunter2");
        assert!(pair.key_id.len() >= 18 && pair.key_id.chars().all(|c| c.is_ascii_digit()));
    }
}
