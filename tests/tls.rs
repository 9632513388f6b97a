//! End-to-end test of the built-in `hashicorp/tls` provider: `tls_private_key` keys are generated
//! at apply, their public parts flow into outputs, a second plan is clean, and the private key
//! is kept in the state file (as Terraform does) but never printed.

mod common;

use common::Ctx;
use serde_json::Value;

const CONFIG: &str = r#"terraform {
  required_providers {
    tls = {
      source = "hashicorp/tls"
    }
  }
}

resource "tls_private_key" "example_repository_deploy_key" {
  algorithm = "ED25519"
}

resource "tls_private_key" "rsa" {
  algorithm = "RSA"
}

output "deploy_key" {
  value = tls_private_key.example_repository_deploy_key.public_key_openssh
}

output "rsa_public_key_pem" {
  value = tls_private_key.rsa.public_key_pem
}

output "rsa_fingerprint" {
  value = tls_private_key.rsa.public_key_fingerprint_sha256
}
"#;

/// Every string attribute named `name` anywhere in a JSON document.
fn strings_named<'a>(v: &'a Value, name: &str, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == name {
                    if let Some(s) = x.as_str() {
                        out.push(s);
                    }
                }
                strings_named(x, name, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| strings_named(x, name, out)),
        _ => {}
    }
}

#[test]
fn tls_private_key_applies_is_stable_and_keeps_private_keys_out_of_output() {
    let ctx = Ctx::new();
    ctx.write("main.tf", CONFIG);

    let plan = ctx.run(&["plan", "-input=false"]);
    assert_eq!(plan.code, 0, "{}", plan.text());
    assert!(plan.stdout.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "{}", plan.text());

    let apply = ctx.run(&["apply", "-auto-approve", "-input=false"]);
    assert_eq!(apply.code, 0, "{}", apply.text());
    assert!(apply.stdout.contains("Apply complete! Resources: 2 added, 0 changed, 0 destroyed."), "{}", apply.text());

    // The state keeps the private keys in clear, as Terraform does.
    let state: Value = serde_json::from_str(&ctx.read("terraform.tfstate")).expect("state is JSON");
    let mut private = Vec::new();
    for name in ["private_key_pem", "private_key_pem_pkcs8", "private_key_openssh"] {
        strings_named(&state, name, &mut private);
    }
    assert_eq!(private.len(), 6, "three private encodings per key in the state");
    assert!(private.iter().any(|p| p.starts_with("-----BEGIN RSA PRIVATE KEY-----\n")), "{private:?}");
    assert!(private.iter().any(|p| p.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n")), "{private:?}");
    // A line of base64 from inside each private key: the part that must never be printed.
    let canaries: Vec<&str> = private.iter().map(|p| p.lines().nth(1).expect("PEM body")).collect();

    let outputs: Value = serde_json::from_str(&ctx.ok(&["output", "-json"])).expect("output -json");
    let deploy_key = outputs["deploy_key"]["value"].as_str().unwrap();
    assert!(deploy_key.starts_with("ssh-ed25519 ") && deploy_key.ends_with('\n'), "{deploy_key:?}");
    assert!(outputs["rsa_public_key_pem"]["value"].as_str().unwrap().starts_with("-----BEGIN PUBLIC KEY-----\n"));
    assert!(outputs["rsa_fingerprint"]["value"].as_str().unwrap().starts_with("SHA256:"));

    let again = ctx.run(&["plan", "-detailed-exitcode", "-input=false"]);
    assert_eq!(again.code, 0, "a second plan must be clean:\n{}", again.text());
    assert!(again.stdout.contains("No changes."), "{}", again.text());

    let show = ctx.run(&["show"]);
    assert_eq!(show.code, 0, "{}", show.text());
    assert!(show.stdout.contains("(sensitive value)"), "{}", show.text());
    assert!(show.stdout.contains(deploy_key.trim_end()), "show prints the public key:\n{}", show.text());

    for (what, run) in [("plan", &plan), ("apply", &apply), ("second plan", &again), ("show", &show)] {
        for c in &canaries {
            assert!(!run.all().contains(c), "{what} printed a private key:\n{}", run.text());
        }
    }

    // Changing the algorithm replaces the key.
    ctx.write("main.tf", &CONFIG.replacen("algorithm = \"ED25519\"", "algorithm = \"ECDSA\"\n  ecdsa_curve = \"P256\"", 1));
    let replace = ctx.run(&["plan", "-detailed-exitcode", "-input=false"]);
    assert_eq!(replace.code, 2, "{}", replace.text());
    assert!(replace.stdout.contains("must be replaced"), "{}", replace.text());
    assert!(replace.stdout.contains("Plan: 1 to add, 0 to change, 1 to destroy."), "{}", replace.text());
    for c in &canaries {
        assert!(!replace.all().contains(c), "the replace plan printed a private key:\n{}", replace.text());
    }
}
