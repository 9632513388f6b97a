# A configuration that needs no cloud account: built-in resources only.
# Run it with `infra -chdir=examples/quickstart apply` (see README.md).

terraform {
  required_providers {
    null   = { source = "hashicorp/null" }
    random = { source = "hashicorp/random" }
  }
}

variable "environment" {
  type        = string
  description = "Name of the environment"
  default     = "staging"
}

variable "api_token" {
  type      = string
  sensitive = true
  default   = "not-a-real-token"
}

locals {
  services = toset(["web", "worker", "cron"])
  prefix   = "${var.environment}-app"
}

resource "random_password" "db" {
  length  = 24
  special = false
  keepers = {
    environment = var.environment
  }
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "null_resource" "service" {
  for_each = local.services

  triggers = {
    name     = "${local.prefix}-${each.key}-${random_id.suffix.hex}"
    password = random_password.db.result
  }
}

resource "terraform_data" "release" {
  input = {
    services = sort([for s in local.services : upper(s)])
    token    = var.api_token
  }

  lifecycle {
    replace_triggered_by = [null_resource.service]
  }
}

output "service_names" {
  value = { for k, r in null_resource.service : k => r.triggers.name }
}

output "db_password" {
  value     = random_password.db.result
  sensitive = true
}
