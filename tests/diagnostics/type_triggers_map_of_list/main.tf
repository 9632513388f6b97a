resource "null_resource" "a" {
  triggers = ["a", "b"]
}
