variable "environment" {
  type    = string
  default = "dev"
}

resource "null_resource" "a" {
  triggers = {
    env = var.enviroment
  }
}
