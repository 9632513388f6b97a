# A repository managed as code: settings, branch protection on main, a production environment
# with a wait timer, and CI secrets and variables. Secret values are sealed on this machine
# with the repository's public key and kept in state only as a salted hash.
# Provider: integrations/github (built into infra).

terraform {
  required_providers {
    github = {
      source = "integrations/github"
    }
  }
}

# token from GITHUB_TOKEN, owner from GITHUB_OWNER, base_url from GITHUB_BASE_URL.
provider "github" {}

variable "repository" {
  type    = string
  default = "web"
}

variable "deploy_token" {
  type        = string
  sensitive   = true
  description = "The token CI deploys with (set TF_VAR_deploy_token)."
  default     = "change-me-in-ci"
}

resource "github_repository" "web" {
  name                   = var.repository
  description            = "The website"
  visibility             = "private"
  has_issues             = true
  allow_merge_commit     = false
  allow_squash_merge     = true
  allow_rebase_merge     = false
  delete_branch_on_merge = true
  auto_init              = true
}

resource "github_branch_protection" "main" {
  repository_id  = github_repository.web.name
  pattern        = "main"
  enforce_admins = true

  required_status_checks {
    strict   = true
    contexts = ["ci/test"]
  }

  required_pull_request_reviews {
    dismiss_stale_reviews           = true
    required_approving_review_count = 1
  }
}

resource "github_repository_environment" "production" {
  repository  = github_repository.web.name
  environment = "production"
  wait_timer  = 10
  deployment_branch_policy {
    protected_branches     = true
    custom_branch_policies = false
  }
}

resource "github_actions_secret" "deploy_token" {
  repository      = github_repository.web.name
  secret_name     = "DEPLOY_TOKEN"
  plaintext_value = var.deploy_token
}

resource "github_actions_environment_secret" "prod_deploy_token" {
  repository      = github_repository.web.name
  environment     = github_repository_environment.production.environment
  secret_name     = "PROD_DEPLOY_TOKEN"
  plaintext_value = var.deploy_token
}

resource "github_actions_variable" "site_url" {
  repository    = github_repository.web.name
  variable_name = "SITE_URL"
  value         = "https://www.example.com"
}

resource "github_actions_environment_variable" "prod_region" {
  repository    = github_repository.web.name
  environment   = github_repository_environment.production.environment
  variable_name = "REGION"
  value         = "eu-west-1"
}

output "repository_url" {
  value = github_repository.web.html_url
}
