resource "null_resource" "a" {
  count = "two"
}
