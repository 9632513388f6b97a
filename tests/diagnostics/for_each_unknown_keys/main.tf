resource "random_string" "n" {
  length = 4
}

resource "null_resource" "a" {
  for_each = toset([random_string.n.result])
}
