resource "random_string" "s" {
  special = false
}
