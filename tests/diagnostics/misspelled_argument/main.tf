resource "null_resource" "a" {
  trigers = {
    x = "1"
  }
}
