resource "null_resource" "a" {
  lifecyle {
    create_before_destroy = true
  }
}
