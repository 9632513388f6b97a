resource "null_resource" "server" {}

output "id" {
  value = null_resource.sever.id
}
