locals {
  a = 1
}

output "b" {
  value = local.nothere
}
