     variable "i" {
     type=number 
default = "1"
 }
     output "x" { value = ["a", "b", "c"][var.i] }
     