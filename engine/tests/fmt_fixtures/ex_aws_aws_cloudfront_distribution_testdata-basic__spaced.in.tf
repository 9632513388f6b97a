 # Copyright IBM Corp. 2014, 2026
 # SPDX-License-Identifier: MPL-2.0
      
     resource "aws_cloudfront_distribution" "test" {
 enabled  =   false 
 comment =var.rName
     
default_cache_behavior  {   
allowed_methods        = ["GET", "HEAD"] 
cached_methods         = ["GET", "HEAD"]
target_origin_id       = "test"
     viewer_protocol_policy = "allow-all" 
     
 forwarded_values  {  
query_string =false
      
cookies{ 
forward = "all"
   }  
  }
     }  
  
origin  {  
domain_name = "www.example.com" 
origin_id   = "test"
      
     custom_origin_config{   
http_port =80
     https_port =443 
 origin_protocol_policy = "https-only"
     origin_ssl_protocols   = ["TLSv1.2"] 
 }  
  } 
 
restrictions{  
geo_restriction  {   
     restriction_type = "none"
  } 
     } 
     
     viewer_certificate{  
 cloudfront_default_certificate  =   true 
      } 
     }
 
     variable "rName" {
     description = "Name for resource" 
type=string 
nullable =false
 }
     