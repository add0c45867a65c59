//! Settings: flag, else environment variable, else `/etc/fastintercom/fastintercom.toml`, else default.
//!
//! | setting (toml key)      | environment                         | default                                  |
//! |-------------------------|-------------------------------------|------------------------------------------|
//! | `db`                    | `FASTINTERCOM_DB`                   | `$STATE_DIRECTORY/fastintercom.db`, else `/var/lib/fastintercom/fastintercom.db` |
//! | `region`                | `FASTINTERCOM_REGION`               | `us` (`eu`, `au`)                        |
//! | `api_base`              | `FASTINTERCOM_API_BASE`             | from region: `https://api.intercom.io`   |
//! | `intercom_version`      | `FASTINTERCOM_INTERCOM_VERSION`     | `2.16`                                   |
//! | `backfill_days`         | `FASTINTERCOM_BACKFILL_DAYS`        | 90                                       |
//! | `max_staleness_minutes` | `FASTINTERCOM_MAX_STALENESS_MINUTES`| 60                                       |
//! | `concurrency`           | `FASTINTERCOM_CONCURRENCY`          | 64 (most requests in flight; the sync adapts below it) |
//! | `rate_reserve_percent`  | `FASTINTERCOM_RATE_RESERVE_PERCENT` | 5 (share of each rate window the sync leaves for live calls) |
//! | `reconcile_hours`       | `FASTINTERCOM_RECONCILE_HOURS`      | 24 (full id walk to find deletions)      |
//! | `reconcile_max_delete_percent` | `FASTINTERCOM_RECONCILE_MAX_DELETE_PERCENT` | 10 (refuse to delete more of a table in one run) |
//! | `mcp_url`               | `FASTINTERCOM_MCP_URL`              | none (client reads the database file)    |
//! | `token_file`            | (credential) `$CREDENTIALS_DIRECTORY/intercom-token`, else `INTERCOM_ACCESS_TOKEN` | none |
//! | `mcp_token_file`        | (credential) `$CREDENTIALS_DIRECTORY/mcp-token`, else `FASTINTERCOM_MCP_TOKEN` | none |
//!
//! The config file path itself can be moved with `FASTINTERCOM_CONFIG`.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_CONFIG_PATH: &str = "/etc/fastintercom/fastintercom.toml";
pub const DEFAULT_DB_PATH: &str = "/var/lib/fastintercom/fastintercom.db";
pub const DEFAULT_INTERCOM_VERSION: &str = "2.16";
/// Default `reconcile_max_delete_percent`.
pub const DEFAULT_MAX_DELETE_PERCENT: u8 = 10;
/// Share of each rate-limit window the sync leaves unused for the client library's live calls.
pub const DEFAULT_RATE_RESERVE_PERCENT: u32 = 5;

/// The contents of the TOML file. Every key is optional.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub db: Option<PathBuf>,
    pub region: Option<String>,
    pub api_base: Option<String>,
    pub intercom_version: Option<String>,
    pub backfill_days: Option<u32>,
    pub max_staleness_minutes: Option<u64>,
    pub concurrency: Option<usize>,
    pub rate_reserve_percent: Option<u32>,
    pub reconcile_hours: Option<u64>,
    pub reconcile_max_delete_percent: Option<u8>,
    pub mcp_url: Option<String>,
    pub token_file: Option<PathBuf>,
    pub mcp_token_file: Option<PathBuf>,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub file: FileConfig,
}

/// An Intercom access token. Its `Debug` never shows the value, so it cannot leak into logs.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(s: impl Into<String>) -> Self {
        Token(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn env_parse<T: std::str::FromStr>(name: &str) -> Result<Option<T>> {
    match env(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{name}={v:?} is not a valid value")),
    }
}

/// The config file's path (`FASTINTERCOM_CONFIG`, else the default).
pub fn config_path() -> String {
    env("FASTINTERCOM_CONFIG").unwrap_or_else(|| DEFAULT_CONFIG_PATH.to_string())
}

impl Settings {
    /// Load the config file (missing file is fine; a malformed one is an error).
    pub fn load() -> Result<Self> {
        Self::load_from(Path::new(&config_path()))
    }

    pub fn load_from(path: &Path) -> Result<Self> {
        let file = match std::fs::read_to_string(path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("reading config file {}", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileConfig::default(),
            Err(e) => return Err(e).with_context(|| format!("reading config file {}", path.display())),
        };
        Ok(Settings { file })
    }

    /// Database path: flag, `FASTINTERCOM_DB`, file, `$STATE_DIRECTORY`, default.
    pub fn db_path(&self, flag: Option<&Path>) -> PathBuf {
        if let Some(p) = flag {
            return p.to_path_buf();
        }
        if let Some(p) = env("FASTINTERCOM_DB") {
            return PathBuf::from(p);
        }
        if let Some(p) = &self.file.db {
            return p.clone();
        }
        if let Some(dir) = env("STATE_DIRECTORY") {
            // systemd may pass several colon-separated directories; the first is ours.
            let first = dir.split(':').next().unwrap_or(&dir).to_string();
            return Path::new(&first).join("fastintercom.db");
        }
        PathBuf::from(DEFAULT_DB_PATH)
    }

    /// Intercom API base URL: `FASTINTERCOM_API_BASE`, file `api_base`, else from the region.
    pub fn api_base(&self) -> Result<String> {
        if let Some(b) = env("FASTINTERCOM_API_BASE").or_else(|| self.file.api_base.clone()) {
            return Ok(b.trim_end_matches('/').to_string());
        }
        let region = env("FASTINTERCOM_REGION")
            .or_else(|| self.file.region.clone())
            .unwrap_or_else(|| "us".into());
        Ok(match region.to_ascii_lowercase().as_str() {
            "us" => "https://api.intercom.io",
            "eu" => "https://api.eu.intercom.io",
            "au" => "https://api.au.intercom.io",
            other => bail!("unknown Intercom region {other:?} (expected us, eu or au)"),
        }
        .to_string())
    }

    pub fn intercom_version(&self) -> String {
        env("FASTINTERCOM_INTERCOM_VERSION")
            .or_else(|| self.file.intercom_version.clone())
            .unwrap_or_else(|| DEFAULT_INTERCOM_VERSION.into())
    }

    pub fn backfill_days(&self) -> Result<u32> {
        Ok(env_parse("FASTINTERCOM_BACKFILL_DAYS")?
            .or(self.file.backfill_days)
            .unwrap_or(90))
    }

    pub fn max_staleness_minutes(&self, flag: Option<u64>) -> Result<u64> {
        Ok(flag
            .or(env_parse("FASTINTERCOM_MAX_STALENESS_MINUTES")?)
            .or(self.file.max_staleness_minutes)
            .unwrap_or(60))
    }

    /// The most requests in flight; the sync adapts below it (an upper bound, and with a value of 8 or
    /// less a fixed number, the old behaviour).
    pub fn concurrency(&self) -> Result<usize> {
        Ok(env_parse("FASTINTERCOM_CONCURRENCY")?
            .or(self.file.concurrency)
            .unwrap_or(crate::intercom::DEFAULT_CONCURRENCY)
            .max(1))
    }

    /// Percent of each rate-limit window the sync leaves for the client library's live REST calls.
    pub fn rate_reserve_percent(&self) -> Result<u32> {
        let p = env_parse("FASTINTERCOM_RATE_RESERVE_PERCENT")?
            .or(self.file.rate_reserve_percent)
            .unwrap_or(DEFAULT_RATE_RESERVE_PERCENT);
        if p > 90 {
            bail!(
                "rate_reserve_percent (FASTINTERCOM_RATE_RESERVE_PERCENT) is {p}; it must be 0-90: \
                 the sync needs some of the budget"
            );
        }
        Ok(p)
    }

    pub fn reconcile_hours(&self) -> Result<u64> {
        Ok(env_parse("FASTINTERCOM_RECONCILE_HOURS")?
            .or(self.file.reconcile_hours)
            .unwrap_or(24))
    }

    /// The most of one table (percent of its stored rows) a run may delete because Intercom stopped
    /// listing them; beyond it the run keeps the rows and says so. 0 = never delete that way.
    pub fn reconcile_max_delete_percent(&self) -> Result<u8> {
        let p = env_parse::<u8>("FASTINTERCOM_RECONCILE_MAX_DELETE_PERCENT")?
            .or(self.file.reconcile_max_delete_percent)
            .unwrap_or(DEFAULT_MAX_DELETE_PERCENT);
        if p > 100 {
            bail!(
                "reconcile_max_delete_percent = {p} is not a percentage: use 0 to 100 \
                 (FASTINTERCOM_RECONCILE_MAX_DELETE_PERCENT or the config file)"
            );
        }
        Ok(p)
    }

    pub fn mcp_url(&self, flag: Option<&str>) -> Option<String> {
        flag.map(str::to_string)
            .or_else(|| env("FASTINTERCOM_MCP_URL"))
            .or_else(|| self.file.mcp_url.clone())
    }

    /// The Intercom token: systemd credential `intercom-token`, else `INTERCOM_ACCESS_TOKEN`, else `token_file`.
    pub fn intercom_token(&self) -> Result<Token> {
        self.secret(
            "intercom-token",
            "INTERCOM_ACCESS_TOKEN",
            self.file.token_file.as_deref(),
        )?
        .ok_or_else(|| {
            if std::env::var_os("INVOCATION_ID").is_some() {
                // Started by systemd: the credential is the way.
                anyhow::anyhow!(
                    "no Intercom token: put it in /etc/fastintercom/intercom-token (mode 0600); the unit hands \
                     it over as the credential intercom-token"
                )
            } else {
                anyhow::anyhow!(
                    "no Intercom token: set INTERCOM_ACCESS_TOKEN, or name a file holding it with token_file = \
                     \"PATH\" in {} (under systemd: /etc/fastintercom/intercom-token)",
                    config_path()
                )
            }
        })
    }

    /// The optional bearer token MCP clients must present over HTTP.
    pub fn mcp_token(&self) -> Result<Option<Token>> {
        self.secret(
            "mcp-token",
            "FASTINTERCOM_MCP_TOKEN",
            self.file.mcp_token_file.as_deref(),
        )
    }

    fn secret(&self, credential: &str, var: &str, file: Option<&Path>) -> Result<Option<Token>> {
        if let Some(dir) = env("CREDENTIALS_DIRECTORY") {
            let p = Path::new(&dir).join(credential);
            if p.exists() {
                return read_secret(&p).map(Some);
            }
        }
        if let Some(v) = env(var) {
            return Ok(Some(Token(v.trim().to_string())));
        }
        if let Some(p) = file {
            return read_secret(p).map(Some);
        }
        Ok(None)
    }
}

fn read_secret(p: &Path) -> Result<Token> {
    let v = std::fs::read_to_string(p).with_context(|| format!("reading secret {}", p.display()))?;
    let v = v.trim();
    if v.is_empty() {
        bail!("secret file {} is empty", p.display());
    }
    Ok(Token(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_debug_hides_value() {
        let t = Token::new("dG9rOnNlY3JldA==");
        assert_eq!(format!("{t:?}"), "Token(***)");
    }

    #[test]
    fn malformed_config_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "backfill_days = \"lots\"\n").unwrap();
        let err = Settings::load_from(&p).unwrap_err();
        assert!(format!("{err:#}").contains("c.toml"), "{err:#}");
    }

    #[test]
    fn missing_config_file_gives_defaults() {
        let s = Settings::load_from(Path::new("/nonexistent/fastintercom.toml")).unwrap();
        assert!(s.file.db.is_none());
    }

    #[test]
    fn max_delete_percent_from_the_file_is_checked() {
        // Only the file is used here: tests must not depend on (or set) the process environment.
        if std::env::var_os("FASTINTERCOM_RECONCILE_MAX_DELETE_PERCENT").is_some() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        let with = |v: &str| {
            std::fs::write(&p, format!("reconcile_max_delete_percent = {v}\n")).unwrap();
            Settings::load_from(&p)
        };
        assert_eq!(with("25").unwrap().reconcile_max_delete_percent().unwrap(), 25);
        let err = with("101").unwrap().reconcile_max_delete_percent().unwrap_err();
        assert!(format!("{err}").contains("0 to 100"), "{err}");
        assert!(with("300").is_err(), "out of u8 range is a file error");
        let s = Settings::load_from(Path::new("/nonexistent/fastintercom.toml")).unwrap();
        assert_eq!(
            s.reconcile_max_delete_percent().unwrap(),
            DEFAULT_MAX_DELETE_PERCENT
        );
    }
}
