data "terraform_remote_stat" "net" {
  backend = "local"
}
