variable "replicas" {
  type = number
}

output "r" {
  value = var.replicas
}
