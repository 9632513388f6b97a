//! [`path_segment`]: a value from a configuration (a repository, an environment, a secret name)
//! made safe to put between two `/` of a request path, so that it can never change which
//! endpoint is called (`../`, `?`, `#`) and names with spaces or other characters reach the API
//! as written.

/// `s` percent-encoded except for the unreserved characters of RFC 3986 (`A-Z a-z 0-9 - . _ ~`).
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_but_unreserved_characters() {
        assert_eq!(path_segment("infra-repo_1.x~"), "infra-repo_1.x~");
        assert_eq!(path_segment("../x?y#z"), "..%2Fx%3Fy%23z");
        assert_eq!(path_segment("prod eu:1%"), "prod%20eu%3A1%25");
        assert_eq!(path_segment("é"), "%C3%A9");
    }
}
