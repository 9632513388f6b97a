resouce "null_resource" "a" {}
