resource "random_string" "n" {
  length = 4
}

resource "null_resource" "a" {
  count = length(random_string.n.result)
}
