//! The built edge components are what real Spin (4.1 and later) accepts:
//! they import only interfaces of Spin's `platform` world (WASI 0.2 and
//! 0.3, `fermyon:spin@2.0.0`, `wasi:keyvalue@0.2.0-draft2`) and export the
//! WASIp3 HTTP handler, `wasi:http/handler@0.3.0`, which Spin reuses.

use anyhow::{Context, Result};
use meridian_e2e::{COMPONENTS, component_wasm, require_components};
use wasmparser::{Parser, Payload};

/// Top-level import and export names of a component.
fn interface_names(wasm: &[u8]) -> Result<(Vec<String>, Vec<String>)> {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(section) if depth == 0 => {
                for import in section {
                    imports.push(import?.name.0.to_owned());
                }
            }
            Payload::ComponentExportSection(section) if depth == 0 => {
                for export in section {
                    exports.push(export?.name.0.to_owned());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

#[test]
fn components_import_only_wasi_and_spin() -> Result<()> {
    require_components()?;
    for name in COMPONENTS {
        let path = component_wasm(name);
        let wasm = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let (imports, exports) = interface_names(&wasm)?;
        assert!(!imports.is_empty(), "{name} imports WASI at least");
        for import in &imports {
            let (_, version) = import.split_once('@').unwrap_or((import, ""));
            let in_platform = if import.starts_with("fermyon:spin/") {
                version == "2.0.0"
            } else if import.starts_with("wasi:keyvalue/") {
                version == "0.2.0-draft2"
            } else {
                import.starts_with("wasi:") && (version.starts_with("0.2.") || version == "0.3.0")
            };
            assert!(
                in_platform,
                "{name} imports {import}, which Spin's platform world does not provide"
            );
        }
        assert_eq!(
            exports,
            ["wasi:http/handler@0.3.0"],
            "{name} exports the WASIp3 HTTP handler only"
        );
    }
    Ok(())
}
