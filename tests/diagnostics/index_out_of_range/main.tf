locals {
  xs = ["a", "b"]
}

output "x" {
  value = local.xs[5]
}
