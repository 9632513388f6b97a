variable "count_of_things" {
  type    = number
  default = "many"
}

output "n" {
  value = var.count_of_things
}
