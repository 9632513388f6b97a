resource "null_resource" "a" {
  cuont = 2
}
