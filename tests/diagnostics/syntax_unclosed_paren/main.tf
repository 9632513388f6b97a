locals {
  n = max(1, 2, 3
}

output "n" {
  value = local.n
}
