check "pair" {
  data "terraform_remote_state" "a" {
    backend = "local"
  }
  data "terraform_remote_state" "b" {
    backend = "local"
  }
  assert {
    condition     = data.terraform_remote_state.a.outputs.ok
    error_message = "Not ok."
  }
}
