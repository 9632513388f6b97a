resource "null_resource" "web" {}

resource "null_resource" "web" {
  triggers = {
    a = "b"
  }
}
