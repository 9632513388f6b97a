output "p" {
  value = path.modul
}
