variable "ports" {
  type = lst(number)
}
