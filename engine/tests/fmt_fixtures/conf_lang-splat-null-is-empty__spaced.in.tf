 variable "server" {
 type =object (   {name = string}   )  
default=null 
       }   
output "names" { value = var.server[*].name }
output "len" { value = length(var.server[*]) }
     