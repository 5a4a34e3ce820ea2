//! Spin HTTP route matching: exact `/a/b`, named parameters `/a/:id`,
//! trailing wildcard `/a/...` and the catch-all `/...`.
//!
//! When several routes match, the most specific wins: routes are compared
//! segment by segment from the left, a literal segment beats a parameter,
//! which beats the wildcard; so `/a/b` beats `/a/:id` beats `/a/...` beats `/...`.

use anyhow::{Result, bail};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug)]
pub struct Route {
    /// The route as written in the manifest.
    pub raw: String,
    /// The route without a trailing `/...` (Spin's `spin-component-route`).
    pub component_route: String,
    segments: Vec<Segment>,
    wildcard: bool,
    /// Rank key: per segment 3 literal / 2 param, then 1 for the wildcard.
    rank: Vec<u8>,
    /// What the route maps to (a component index).
    pub target: usize,
}

/// The result of a match.
#[derive(Debug)]
pub struct Match<'r, 'p> {
    pub route: &'r Route,
    /// The path after the matched prefix of a wildcard route (`spin-path-info`).
    pub path_info: &'p str,
    /// `(name, value)` for each `:name` parameter.
    pub params: Vec<(&'r str, &'p str)>,
}

#[derive(Debug, Default)]
pub struct Router {
    routes: Vec<Route>,
}

impl Router {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, raw: &str, target: usize) -> Result<()> {
        let route = parse_route(raw, target)?;
        if let Some(existing) = self.routes.iter().find(|r| r.same_shape(&route)) {
            bail!(
                "route {raw:?} duplicates route {:?} (same pattern)",
                existing.raw
            );
        }
        self.routes.push(route);
        // Most specific first, so the first match is the best.
        self.routes.sort_by(|a, b| b.rank.cmp(&a.rank));
        Ok(())
    }

    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Find the most specific route matching `path` (no query string).
    pub fn find<'r, 'p>(&'r self, path: &'p str) -> Option<Match<'r, 'p>> {
        self.routes.iter().find_map(|r| r.matches(path))
    }
}

fn parse_route(raw: &str, target: usize) -> Result<Route> {
    if !raw.starts_with('/') {
        bail!("route {raw:?} must start with '/'");
    }
    let mut segments = Vec::new();
    let mut wildcard = false;
    let trimmed = raw.trim_end_matches('/');
    let parts: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed[1..].split('/').collect()
    };
    for (i, part) in parts.iter().enumerate() {
        if *part == "..." {
            if i + 1 != parts.len() {
                bail!("route {raw:?}: '...' is only allowed as the last segment");
            }
            wildcard = true;
        } else if let Some(name) = part.strip_prefix(':') {
            if name.is_empty() {
                bail!("route {raw:?}: parameter without a name");
            }
            segments.push(Segment::Param(name.to_owned()));
        } else if part.is_empty() {
            bail!("route {raw:?}: empty segment");
        } else {
            segments.push(Segment::Literal((*part).to_owned()));
        }
    }
    let mut rank: Vec<u8> = segments
        .iter()
        .map(|s| match s {
            Segment::Literal(_) => 3,
            Segment::Param(_) => 2,
        })
        .collect();
    if wildcard {
        rank.push(1);
    }
    let component_route = if wildcard {
        raw.trim_end_matches("...").trim_end_matches('/').to_owned()
    } else {
        raw.to_owned()
    };
    Ok(Route {
        raw: raw.to_owned(),
        component_route,
        segments,
        wildcard,
        rank,
        target,
    })
}

impl Route {
    /// Same pattern, ignoring parameter names: `/a/:x` and `/a/:y` collide.
    fn same_shape(&self, other: &Route) -> bool {
        self.wildcard == other.wildcard
            && self.segments.len() == other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|pair| match pair {
                    (Segment::Literal(a), Segment::Literal(b)) => a == b,
                    (Segment::Param(_), Segment::Param(_)) => true,
                    _ => false,
                })
    }

    fn matches<'r, 'p>(&'r self, path: &'p str) -> Option<Match<'r, 'p>> {
        let mut pos = 0usize;
        let mut params = Vec::new();
        for seg in &self.segments {
            let after = path.get(pos..)?.strip_prefix('/')?;
            let len = after.find('/').unwrap_or(after.len());
            let head = &after[..len];
            if head.is_empty() {
                return None;
            }
            match seg {
                Segment::Literal(l) if l == head => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => params.push((name.as_str(), head)),
            }
            pos += 1 + len;
        }
        let remaining = path.get(pos..)?;
        if self.wildcard {
            Some(Match {
                route: self,
                path_info: remaining,
                params,
            })
        } else if remaining.is_empty() || (self.segments.is_empty() && remaining == "/") {
            Some(Match {
                route: self,
                path_info: "",
                params,
            })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[&str]) -> Router {
        let mut r = Router::new();
        for (i, route) in routes.iter().enumerate() {
            r.add(route, i).expect("valid route");
        }
        r
    }

    fn hit(r: &Router, path: &str) -> Option<String> {
        r.find(path).map(|m| m.route.raw.clone())
    }

    #[test]
    fn exact_routes() {
        let r = router(&["/a/b", "/a"]);
        assert_eq!(hit(&r, "/a/b").as_deref(), Some("/a/b"));
        assert_eq!(hit(&r, "/a").as_deref(), Some("/a"));
        assert_eq!(hit(&r, "/a/b/c"), None);
        assert_eq!(hit(&r, "/"), None);
        assert_eq!(hit(&r, "/x"), None);
    }

    #[test]
    fn specificity() {
        let r = router(&["/...", "/a/...", "/a/:id", "/a/b", "/a/:id/c"]);
        assert_eq!(hit(&r, "/a/b").as_deref(), Some("/a/b"));
        assert_eq!(hit(&r, "/a/z").as_deref(), Some("/a/:id"));
        assert_eq!(hit(&r, "/a/z/c").as_deref(), Some("/a/:id/c"));
        assert_eq!(hit(&r, "/a/z/d").as_deref(), Some("/a/..."));
        assert_eq!(hit(&r, "/a").as_deref(), Some("/a/..."));
        assert_eq!(hit(&r, "/b").as_deref(), Some("/..."));
        assert_eq!(hit(&r, "/").as_deref(), Some("/..."));
    }

    #[test]
    fn params_and_path_info() {
        let r = router(&["/users/:id/orders/:order", "/static/..."]);
        let m = r.find("/users/42/orders/7").expect("match");
        assert_eq!(m.params, vec![("id", "42"), ("order", "7")]);
        assert_eq!(m.path_info, "");
        let m = r.find("/static/css/site.css").expect("match");
        assert_eq!(m.path_info, "/css/site.css");
        assert_eq!(m.route.component_route, "/static");
        let m = r.find("/static").expect("match");
        assert_eq!(m.path_info, "");
        let m = r.find("/static/").expect("match");
        assert_eq!(m.path_info, "/");
    }

    #[test]
    fn catch_all_path_info() {
        let r = router(&["/..."]);
        let m = r.find("/x/y").expect("match");
        assert_eq!(m.path_info, "/x/y");
        assert_eq!(m.route.component_route, "");
    }

    #[test]
    fn rejects_bad_routes() {
        let mut r = Router::new();
        assert!(r.add("a/b", 0).is_err());
        assert!(r.add("/a/.../b", 0).is_err());
        assert!(r.add("/a/:", 0).is_err());
        assert!(r.add("/a/:id", 0).is_ok());
        assert!(r.add("/a/:other", 1).is_err());
    }
}
