variable "instance_name" {
  type    = string
  default = "web"
}
