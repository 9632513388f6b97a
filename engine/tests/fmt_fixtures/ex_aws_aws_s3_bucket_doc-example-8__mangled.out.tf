provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "central"
  region = "eu-central-1"
}

resource "aws_iam_role" "replication" {
  name = "tf-iam-role-replication-12345"

  assume_role_policy = <<POLICY
        {
        "Version": "2012-10-17",
      "Statement": [
      {
      "Action": "sts:AssumeRole",
      "Principal": {	
        "Service": "s3.amazonaws.com"
},
    "Effect": "Allow",
    "Sid": ""
        }
  ]
   }
  POLICY
}

resource "aws_iam_policy" "replication" {
  name = "tf-iam-role-policy-replication-12345"

  policy = <<POLICY
    {
      "Version": "2012-10-17",
        "Statement": [
   {  
      "Action": [
        "s3:GetReplicationConfiguration",
  "s3:ListBucket"
      ],
   "Effect": "Allow",
      "Resource": [
        "${aws_s3_bucket.source.arn}"	
      ]
},	
    {
        "Action": [
    "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl",
"s3:GetObjectVersionTagging"  
],
   "Effect": "Allow",
      "Resource": [
  "${aws_s3_bucket.source.arn}/*"
   ]
    },
    {
      "Action": [
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ReplicateTags"
  ],
  "Effect": "Allow",
 "Resource": "${aws_s3_bucket.destination.arn}/*"
    }
 ]
      }
POLICY
}

resource "aws_iam_role_policy_attachment" "replication" {
  role       = aws_iam_role.replication.name
  policy_arn = aws_iam_policy.replication.arn
}

resource "aws_s3_bucket" "destination" {
  bucket = "tf-test-bucket-destination-12345"

  versioning {
    enabled = true
  }
}

resource "aws_s3_bucket" "source" {
  provider = aws.central
  bucket   = "tf-test-bucket-source-12345"
  acl      = "private"

  versioning {
    enabled = true
  }

  replication_configuration {
    role = aws_iam_role.replication.arn

    rules {
      id     = "foobar"
      status = "Enabled"

      filter {
        tags = {}
      }
      destination {
        bucket        = aws_s3_bucket.destination.arn
        storage_class = "STANDARD"

        replication_time {
          status  = "Enabled"
          minutes = 15
        }

        metrics {
          status  = "Enabled"
          minutes = 15
        }
      }
    }
  }
}
 