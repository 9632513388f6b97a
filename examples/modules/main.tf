# Local modules with for_each: one "service" module instance per environment.
# Run it with `infra -chdir=examples/modules apply`.

variable "environments" {
  type = map(object({
    replicas = number
    public   = optional(bool, false)
  }))
  default = {
    staging = { replicas = 1 }
    prod    = { replicas = 3, public = true }
  }
}

module "service" {
  source   = "./modules/service"
  for_each = var.environments

  name     = "api-${each.key}"
  replicas = each.value.replicas
  public   = each.value.public
}

output "endpoints" {
  value = { for env, m in module.service : env => m.endpoint }
}
