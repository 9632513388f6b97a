//! The JSON objects of the API, complete with every field the description requires.

use serde_json::{json, Map, Value};

use super::model::{Account, AccountKind, Repo, Team, World, API, WEB};

/// A `simple-user` (also used for organizations, with `type: "Organization"`).
pub fn user_json(a: &Account) -> Value {
    let login = &a.login;
    let id = a.id;
    let (url_kind, node_prefix) = match a.kind {
        AccountKind::User => ("users", "U"),
        AccountKind::Organization => ("users", "O"),
    };
    json!({
        "login": login,
        "id": id,
        "node_id": super::model::node_id(node_prefix, id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": format!("{API}/{url_kind}/{login}"),
        "html_url": format!("{WEB}/{login}"),
        "followers_url": format!("{API}/users/{login}/followers"),
        "following_url": format!("{API}/users/{login}/following{{/other_user}}"),
        "gists_url": format!("{API}/users/{login}/gists{{/gist_id}}"),
        "starred_url": format!("{API}/users/{login}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{API}/users/{login}/subscriptions"),
        "organizations_url": format!("{API}/users/{login}/orgs"),
        "repos_url": format!("{API}/users/{login}/repos"),
        "events_url": format!("{API}/users/{login}/events{{/privacy}}"),
        "received_events_url": format!("{API}/users/{login}/received_events"),
        "type": a.kind.as_str(),
        "user_view_type": "public",
        "site_admin": false,
    })
}

/// The `simple-user` of a login, or a placeholder account when it is unknown (never happens
/// for logins the fake itself stored).
pub fn login_json(w: &World, login: &str) -> Value {
    match w.account(login) {
        Some(a) => user_json(a),
        None => user_json(&Account {
            id: 0,
            login: login.to_string(),
            kind: AccountKind::User,
            name: None,
            email: None,
            members: Default::default(),
        }),
    }
}

/// A `full-repository` (a superset of `repository`, `minimal-repository` and
/// `team-repository`, so it is used for all of them).
pub fn repo_json(w: &World, r: &Repo) -> Value {
    let full = r.full_name();
    let base = format!("{API}/repos/{full}");
    let owner = w
        .account(&r.owner)
        .map(user_json)
        .unwrap_or_else(|| login_json(w, &r.owner));
    let mut obj = Map::new();
    let mut put = |k: &str, v: Value| {
        obj.insert(k.to_string(), v);
    };
    put("id", json!(r.id));
    put("node_id", json!(super::model::node_id("R", r.id)));
    put("name", json!(r.name));
    put("full_name", json!(full));
    put("owner", owner.clone());
    put("html_url", json!(format!("{WEB}/{full}")));
    put("fork", json!(false));
    put("url", json!(base));
    for (key, suffix) in [
        ("archive_url", "/{archive_format}{/ref}"),
        ("assignees_url", "/assignees{/user}"),
        ("blobs_url", "/git/blobs{/sha}"),
        ("branches_url", "/branches{/branch}"),
        ("collaborators_url", "/collaborators{/collaborator}"),
        ("comments_url", "/comments{/number}"),
        ("commits_url", "/commits{/sha}"),
        ("compare_url", "/compare/{base}...{head}"),
        ("contents_url", "/contents/{+path}"),
        ("contributors_url", "/contributors"),
        ("deployments_url", "/deployments"),
        ("downloads_url", "/downloads"),
        ("events_url", "/events"),
        ("forks_url", "/forks"),
        ("git_commits_url", "/git/commits{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"),
        ("issue_comment_url", "/issues/comments{/number}"),
        ("issue_events_url", "/issues/events{/number}"),
        ("issues_url", "/issues{/number}"),
        ("keys_url", "/keys{/key_id}"),
        ("labels_url", "/labels{/name}"),
        ("languages_url", "/languages"),
        ("merges_url", "/merges"),
        ("milestones_url", "/milestones{/number}"),
        (
            "notifications_url",
            "/notifications{?since,all,participating}",
        ),
        ("pulls_url", "/pulls{/number}"),
        ("releases_url", "/releases{/id}"),
        ("stargazers_url", "/stargazers"),
        ("statuses_url", "/statuses/{sha}"),
        ("subscribers_url", "/subscribers"),
        ("subscription_url", "/subscription"),
        ("tags_url", "/tags"),
        ("teams_url", "/teams"),
        ("trees_url", "/git/trees{/sha}"),
        ("hooks_url", "/hooks"),
    ] {
        put(key, json!(format!("{base}{suffix}")));
    }
    put("git_url", json!(format!("git://github.com/{full}.git")));
    put("ssh_url", json!(format!("git@github.com:{full}.git")));
    put("clone_url", json!(format!("{WEB}/{full}.git")));
    put("svn_url", json!(format!("{WEB}/{full}")));
    put("mirror_url", Value::Null);
    for key in [
        "forks_count",
        "stargazers_count",
        "watchers_count",
        "size",
        "forks",
        "watchers",
        "subscribers_count",
        "network_count",
    ] {
        put(key, json!(0));
    }
    let open_issues = r.issues.values().filter(|i| i.state == "open").count();
    put("open_issues_count", json!(open_issues));
    put("open_issues", json!(open_issues));
    put("pushed_at", json!(r.pushed_at));
    put("created_at", json!(r.created_at));
    put("updated_at", json!(r.updated_at));
    put(
        "permissions",
        json!({"admin": true, "maintain": true, "push": true, "triage": true, "pull": true}),
    );
    put("temp_clone_token", json!(""));
    put("anonymous_access_enabled", json!(false));
    for (k, v) in &r.settings {
        if k == "security_and_analysis" && v.is_null() {
            continue;
        }
        put(k, v.clone());
    }
    if let Some(a) = w.account(&r.owner) {
        if a.kind == AccountKind::Organization {
            obj.insert("organization".into(), owner);
        }
    }
    Value::Object(obj)
}

/// GitHub's permission booleans for a permission name.
pub fn permission_flags(permission: &str) -> Value {
    let level = permission_level(permission);
    json!({
        "pull": level >= 1,
        "triage": level >= 2,
        "push": level >= 3,
        "maintain": level >= 4,
        "admin": level >= 5,
    })
}

/// `pull` 1 < `triage` 2 < `push` 3 < `maintain` 4 < `admin` 5 (custom roles count as `push`).
pub fn permission_level(permission: &str) -> u8 {
    match permission {
        "pull" | "read" => 1,
        "triage" => 2,
        "push" | "write" => 3,
        "maintain" => 4,
        "admin" => 5,
        "" | "none" => 0,
        _ => 3,
    }
}

/// The role name GitHub shows for a permission (`push` → `write`, `pull` → `read`).
pub fn role_name(permission: &str) -> String {
    match permission {
        "pull" => "read".into(),
        "push" => "write".into(),
        other => other.to_string(),
    }
}

/// A `team`; `permission` is the team's permission on a repository when listed for one.
pub fn team_json(w: &World, t: &Team, permission: Option<&str>) -> Value {
    let org = w
        .account(&t.org)
        .map(|a| a.login.clone())
        .unwrap_or_else(|| t.org.clone());
    let permission = permission.unwrap_or(&t.permission).to_string();
    let parent = t
        .parent
        .and_then(|id| w.teams.get(&id))
        .map(|p| team_simple_json(w, p))
        .unwrap_or(Value::Null);
    let mut v = team_simple_json(w, t);
    v["permission"] = json!(permission);
    v["permissions"] = permission_flags(&permission);
    v["parent"] = parent;
    v["html_url"] = json!(format!("{WEB}/orgs/{org}/teams/{}", t.slug));
    v
}

/// A `team-simple`.
pub fn team_simple_json(w: &World, t: &Team) -> Value {
    let org = w
        .account(&t.org)
        .map(|a| a.login.clone())
        .unwrap_or_else(|| t.org.clone());
    let org_id = w.account(&t.org).map(|a| a.id).unwrap_or_default();
    json!({
        "id": t.id,
        "node_id": super::model::node_id("T", t.id),
        "url": format!("{API}/organizations/{org_id}/team/{}", t.id),
        "html_url": format!("{WEB}/orgs/{org}/teams/{}", t.slug),
        "name": t.name,
        "slug": t.slug,
        "description": t.description,
        "privacy": t.privacy,
        "notification_setting": t.notification_setting,
        "permission": t.permission,
        "members_url": format!("{API}/organizations/{org_id}/team/{}/members{{/member}}", t.id),
        "repositories_url": format!("{API}/organizations/{org_id}/team/{}/repos", t.id),
        "type": "organization",
        "organization_id": org_id,
    })
}

/// An `integration` (GitHub App) named by its slug, owned by `owner`.
pub fn app_json(w: &World, slug: &str, owner: &str) -> Value {
    let id = slug
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 1_000_000;
    json!({
        "id": id,
        "slug": slug,
        "node_id": super::model::node_id("A", id),
        "owner": login_json(w, owner),
        "name": slug,
        "description": "",
        "external_url": format!("{WEB}/apps/{slug}"),
        "html_url": format!("{WEB}/apps/{slug}"),
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
        "permissions": {"metadata": "read", "contents": "read"},
        "events": [],
    })
}
