port = "tfvars-canary"
