locals {
  path = "C:\temp\qux"
}

output "p" {
  value = local.path
}
