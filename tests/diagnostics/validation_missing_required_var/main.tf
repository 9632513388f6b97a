variable "token" {
  type = string
}

output "t" {
  value = var.token
}
