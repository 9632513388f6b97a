     locals{   
     items = ["a", null, "b", null]
} 
output "non_null" { value = [for x in local.items : x if x != null] }
output "count_null" { value = length([for x in local.items : x if x == null]) }
 