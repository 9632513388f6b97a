resource "random_string" "s" {
  length = "twelve"
}
