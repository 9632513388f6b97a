output "x" {
  value = data.terraform_remote_state.net.outputs
}
