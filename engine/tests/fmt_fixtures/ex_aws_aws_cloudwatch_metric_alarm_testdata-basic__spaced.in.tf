 # Copyright IBM Corp. 2014, 2025 
# SPDX-License-Identifier: MPL-2.0
     
     resource "aws_cloudwatch_metric_alarm" "test" {
alarm_name  =   var.rName 
 comparison_operator       = "GreaterThanOrEqualToThreshold"
     evaluation_periods =2 
metric_name               = "CPUUtilization"
 namespace                 = "AWS/EC2" 
 period =120 
     statistic                 = "Average"
threshold =80
alarm_description         = "This metric monitors ec2 cpu utilization"
     insufficient_data_actions  =   [    ]   
     
 dimensions ={ 
InstanceId = "i-abcd1234"
   }
  }  
 
 variable "rName" {
     description = "Name for resource"
     type=string 
     nullable  =   false 
      }   
 