resource "null_resource" "a" {
  count    = 2
  for_each = toset(["a", "b"])
}
