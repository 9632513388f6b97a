# A realistic small-team site on Cloudflare: apex + www, mail, strict TLS with HSTS, cache
# rules for static assets, security headers, a WAF rule, a rate limit and an uptime check.
# Provider: cloudflare/cloudflare v5 schemas (built into infra, nothing to download).

terraform {
  required_providers {
    cloudflare = {
      source  = "cloudflare/cloudflare"
      version = "~> 5"
    }
  }
}

# The token comes from CLOUDFLARE_API_TOKEN; base_url from CLOUDFLARE_BASE_URL (the fake, in
# the README's walk-through).
provider "cloudflare" {}

variable "zone_name" {
  type        = string
  description = "The zone (domain) this site lives in."
  default     = "example.com"
}

variable "origin_ipv4" {
  type    = string
  default = "192.0.2.10"
}

variable "origin_ipv6" {
  type    = string
  default = "2001:db8::10"
}

data "cloudflare_zone" "site" {
  filter = {
    name = var.zone_name
  }
}

locals {
  zone_id = data.cloudflare_zone.site.id
}

# --- DNS ---------------------------------------------------------------------------------------

resource "cloudflare_dns_record" "apex_a" {
  zone_id = local.zone_id
  name    = var.zone_name
  type    = "A"
  content = var.origin_ipv4
  proxied = true
  ttl     = 1
  comment = "Origin, behind Cloudflare"
}

resource "cloudflare_dns_record" "apex_aaaa" {
  zone_id = local.zone_id
  name    = var.zone_name
  type    = "AAAA"
  content = var.origin_ipv6
  proxied = true
  ttl     = 1
}

resource "cloudflare_dns_record" "www" {
  zone_id = local.zone_id
  name    = "www.${var.zone_name}"
  type    = "CNAME"
  content = var.zone_name
  proxied = true
  ttl     = 1
  tags    = ["team:web"]
}

resource "cloudflare_dns_record" "mx" {
  for_each = {
    primary   = { host = "mx1.mail.example.net", priority = 10 }
    secondary = { host = "mx2.mail.example.net", priority = 20 }
  }
  zone_id  = local.zone_id
  name     = var.zone_name
  type     = "MX"
  content  = each.value.host
  priority = each.value.priority
  ttl      = 3600
}

resource "cloudflare_dns_record" "spf" {
  zone_id = local.zone_id
  name    = var.zone_name
  type    = "TXT"
  content = "\"v=spf1 include:mail.example.net -all\""
  ttl     = 3600
}

resource "cloudflare_dns_record" "dmarc" {
  zone_id = local.zone_id
  name    = "_dmarc.${var.zone_name}"
  type    = "TXT"
  content = "\"v=DMARC1; p=quarantine; rua=mailto:dmarc@${var.zone_name}\""
  ttl     = 3600
}

resource "cloudflare_dns_record" "caa" {
  zone_id = local.zone_id
  name    = var.zone_name
  type    = "CAA"
  ttl     = 3600
  data = {
    flags = 0
    tag   = "issue"
    value = "letsencrypt.org"
  }
}

# --- TLS ---------------------------------------------------------------------------------------

resource "cloudflare_zone_setting" "ssl" {
  zone_id    = local.zone_id
  setting_id = "ssl"
  value      = "strict"
}

resource "cloudflare_zone_setting" "always_use_https" {
  zone_id    = local.zone_id
  setting_id = "always_use_https"
  value      = "on"
}

resource "cloudflare_zone_setting" "min_tls_version" {
  zone_id    = local.zone_id
  setting_id = "min_tls_version"
  value      = "1.2"
}

resource "cloudflare_zone_setting" "tls_1_3" {
  zone_id    = local.zone_id
  setting_id = "tls_1_3"
  value      = "on"
}

resource "cloudflare_zone_setting" "automatic_https_rewrites" {
  zone_id    = local.zone_id
  setting_id = "automatic_https_rewrites"
  value      = "on"
}

resource "cloudflare_zone_setting" "hsts" {
  zone_id    = local.zone_id
  setting_id = "security_header"
  value = {
    strict_transport_security = {
      enabled            = true
      max_age            = 31536000
      include_subdomains = true
      preload            = true
      nosniff            = true
    }
  }
}

resource "cloudflare_zone_setting" "browser_cache_ttl" {
  zone_id    = local.zone_id
  setting_id = "browser_cache_ttl"
  value      = 14400
}

# --- Cache rules -------------------------------------------------------------------------------

resource "cloudflare_ruleset" "cache" {
  zone_id     = local.zone_id
  name        = "Cache rules"
  description = "Static assets are cached for a year at the edge and in browsers"
  kind        = "zone"
  phase       = "http_request_cache_settings"
  rules = [
    {
      ref         = "static_assets"
      description = "Cache static assets for 1 year"
      expression  = "(http.request.uri.path.extension in {\"css\" \"js\" \"png\" \"jpg\" \"svg\" \"woff2\"})"
      action      = "set_cache_settings"
      action_parameters = {
        cache = true
        edge_ttl = {
          mode    = "override_origin"
          default = 31536000
          status_code_ttl = [
            {
              status_code_range = {
                from = 500
                to   = 599
              }
              value = 0
            }
          ]
        }
        browser_ttl = {
          mode    = "override_origin"
          default = 31536000
        }
      }
    },
    {
      ref         = "bypass_api"
      description = "Never cache the API"
      expression  = "starts_with(http.request.uri.path, \"/api/\")"
      action      = "set_cache_settings"
      action_parameters = {
        cache = false
      }
    }
  ]
}

# --- Security headers --------------------------------------------------------------------------

resource "cloudflare_ruleset" "security_headers" {
  zone_id = local.zone_id
  name    = "Security headers"
  kind    = "zone"
  phase   = "http_response_headers_transform"
  rules = [
    {
      ref         = "security_headers"
      description = "Security headers on every response"
      expression  = "true"
      action      = "rewrite"
      action_parameters = {
        headers = {
          "X-Content-Type-Options" = { operation = "set", value = "nosniff" }
          "X-Frame-Options"        = { operation = "set", value = "DENY" }
          "Referrer-Policy"        = { operation = "set", value = "strict-origin-when-cross-origin" }
          "Permissions-Policy"     = { operation = "set", value = "camera=(), microphone=(), geolocation=()" }
          "X-Powered-By"           = { operation = "remove" }
        }
      }
    }
  ]
}

# --- WAF and rate limiting ---------------------------------------------------------------------

resource "cloudflare_ruleset" "waf" {
  zone_id = local.zone_id
  name    = "Custom WAF rules"
  kind    = "zone"
  phase   = "http_request_firewall_custom"
  rules = [
    {
      ref         = "block_wp_admin"
      description = "We are not WordPress"
      expression  = "(http.request.uri.path contains \"/wp-admin\") or (http.request.uri.path contains \"/xmlrpc.php\")"
      action      = "block"
    }
  ]
}

resource "cloudflare_ruleset" "rate_limit" {
  zone_id = local.zone_id
  name    = "Rate limits"
  kind    = "zone"
  phase   = "http_ratelimit"
  rules = [
    {
      ref         = "login_rate_limit"
      description = "At most 20 login attempts per minute per IP"
      expression  = "(http.request.uri.path eq \"/login\")"
      action      = "block"
      ratelimit = {
        characteristics     = ["cf.colo.id", "ip.src"]
        period              = 60
        requests_per_period = 20
        mitigation_timeout  = 600
      }
    }
  ]
}

# --- Uptime ------------------------------------------------------------------------------------

resource "cloudflare_healthcheck" "health" {
  zone_id     = local.zone_id
  name        = "site-health"
  description = "GET https://www.${var.zone_name}/health"
  address     = "www.${var.zone_name}"
  type        = "HTTPS"
  interval    = 60
  retries     = 2
  timeout     = 5
  http_config = {
    method         = "GET"
    path           = "/health"
    port           = 443
    expected_codes = ["200"]
  }
}

output "zone_id" {
  value = local.zone_id
}

output "www_record_id" {
  value = cloudflare_dns_record.www.id
}
