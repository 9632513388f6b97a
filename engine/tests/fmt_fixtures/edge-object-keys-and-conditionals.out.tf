a = {
  "k"     = 1
  "long"  = 2
  (var.x) = 3
}
b = x ? {
  a = 1
} : {}
