locals {
  me = "${local.me}-x"
}
