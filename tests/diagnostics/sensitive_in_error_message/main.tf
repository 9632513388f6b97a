variable "secret" {
  type      = string
  sensitive = true
  default   = "s3cr3t-canary"
}

output "n" {
  value     = tonumber(var.secret)
  sensitive = true
}
