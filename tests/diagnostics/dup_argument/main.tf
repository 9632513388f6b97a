resource "random_string" "s" {
  length = 8
  length = 10
}
