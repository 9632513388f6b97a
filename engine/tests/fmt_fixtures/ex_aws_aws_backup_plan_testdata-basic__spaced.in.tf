 # Copyright IBM Corp. 2014, 2026 
# SPDX-License-Identifier: MPL-2.0
      
     resource "aws_backup_plan" "test" {
     name =var.rName
 
     rule  { 
     rule_name =var.rName 
     target_vault_name =aws_backup_vault.test.name
schedule          = "cron(0 12 * * ? *)"
   }
     }   
 
     resource "aws_backup_vault" "test" {
name =var.rName 
 }  
      
 variable "rName" {
 description = "Name for resource" 
type =string
     nullable  =   false
       }
 