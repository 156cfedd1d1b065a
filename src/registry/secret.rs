//! Secrets at rest: passwords sealed with XChaCha20-Poly1305 under a key kept
//! in a 0600 file in the config directory, or given in `DBDECK_SECRET_KEY`.
//!
//! A sealed secret is a random 24-byte nonce followed by the ciphertext and
//! its tag. XChaCha's 192-bit nonce is long enough to draw at random without
//! ever repeating one, so no counter has to be kept. Nothing here logs or
//! prints a key or a secret.

use std::fmt;
use std::fs;
use std::io::{ErrorKind, Write as _};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead as _, Generate as _};
use chacha20poly1305::{Key, KeyInit as _, XChaCha20Poly1305, XNonce};

use super::RegistryError;
use crate::domain::Secret;

/// The environment variable that can hold the key, base64-encoded.
pub const KEY_ENV: &str = "DBDECK_SECRET_KEY";

/// The key file's name in the config directory.
pub const KEY_FILE: &str = "secret.key";

const NONCE_LEN: usize = 24;

/// The key that seals and unseals stored passwords.
pub struct SecretKey {
    cipher: XChaCha20Poly1305,
    /// Where the key came from, so errors can tell the user what to check.
    origin: String,
}

impl SecretKey {
    /// The key from `DBDECK_SECRET_KEY`, else from `secret.key` in
    /// `config_dir`, created with mode 0600 on first use.
    pub fn load_or_create(config_dir: &Path) -> Result<Self, RegistryError> {
        match std::env::var(KEY_ENV) {
            Ok(encoded) => Self::from_base64(&encoded, KEY_ENV),
            Err(std::env::VarError::NotPresent) => Self::from_dir(config_dir),
            Err(std::env::VarError::NotUnicode(_)) => Err(bad_key(KEY_ENV)),
        }
    }

    /// The key in `secret.key` in `config_dir`, ignoring the environment.
    /// The directory and the file are created when missing.
    pub fn from_dir(config_dir: &Path) -> Result<Self, RegistryError> {
        let path = config_dir.join(KEY_FILE);
        let origin = path.display().to_string();
        match fs::read_to_string(&path) {
            Ok(encoded) => Self::from_base64(&encoded, &origin),
            Err(error) if error.kind() == ErrorKind::NotFound => create_key_file(&path, origin),
            Err(error) => Err(RegistryError::Storage(format!(
                "could not read the secret key {origin}: {error}"
            ))),
        }
    }

    fn from_base64(encoded: &str, origin: &str) -> Result<Self, RegistryError> {
        let bytes = BASE64.decode(encoded.trim()).map_err(|_| bad_key(origin))?;
        let cipher = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| bad_key(origin))?;
        Ok(Self {
            cipher,
            origin: origin.to_owned(),
        })
    }

    /// Seals a password: the nonce, then the ciphertext with its tag.
    pub(crate) fn seal(&self, secret: &Secret) -> Result<Vec<u8>, RegistryError> {
        let nonce = XNonce::try_generate()
            .map_err(|e| RegistryError::Storage(format!("no randomness for a nonce: {e}")))?;
        let ciphertext = self
            .cipher
            .encrypt(&nonce, secret.expose().as_bytes())
            .map_err(|_| RegistryError::Storage("could not seal a password".into()))?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// Unseals the password of connection `owner`, explaining a wrong key.
    pub(crate) fn unseal(&self, sealed: &[u8], owner: &str) -> Result<Secret, RegistryError> {
        let wrong_key = || {
            RegistryError::Secret(format!(
                "the password of connection {owner:?} was sealed with another key than the \
                 one in {}; restore the key it was saved with, or remove the connection and \
                 add it again with its password",
                self.origin
            ))
        };
        if sealed.len() < NONCE_LEN {
            return Err(wrong_key());
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| wrong_key())?;
        let plain = self
            .cipher
            .decrypt(&nonce, ciphertext)
            .map_err(|_| wrong_key())?;
        let text = String::from_utf8(plain).map_err(|_| wrong_key())?;
        Ok(Secret::new(text))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("key", &"***")
            .field("origin", &self.origin)
            .finish()
    }
}

fn bad_key(origin: &str) -> RegistryError {
    RegistryError::InvalidInput(format!(
        "the secret key in {origin} is not 32 bytes in base64; restore the right key, or \
         generate one with `openssl rand -base64 32` (passwords saved under the old key \
         will have to be entered again)"
    ))
}

/// Creates a key file readable only by its owner, in a directory (created
/// when missing) that only its owner can enter.
fn create_key_file(path: &Path, origin: String) -> Result<SecretKey, RegistryError> {
    let storage = |e: std::io::Error| {
        RegistryError::Storage(format!("could not create the secret key {origin}: {e}"))
    };
    let key = Key::try_generate()
        .map_err(|e| RegistryError::Storage(format!("no randomness for a new key: {e}")))?;

    let mut dir = fs::DirBuilder::new();
    dir.recursive(true);
    let mut file = fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
        dir.mode(0o700);
        file.mode(0o600);
    }
    if let Some(parent) = path.parent() {
        dir.create(parent).map_err(storage)?;
    }
    let mut file = file.open(path).map_err(storage)?;
    writeln!(file, "{}", BASE64.encode(key)).map_err(storage)?;

    Ok(SecretKey {
        cipher: XChaCha20Poly1305::new(&key),
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "p#ss@w/rd:%?";

    fn key_in(dir: &tempfile::TempDir) -> SecretKey {
        SecretKey::from_dir(dir.path()).expect("key")
    }

    #[test]
    fn sealing_round_trips_and_hides_the_plaintext() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = key_in(&dir);
        let sealed = key.seal(&Secret::new(PASSWORD)).expect("seal");
        assert!(
            !sealed
                .windows(PASSWORD.len())
                .any(|w| w == PASSWORD.as_bytes())
        );
        assert_eq!(sealed.len(), NONCE_LEN + PASSWORD.len() + 16);
        assert_eq!(key.unseal(&sealed, "x").expect("unseal").expose(), PASSWORD);
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = key_in(&dir);
        let secret = Secret::new(PASSWORD);
        assert_ne!(
            key.seal(&secret).expect("seal"),
            key.seal(&secret).expect("seal")
        );
    }

    #[test]
    fn the_key_file_is_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sealed = key_in(&dir).seal(&Secret::new(PASSWORD)).expect("seal");
        let again = key_in(&dir).unseal(&sealed, "x").expect("unseal");
        assert_eq!(again.expose(), PASSWORD);
    }

    #[test]
    fn a_wrong_key_says_what_happened_and_what_to_do() {
        let (one, two) = (
            tempfile::tempdir().expect("a"),
            tempfile::tempdir().expect("b"),
        );
        let sealed = key_in(&one).seal(&Secret::new(PASSWORD)).expect("seal");
        let error = key_in(&two).unseal(&sealed, "prod").expect_err("wrong key");
        let RegistryError::Secret(message) = &error else {
            panic!("{error:?}");
        };
        assert!(message.contains("\"prod\"") && message.contains("another key"));
        assert!(message.contains(KEY_FILE) && message.contains("restore the key"));
        assert!(!message.contains(PASSWORD));
    }

    #[test]
    fn a_tampered_secret_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = key_in(&dir);
        let mut sealed = key.seal(&Secret::new(PASSWORD)).expect("seal");
        *sealed.last_mut().expect("byte") ^= 1;
        assert!(matches!(
            key.unseal(&sealed, "x"),
            Err(RegistryError::Secret(_))
        ));
        assert!(matches!(
            key.unseal(&[1, 2], "x"),
            Err(RegistryError::Secret(_))
        ));
    }

    #[test]
    fn a_malformed_key_file_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join(KEY_FILE), "not a key").expect("write");
        let error = SecretKey::from_dir(dir.path()).expect_err("bad key");
        assert!(
            error.to_string().contains("openssl rand -base64 32"),
            "{error}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("new").join("dbdeck");
        SecretKey::from_dir(&config).expect("key");
        let mode = fs::metadata(config.join(KEY_FILE))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(&config).expect("meta").permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    #[test]
    fn debug_hides_the_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let shown = format!("{:?}", key_in(&dir));
        assert!(shown.contains("***"), "{shown}");
        let encoded = fs::read_to_string(dir.path().join(KEY_FILE)).expect("read");
        assert!(!shown.contains(encoded.trim()));
    }
}
