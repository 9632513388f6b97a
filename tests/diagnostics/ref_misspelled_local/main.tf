locals {
  bucket_name = "logs"
}

output "bucket" {
  value = local.bucket_nmae
}
