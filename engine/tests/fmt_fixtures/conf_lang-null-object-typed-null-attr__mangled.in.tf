variable "o" {
  type   =  object({
   a = string
    b =list(number)
})
  default = {
        a = null
      b = null
      }	
}
output "o" { value = var.o } 
    