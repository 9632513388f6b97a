resource "null_resource" "a" {
  count = 2
}

output "id" {
  value = null_resource.a.id
}
