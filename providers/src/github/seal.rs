//! Encrypting a secret for GitHub Actions: a libsodium sealed box (`crypto_box_seal`: an
//! ephemeral X25519 key pair, XSalsa20-Poly1305, nonce from both public keys) to the
//! repository's or environment's public key (`GET …/secrets/public-key`, base64), sent as the
//! base64 `encrypted_value`. Done with the `crypto_box` crate; only GitHub's private key opens it.
//!
//! Errors never contain the plaintext.

use base64::Engine as _;

/// Why a value could not be sealed (never shows the value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the repository's public key is not base64")]
    KeyNotBase64,
    #[error("the repository's public key is {0} bytes, not 32")]
    KeyLength(usize),
    #[error("sealing failed")]
    Seal,
}

/// The base64 sealed box of `plaintext` for the base64 X25519 `public_key`.
pub fn seal(public_key_b64: &str, plaintext: &[u8]) -> Result<String, SealError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw = b64
        .decode(public_key_b64.trim())
        .map_err(|_| SealError::KeyNotBase64)?;
    let key: [u8; crypto_box::KEY_SIZE] = raw
        .as_slice()
        .try_into()
        .map_err(|_| SealError::KeyLength(raw.len()))?;
    let key = crypto_box::PublicKey::from(key);
    let sealed = key
        .seal(&mut crypto_box::aead::OsRng, plaintext)
        .map_err(|_| SealError::Seal)?;
    Ok(b64.encode(sealed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_opens_with_the_secret_key() {
        let secret = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
        let public_b64 =
            base64::engine::general_purpose::STANDARD.encode(secret.public_key().as_bytes());
        let plaintext = "s3cr3t value ✓ with\nnewline".as_bytes();
        let sealed = seal(&public_b64, plaintext).unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&sealed)
            .unwrap();
        // Ephemeral public key (32) + MAC (16) + ciphertext.
        assert_eq!(raw.len(), 32 + 16 + plaintext.len());
        assert_eq!(secret.unseal(&raw).unwrap(), plaintext);
        // Fresh ephemeral keys: sealing twice gives different boxes.
        assert_ne!(seal(&public_b64, plaintext).unwrap(), sealed);
        // Another key cannot open it.
        let other = crypto_box::SecretKey::generate(&mut crypto_box::aead::OsRng);
        assert!(other.unseal(&raw).is_err());
    }

    #[test]
    fn bad_keys_are_errors_without_the_value() {
        assert_eq!(seal("not base64!", b"CANARY"), Err(SealError::KeyNotBase64));
        let short = base64::engine::general_purpose::STANDARD.encode([1u8; 16]);
        let e = seal(&short, b"CANARY").unwrap_err();
        assert_eq!(e, SealError::KeyLength(16));
        assert!(!e.to_string().contains("CANARY"));
    }
}
