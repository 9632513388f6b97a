variable "x" {
  tpye    = string
  default = "a"
}
