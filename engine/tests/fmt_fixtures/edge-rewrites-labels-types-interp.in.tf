resource aws_instance /* c */ "web" {
  ami="${var.ami}"
  tags = { Name = "${var.name}" }
}
variable "a" {
  type = "list"
}
variable "b" {
  type = map
}
variable "c" {
  type="string"
  default = "${x}-y"
}
module "m" {
  variable "d" { type = list }
}
