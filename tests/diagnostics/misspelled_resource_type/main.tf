resource "null_resorce" "a" {}
