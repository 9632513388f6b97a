locals {
  names = ["a", "b"]
}

output "n" {
  value = lenght(local.names)
}
