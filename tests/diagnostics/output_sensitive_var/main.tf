variable "password" {
  type      = string
  sensitive = true
  default   = "hunter2-canary"
}

output "pw" {
  value = var.password
}
