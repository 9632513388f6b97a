variable "region" {
  default = "us-east-1
}

output "r" {
  value = var.region
}
