//! The built edge components are what real Spin accepts: they import only
//! WASI and Spin interfaces and export the HTTP incoming handler.

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
            assert!(
                import.starts_with("wasi:") || import.starts_with("fermyon:spin/"),
                "{name} imports {import}, which Spin does not provide"
            );
        }
        assert!(
            exports
                .iter()
                .any(|e| e.starts_with("wasi:http/incoming-handler@0.2")),
            "{name} exports the HTTP handler: {exports:?}"
        );
    }
    Ok(())
}
