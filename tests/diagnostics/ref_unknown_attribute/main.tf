resource "null_resource" "a" {}

output "x" {
  value = null_resource.a.trigers
}
