variable "port" {
  type =number 
  default   =  8080
}
variable "tls" {
  type=bool
  default   =  true
  }
  output "url" { value = "http${var.tls ? "s" : ""}://host:${var.port}/" }
   output "flag" { value = "tls=${var.tls}" }
