//! Embargoed destinations (`policy/embargo.toml`): countries or
//! subdivisions the merchant may not ship to, wholly or for some
//! categories.

use serde::{Deserialize, Serialize};

use super::codes;
use super::pack::{self, PackError, PackProblem, check_category, not_blank};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbargoEntry {
    /// `KP` (a country) or `UA-43` (a subdivision).
    pub area: String,
    pub basis: String,
    /// Empty: everything; else only these categories.
    #[serde(default)]
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbargoList {
    pub schema: u32,
    pub version: String,
    #[serde(default)]
    pub destination: Vec<EmbargoEntry>,
}

impl EmbargoList {
    pub fn none() -> EmbargoList {
        EmbargoList {
            schema: pack::SCHEMA,
            version: "0".to_owned(),
            destination: Vec::new(),
        }
    }

    pub fn parse(file: &str, text: &str) -> Result<EmbargoList, PackError> {
        let list: EmbargoList = toml::from_str(text)
            .map_err(|e| PackError::new(file, PackProblem::Parse(e.to_string())))?;
        list.validate().map_err(|p| PackError::new(file, p))?;
        Ok(list)
    }

    fn validate(&self) -> Result<(), PackProblem> {
        if self.schema != pack::SCHEMA {
            return Err(PackProblem::UnsupportedSchema { found: self.schema });
        }
        pack::check_version(&self.version)?;
        for entry in &self.destination {
            if !(codes::is_country(&entry.area) || codes::is_subdivision(&entry.area)) {
                return Err(PackProblem::InvalidArea {
                    field: "destination.area",
                    code: entry.area.clone(),
                });
            }
            not_blank("destination.basis", &entry.basis)?;
            for c in &entry.categories {
                check_category("destination.categories", c)?;
            }
        }
        Ok(())
    }

    /// The entry that embargoes shipping `category` to this destination.
    /// `subdivision` is the full code (`UA-43`).
    pub fn find(
        &self,
        country: &str,
        subdivision: Option<&str>,
        category: Option<&str>,
    ) -> Option<&EmbargoEntry> {
        self.destination.iter().find(|e| {
            let place = e.area == country || Some(e.area.as_str()) == subdivision;
            let goods = e.categories.is_empty()
                || category.is_some_and(|c| e.categories.iter().any(|x| x == c));
            place && goods
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"schema = 1
version = "1"
[[destination]]
area = "KP"
basis = "UN SC Res. 1718"
[[destination]]
area = "UA-43"
basis = "EU Reg. 692/2014"
[[destination]]
area = "RU"
basis = "EU Reg. 833/2014 Art. 3h"
categories = ["luxury"]
"#;

    #[test]
    fn countries_subdivisions_and_categories() {
        let list = EmbargoList::parse("embargo.toml", LIST).expect("valid");
        assert!(list.find("KP", None, None).is_some());
        assert!(list.find("UA", Some("UA-43"), Some("eyewear")).is_some());
        assert!(list.find("UA", Some("UA-30"), None).is_none());
        assert!(list.find("RU", None, Some("luxury")).is_some());
        assert!(list.find("RU", None, Some("eyewear")).is_none());
        assert!(list.find("RU", None, None).is_none());
        assert!(list.find("DE", None, None).is_none());
    }

    #[test]
    fn bad_entries_are_refused() {
        let e = EmbargoList::parse("embargo.toml", &LIST.replace("\"KP\"", "\"North Korea\""))
            .expect_err("area");
        assert_eq!(e.file, "embargo.toml");
        assert!(matches!(e.problem, PackProblem::InvalidArea { .. }));
        let e = EmbargoList::parse(
            "embargo.toml",
            &LIST.replace("[\"luxury\"]", "[\"caviar\"]"),
        )
        .expect_err("cat");
        assert!(matches!(e.problem, PackProblem::UnknownCategory { .. }));
        let e = EmbargoList::parse(
            "embargo.toml",
            &LIST.replace("basis = \"UN SC Res. 1718\"", "basis = \"\""),
        )
        .expect_err("basis");
        assert_eq!(
            e.problem,
            PackProblem::Blank {
                field: "destination.basis"
            }
        );
    }
}
