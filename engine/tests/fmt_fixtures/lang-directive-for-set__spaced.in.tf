     variable "s" { 
type  =   set (  string)  
default = ["c", "a", "b"]
       }  
     output "s" { value = "%{for x in var.s}${x}%{endfor}" } 
      