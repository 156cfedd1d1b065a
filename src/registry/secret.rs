//! Secrets at rest: sealed with an AEAD key kept in a 0600 file in the
//! config directory, or given in `DBDECK_SECRET_KEY`.

/// The key that seals and unseals stored passwords.
pub struct SecretKey {}

impl SecretKey {
    /// The key from `DBDECK_SECRET_KEY`, else from `secret.key` in
    /// `config_dir`, created with mode 0600 on first use.
    pub fn load_or_create(config_dir: &std::path::Path) -> Result<Self, super::RegistryError> {
        let _ = config_dir;
        todo!()
    }
}
