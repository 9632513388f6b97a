variable "port" {
  type      = number
  sensitive = true
}

output "port" {
  value     = var.port
  sensitive = true
}
