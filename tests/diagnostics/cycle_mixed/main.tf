locals {
  name = "web-${terraform_data.d.output}"
}

resource "terraform_data" "d" {
  input = local.name
}
