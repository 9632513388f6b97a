      variable "token" {
default   = "hunter2"
  sensitive=true
 }
output "header" {
  value= "Bearer ${var.token}"
}
