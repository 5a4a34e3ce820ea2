//! Spin manifest version 2 (`spin.toml`): parsing, validation and variables.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The raw manifest as written. Unknown keys are tolerated.
#[derive(Debug, Deserialize)]
pub struct RawManifest {
    pub spin_manifest_version: toml::Value,
    #[serde(default)]
    pub application: RawApplication,
    #[serde(default)]
    pub variables: BTreeMap<String, RawVariable>,
    #[serde(default)]
    pub trigger: RawTriggers,
    #[serde(default)]
    pub component: BTreeMap<String, RawComponent>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawApplication {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawVariable {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawTriggers {
    #[serde(default)]
    pub http: Vec<RawHttpTrigger>,
}

#[derive(Debug, Deserialize)]
pub struct RawHttpTrigger {
    pub route: String,
    pub component: toml::Value,
}

#[derive(Debug, Deserialize)]
pub struct RawComponent {
    pub source: toml::Value,
    #[serde(default)]
    pub allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub files: Vec<FileMount>,
    #[serde(default)]
    pub exclude_files: Vec<String>,
    #[serde(default)]
    pub sqlite_databases: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub build: Option<RawBuild>,
}

#[derive(Debug, Deserialize)]
pub struct RawBuild {
    #[serde(default)]
    pub command: Option<toml::Value>,
}

/// A `files` entry: a path or glob relative to the app directory, or a
/// source placed at a destination (see [`crate::files`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FileMount {
    Pattern(String),
    Mapped { source: String, destination: String },
}

/// A validated application.
#[derive(Debug)]
pub struct App {
    pub name: String,
    pub dir: PathBuf,
    pub components: Vec<Component>,
    pub triggers: Vec<Trigger>,
}

#[derive(Debug)]
pub struct Trigger {
    pub route: String,
    /// Index into [`App::components`].
    pub component: usize,
}

#[derive(Debug)]
pub struct Component {
    pub id: String,
    pub source: PathBuf,
    /// Allowed outbound hosts after variable expansion.
    pub allowed_outbound_hosts: Vec<String>,
    pub key_value_stores: Vec<String>,
    /// Component variables, fully resolved.
    pub variables: HashMap<String, String>,
    pub files: Vec<FileMount>,
    pub exclude_files: Vec<String>,
    pub sqlite_databases: Vec<String>,
    pub environment: Vec<(String, String)>,
    pub description: Option<String>,
    /// `[component.<id>.build] command`, for error messages.
    pub build_command: Option<String>,
}

/// Where application variable overrides come from (`SPIN_VARIABLE_*`).
pub type VariableEnv = HashMap<String, String>;

/// Read `SPIN_VARIABLE_*` from the process environment.
pub fn process_variable_env() -> VariableEnv {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("SPIN_VARIABLE_"))
        .collect()
}

/// Load and validate `spin.toml`.
pub fn load(path: &Path, env: &VariableEnv) -> Result<App> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading manifest {}", path.display()))?;
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    parse(&text, &dir, env).with_context(|| format!("invalid manifest {}", path.display()))
}

/// Parse a manifest whose relative paths are relative to `dir`.
pub fn parse(text: &str, dir: &Path, env: &VariableEnv) -> Result<App> {
    let raw: RawManifest = toml::from_str(text).context("parsing TOML")?;
    match raw.spin_manifest_version.as_integer() {
        Some(2) => {}
        _ => bail!(
            "spin_manifest_version must be 2 (found {}); only Spin manifest version 2 is supported",
            raw.spin_manifest_version
        ),
    }

    let app_vars = resolve_app_variables(&raw.variables, env)?;

    let mut components = Vec::with_capacity(raw.component.len());
    let mut index = HashMap::new();
    for (id, c) in &raw.component {
        validate_id(id).with_context(|| format!("component id {id:?}"))?;
        let source = match &c.source {
            toml::Value::String(s) => dir.join(s),
            other => bail!(
                "component {id}: only local file sources are supported (source = \"path.wasm\"), found {other}"
            ),
        };
        let mut variables = HashMap::new();
        for (name, template) in &c.variables {
            validate_variable_name(name)
                .with_context(|| format!("component {id}: variable {name:?}"))?;
            let value = expand(template, &app_vars)
                .with_context(|| format!("component {id}: variable {name}"))?;
            variables.insert(name.clone(), value);
        }
        let mut allowed = Vec::with_capacity(c.allowed_outbound_hosts.len());
        for host in &c.allowed_outbound_hosts {
            let expanded = expand(host, &app_vars)
                .with_context(|| format!("component {id}: allowed_outbound_hosts {host:?}"))?;
            crate::outbound::AllowedHost::parse(&expanded)
                .with_context(|| format!("component {id}: allowed_outbound_hosts {host:?}"))?;
            allowed.push(expanded);
        }
        for label in &c.key_value_stores {
            if label.is_empty() {
                bail!("component {id}: empty key_value_stores label");
            }
        }
        for label in &c.sqlite_databases {
            if label.is_empty() {
                bail!("component {id}: empty sqlite_databases label");
            }
        }
        index.insert(id.clone(), components.len());
        components.push(Component {
            id: id.clone(),
            source,
            allowed_outbound_hosts: allowed,
            key_value_stores: c.key_value_stores.clone(),
            variables,
            files: c.files.clone(),
            exclude_files: c.exclude_files.clone(),
            sqlite_databases: c.sqlite_databases.clone(),
            description: c.description.clone(),
            environment: c
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            build_command: c.build.as_ref().and_then(|b| match &b.command {
                Some(toml::Value::String(s)) => Some(s.clone()),
                Some(other) => Some(other.to_string()),
                None => None,
            }),
        });
    }

    let mut triggers = Vec::with_capacity(raw.trigger.http.len());
    for t in &raw.trigger.http {
        let id = match &t.component {
            toml::Value::String(s) => s,
            other => bail!(
                "trigger {}: inline components are not supported (component = {other})",
                t.route
            ),
        };
        let Some(&component) = index.get(id) else {
            bail!(
                "trigger {}: component {id:?} is not defined ([component.{id}] missing)",
                t.route
            );
        };
        triggers.push(Trigger {
            route: t.route.clone(),
            component,
        });
    }
    if triggers.is_empty() {
        bail!("no [[trigger.http]] entries: nothing to serve");
    }

    Ok(App {
        name: raw.application.name,
        dir: dir.to_path_buf(),
        components,
        triggers,
    })
}

fn validate_id(id: &str) -> Result<()> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        bail!("ids must be lower-case letters, digits, '-' or '_'");
    }
    Ok(())
}

/// Spin variable names: lower-case letters, digits and underscores, starting with a letter.
pub fn validate_variable_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        bail!(
            "variable names must be lower-case letters, digits and underscores, starting with a letter"
        );
    }
    Ok(())
}

/// Application variables: defaults from `[variables]`, overridden by `SPIN_VARIABLE_<NAME>`.
/// A variable without a value is absent from the map (unless required, which is an error).
pub fn resolve_app_variables(
    vars: &BTreeMap<String, RawVariable>,
    env: &VariableEnv,
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::with_capacity(vars.len());
    for (name, v) in vars {
        validate_variable_name(name).with_context(|| format!("[variables] {name:?}"))?;
        if v.required && v.default.is_some() {
            bail!("[variables] {name}: a variable cannot be both required and have a default");
        }
        let key = format!("SPIN_VARIABLE_{}", name.to_ascii_uppercase());
        let value = env.get(&key).cloned().or_else(|| v.default.clone());
        match value {
            Some(value) => {
                out.insert(name.clone(), value);
            }
            None if v.required => {
                bail!("required variable {name} has no value: set the environment variable {key}")
            }
            None => {}
        }
    }
    Ok(out)
}

/// Expand `{{ name }}` templates over application variables.
pub fn expand(template: &str, vars: &HashMap<String, String>) -> Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            bail!("unterminated '{{{{' in {template:?}");
        };
        let name = after[..end].trim();
        validate_variable_name(name).with_context(|| format!("in template {template:?}"))?;
        match vars.get(name) {
            Some(v) => out.push_str(v),
            None => bail!(
                "template {template:?} refers to variable {name}, which is not defined in [variables] or has no value"
            ),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
spin_manifest_version = 2

[application]
name = "demo"
unknown_key = 1

[variables]
backend_url_eu = { default = "http://127.0.0.1:8081" }
secret_key = { required = true, secret = true }
greeting = { default = "hello" }

[[trigger.http]]
route = "/..."
component = "edge"

[component.edge]
source = "target/edge.wasm"
allowed_outbound_hosts = ["{{ backend_url_eu }}", "https://example.com"]
key_value_stores = ["default"]
[component.edge.variables]
backend = "{{ backend_url_eu }}/v1"
key = "{{secret_key}}"
[component.edge.build]
command = "cargo build"
"#;

    fn env(pairs: &[(&str, &str)]) -> VariableEnv {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn parses_and_resolves_variables() -> Result<()> {
        let app = parse(
            MANIFEST,
            Path::new("/app"),
            &env(&[("SPIN_VARIABLE_SECRET_KEY", "s3cret")]),
        )?;
        assert_eq!(app.name, "demo");
        assert_eq!(app.components.len(), 1);
        let c = &app.components[0];
        assert_eq!(c.source, Path::new("/app/target/edge.wasm"));
        assert_eq!(c.variables["backend"], "http://127.0.0.1:8081/v1");
        assert_eq!(c.variables["key"], "s3cret");
        assert_eq!(
            c.allowed_outbound_hosts,
            vec!["http://127.0.0.1:8081", "https://example.com"]
        );
        assert_eq!(app.triggers[0].route, "/...");
        Ok(())
    }

    #[test]
    fn env_overrides_default() -> Result<()> {
        let app = parse(
            MANIFEST,
            Path::new("."),
            &env(&[
                ("SPIN_VARIABLE_SECRET_KEY", "k"),
                ("SPIN_VARIABLE_BACKEND_URL_EU", "http://10.0.0.1:9000"),
            ]),
        )?;
        assert_eq!(
            app.components[0].variables["backend"],
            "http://10.0.0.1:9000/v1"
        );
        Ok(())
    }

    #[test]
    fn required_variable_missing_is_an_error() {
        let err = parse(MANIFEST, Path::new("."), &env(&[])).expect_err("should fail");
        let msg = format!("{err:#}");
        assert!(msg.contains("SPIN_VARIABLE_SECRET_KEY"), "{msg}");
    }

    #[test]
    fn unknown_component_in_trigger() {
        let text = r#"
spin_manifest_version = 2
[[trigger.http]]
route = "/a"
component = "nope"
"#;
        let msg = format!(
            "{:#}",
            parse(text, Path::new("."), &env(&[])).expect_err("fail")
        );
        assert!(msg.contains("nope"), "{msg}");
    }

    #[test]
    fn wrong_version() {
        let text = "spin_manifest_version = \"1\"\n";
        assert!(parse(text, Path::new("."), &env(&[])).is_err());
    }

    #[test]
    fn expand_templates() -> Result<()> {
        let vars: HashMap<String, String> = [("a".to_owned(), "1".to_owned())].into();
        assert_eq!(expand("x{{ a }}y{{a}}", &vars)?, "x1y1");
        assert_eq!(expand("plain", &vars)?, "plain");
        assert!(expand("{{ b }}", &vars).is_err());
        assert!(expand("{{ a", &vars).is_err());
        Ok(())
    }
}
