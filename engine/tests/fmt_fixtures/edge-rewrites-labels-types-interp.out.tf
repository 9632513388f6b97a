resource "aws_instance" "web" {
  ami  = var.ami
  tags = { Name = "${var.name}" }
}
variable "a" {
  type = list(string)
}
variable "b" {
  type = map(any)
}
variable "c" {
  type    = string
  default = "${x}-y"
}
module "m" {
  variable "d" { type = list }
}
