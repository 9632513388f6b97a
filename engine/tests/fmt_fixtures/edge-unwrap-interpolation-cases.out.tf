locals {
  a = var.x ? 1 : 2
  b = (var.y)
  d = "${x}${y}"
  e = "a${x}"
}
