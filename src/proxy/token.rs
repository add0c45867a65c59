//! The user's Intercom token for the proxy's live answers. It comes from the same places as everywhere
//! (`INTERCOM_ACCESS_TOKEN`, else `token_file` in the config file; see [`crate::config`]), but a
//! `token_file` that other users can read is refused: the proxy then answers from the cache only and says
//! why in every answer. The token itself never appears in a message.

use crate::config::Settings;

/// Why the configured `token_file` must not be used (group or other users may read it), when that is
/// where the token would come from.
pub fn unsafe_token_file(s: &Settings) -> Option<String> {
    let from_elsewhere = std::env::var_os("INTERCOM_ACCESS_TOKEN").is_some_and(|v| !v.is_empty())
        || std::env::var_os("CREDENTIALS_DIRECTORY")
            .is_some_and(|d| std::path::Path::new(&d).join("intercom-token").exists());
    if from_elsewhere {
        return None;
    }
    let path = s.file.token_file.as_deref()?;
    mode_problem(path)
}

#[cfg(unix)]
fn mode_problem(path: &std::path::Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| {
        format!(
            "token_file {} can be read by other users (mode {mode:o}): run `chmod 600 {}`",
            path.display(),
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn mode_problem(_: &std::path::Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn readable_token_files_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("token");
        std::fs::write(&p, "secret-value").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let why = mode_problem(&p).unwrap();
        assert!(why.contains("mode 644") && why.contains("chmod 600"), "{why}");
        assert!(!why.contains("secret-value"));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(mode_problem(&p), None);
    }
}
