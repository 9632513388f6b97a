 variable "items" {
     default  =   [ 1 , 2  ,  3 ,4,5] 
  }  
     output "s" { value = "%{for n in var.items}%{if n % 2 == 0}${n} is even;%{else}${n} is odd;%{endif}%{endfor}" }
 