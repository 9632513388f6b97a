output "id" {
  value = null_resource.ghost.id
}
