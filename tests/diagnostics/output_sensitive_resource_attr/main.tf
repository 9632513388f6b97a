resource "random_password" "p" {
  length = 16
}

output "pw" {
  value = random_password.p.result
}
