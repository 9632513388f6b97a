output "id" {
  value = 1
}

output "id" {
  value = 2
}
