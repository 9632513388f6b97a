resource "null_resource" "a" {
  triggers = {
    x = "1"
  }

output "o" {
  value = 1
}
