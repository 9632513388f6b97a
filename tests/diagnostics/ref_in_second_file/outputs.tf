output "name" {
  value = var.instance_nam
}
