locals {
  total = "abc" + 1
}

output "t" {
  value = local.total
}
