check "site_up" {
  data "terraform_remote_state" "site" {
    backend = "local"
  }
  assert {
    condition     = data.terraform_remote_state.site.outputs.up
    error_message = "The site is down."
  }
}

output "site" {
  value = data.terraform_remote_state.site.outputs
}
