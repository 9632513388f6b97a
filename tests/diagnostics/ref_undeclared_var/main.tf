resource "null_resource" "a" {
  triggers = {
    name = var.missing
  }
}
