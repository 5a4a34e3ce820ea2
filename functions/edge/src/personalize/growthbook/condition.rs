//! GrowthBook's targeting conditions (a MongoDB-like query language), with
//! the JS SDK's semantics: `"8"` is greater than `5`, a missing attribute
//! is `null`, an array attribute matches `$in` if any element does.
//!
//! `$regex` uses the `regex` crate. Patterns it cannot compile evaluate
//! to false, as invalid patterns do in the JS SDK; that includes JS-only
//! syntax (look-around, back-references). Where both compile, two
//! differences remain: `\d`, `\w` and `\b` are Unicode-aware here (ASCII in
//! JS), and `.` matches a whole character here where JS (no `u` flag)
//! matches one UTF-16 code unit of a character above U+FFFF.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::Value;

use super::js;
use super::types::SavedGroups;
use super::version::padded_version_string;

/// Whether `attributes` satisfy `condition`, resolving `$inGroup`,
/// `$notInGroup` and `$savedGroup` against `saved_groups`.
pub fn eval_condition(attributes: &Value, condition: &Value, saved_groups: &SavedGroups) -> bool {
    Eval {
        groups: saved_groups,
    }
    .condition(attributes, condition, &BTreeSet::new())
}

/// Property names every JS object inherits: a saved group "named" one of
/// these is found (a function) and is not a list, so it matches nobody.
const INHERITED: &[&str] = &[
    "__proto__",
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
];

struct Eval<'g> {
    groups: &'g SavedGroups,
}

/// `Object.entries(condition)`: an array's are its indices; a scalar has
/// none (the JS SDK throws on `null` here; this matches instead).
fn entries(condition: &Value) -> Vec<(Cow<'_, str>, &Value)> {
    match condition {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (Cow::Borrowed(k.as_str()), v))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Cow::Owned(i.to_string()), v))
            .collect(),
        _ => Vec::new(),
    }
}

/// The value at a dot-separated path; `null` where the path leads nowhere.
/// Arrays answer their indices and `length`, as JS's `in` does.
fn get_path<'a>(obj: &'a Value, path: &str) -> Cow<'a, Value> {
    let mut current = Cow::Borrowed(obj);
    for part in path.split('.') {
        let next = match &current {
            Cow::Borrowed(Value::Object(map)) => map.get(part).map(Cow::Borrowed),
            Cow::Borrowed(Value::Array(items)) => {
                if part == "length" {
                    Some(Cow::Owned(Value::from(items.len())))
                } else {
                    array_index(part)
                        .and_then(|i| items.get(i))
                        .map(Cow::Borrowed)
                }
            }
            _ => None,
        };
        match next {
            Some(v) => current = v,
            None => return Cow::Owned(Value::Null),
        }
    }
    current
}

/// A canonical array index ("0", "12"; not "01" or "+1").
fn array_index(part: &str) -> Option<usize> {
    let canonical =
        part == "0" || (!part.starts_with('0') && part.bytes().all(|b| b.is_ascii_digit()));
    if canonical && !part.is_empty() {
        part.parse().ok()
    } else {
        None
    }
}

/// Only `$`-keys, at least one: an operator object rather than a literal.
fn is_operator_object(v: &Value) -> bool {
    match v {
        Value::Object(map) => !map.is_empty() && map.keys().all(|k| k.starts_with('$')),
        _ => false,
    }
}

/// The values of a list group for `$inGroup`: an unknown id is an empty
/// list, a malformed entry or a condition group is `None` (matches nobody).
fn group_values<'g>(groups: &'g SavedGroups, id: &str) -> Option<Cow<'g, [Value]>> {
    match groups.get(id) {
        None if INHERITED.contains(&id) => None,
        None => Some(Cow::Owned(Vec::new())),
        Some(Value::Array(values)) => Some(Cow::Borrowed(values)),
        Some(Value::Object(entry)) if entry.get("type") == Some(&Value::from("list")) => {
            match entry.get("values") {
                Some(Value::Array(values)) => Some(Cow::Borrowed(values)),
                _ => None,
            }
        }
        Some(_) => None,
    }
}

fn case_fold(v: &Value) -> Cow<'_, Value> {
    match v {
        Value::String(s) => Cow::Owned(Value::String(s.to_lowercase())),
        other => Cow::Borrowed(other),
    }
}

/// `$in`: any element of an array attribute, else the attribute itself.
fn is_in(actual: &Value, expected: &[Value], insensitive: bool) -> bool {
    let contains = |el: &Value| {
        if insensitive {
            let el = case_fold(el);
            expected.iter().any(|e| js::strict_eq(&el, &case_fold(e)))
        } else {
            expected.iter().any(|e| js::strict_eq(el, e))
        }
    };
    match actual {
        Value::Array(items) => items.iter().any(contains),
        other => contains(other),
    }
}

fn regex_test(pattern: &Value, actual: &Value, insensitive: bool) -> bool {
    let Value::String(pattern) = pattern else {
        return false;
    };
    regex::RegexBuilder::new(pattern)
        .case_insensitive(insensitive)
        .build()
        .is_ok_and(|re| re.is_match(&js::to_js_string(actual)))
}

impl Eval<'_> {
    fn condition(&self, obj: &Value, condition: &Value, visited: &BTreeSet<String>) -> bool {
        entries(condition)
            .into_iter()
            .all(|(key, v)| match key.as_ref() {
                "$or" => self.or(obj, v, visited),
                "$nor" => !self.or(obj, v, visited),
                "$and" => self.and(obj, v, visited),
                "$not" => !self.condition(obj, v, visited),
                "$savedGroup" => self.saved_group(obj, v, visited),
                path => self.value(v, &get_path(obj, path), false, visited),
            })
    }

    /// `$or`: true when empty; a non-array argument has no `length` in JS,
    /// so it passes too.
    fn or(&self, obj: &Value, conditions: &Value, visited: &BTreeSet<String>) -> bool {
        match conditions {
            Value::Array(items) => {
                items.is_empty() || items.iter().any(|c| self.condition(obj, c, visited))
            }
            _ => true,
        }
    }

    fn and(&self, obj: &Value, conditions: &Value, visited: &BTreeSet<String>) -> bool {
        match conditions {
            Value::Array(items) => items.iter().all(|c| self.condition(obj, c, visited)),
            _ => true,
        }
    }

    /// `$savedGroup: {id, attributeKey?}`; anything malformed, unknown or
    /// cyclic matches nobody.
    fn saved_group(&self, obj: &Value, reference: &Value, visited: &BTreeSet<String>) -> bool {
        let Value::Object(reference) = reference else {
            return false;
        };
        let Some(Value::String(id)) = reference.get("id") else {
            return false;
        };
        if visited.contains(id) {
            return false;
        }
        let override_key = match reference.get("attributeKey") {
            None => None,
            Some(Value::String(k)) => Some(k),
            Some(_) => return false,
        };
        let Some(Value::Object(entry)) = self.groups.get(id) else {
            return false;
        };
        let mut next = visited.clone();
        next.insert(id.clone());
        match entry.get("type").and_then(Value::as_str) {
            Some("list") => {
                // The reference's attribute wins over the entry's own.
                let key = match (override_key, entry.get("attributeKey")) {
                    (Some(k), _) => k.as_str(),
                    (None, Some(Value::String(k))) => k.as_str(),
                    _ => return false,
                };
                let Some(Value::Array(values)) = entry.get("values") else {
                    return false;
                };
                is_in(&get_path(obj, key), values, false)
            }
            Some("condition") => match entry.get("condition") {
                Some(c @ (Value::Object(_) | Value::Array(_))) => self.condition(obj, c, &next),
                _ => false,
            },
            _ => false,
        }
    }

    /// One attribute's value against a literal or an operator object.
    fn value(
        &self,
        condition: &Value,
        value: &Value,
        insensitive: bool,
        visited: &BTreeSet<String>,
    ) -> bool {
        match condition {
            Value::String(c) if insensitive => {
                js::to_js_string(value).to_lowercase() == c.to_lowercase()
            }
            Value::String(c) => js::to_js_string(value) == *c,
            Value::Number(n) => js::to_number(value) == js::as_f64(n),
            Value::Bool(b) => !value.is_null() && js::truthy(value) == *b,
            Value::Null => value.is_null(),
            Value::Object(ops) if is_operator_object(condition) => ops
                .iter()
                .all(|(op, expected)| self.operator(op, value, expected, visited)),
            literal => js::stringify(value) == js::stringify(literal),
        }
    }

    fn operator(
        &self,
        op: &str,
        actual: &Value,
        expected: &Value,
        visited: &BTreeSet<String>,
    ) -> bool {
        let version = |f: fn(std::cmp::Ordering) -> bool| {
            f(js::cmp_utf16(
                &padded_version_string(actual),
                &padded_version_string(expected),
            ))
        };
        match op {
            "$veq" => version(|o| o.is_eq()),
            "$vne" => version(|o| o.is_ne()),
            "$vgt" => version(|o| o.is_gt()),
            "$vgte" => version(|o| o.is_ge()),
            "$vlt" => version(|o| o.is_lt()),
            "$vlte" => version(|o| o.is_le()),
            "$eq" => js::strict_eq(actual, expected),
            "$ne" => !js::strict_eq(actual, expected),
            "$lt" => js::lt(actual, expected),
            "$lte" => js::lte(actual, expected),
            "$gt" => js::gt(actual, expected),
            "$gte" => js::gte(actual, expected),
            "$exists" => js::truthy(expected) != actual.is_null(),
            "$in" | "$ini" | "$nin" | "$nini" => {
                let Value::Array(list) = expected else {
                    return false;
                };
                let found = is_in(actual, list, op.ends_with('i'));
                if op.starts_with("$n") { !found } else { found }
            }
            "$inGroup" | "$notInGroup" => {
                match group_values(self.groups, &js::to_js_string(expected)) {
                    Some(values) => is_in(actual, &values, false) == (op == "$inGroup"),
                    None => false,
                }
            }
            "$not" => !self.value(expected, actual, false, visited),
            "$size" => match actual {
                Value::Array(items) => {
                    self.value(expected, &Value::from(items.len()), false, visited)
                }
                _ => false,
            },
            "$elemMatch" => self.elem_match(actual, expected, visited),
            "$all" | "$alli" => match (actual, expected) {
                (Value::Array(items), Value::Array(wanted)) => wanted.iter().all(|w| {
                    items
                        .iter()
                        .any(|item| self.value(w, item, op == "$alli", visited))
                }),
                _ => false,
            },
            "$regex" => regex_test(expected, actual, false),
            "$regexi" => regex_test(expected, actual, true),
            "$type" => expected.as_str() == Some(js::type_name(actual)),
            _ => false,
        }
    }

    /// Some non-null element satisfies an operator object, or, for any
    /// other condition, matches it as a document.
    fn elem_match(&self, actual: &Value, expected: &Value, visited: &BTreeSet<String>) -> bool {
        let Value::Array(items) = actual else {
            return false;
        };
        let operators = is_operator_object(expected);
        items.iter().filter(|item| !item.is_null()).any(|item| {
            if operators {
                self.value(expected, item, false, visited)
            } else {
                self.condition(item, expected, visited)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(condition: Value, attributes: Value) -> bool {
        eval_condition(&attributes, &condition, &SavedGroups::new())
    }

    fn eval_with(condition: Value, attributes: Value, groups: Value) -> bool {
        let Value::Object(groups) = groups else {
            panic!("groups are an object");
        };
        eval_condition(&attributes, &condition, &groups)
    }

    #[test]
    fn paths_and_missing_attributes() {
        assert!(eval(json!({"a.b.c": 1}), json!({"a": {"b": {"c": 1}}})));
        assert!(!eval(json!({"a.b": "x"}), json!({"a": null})));
        assert!(!eval(json!({"a.b": "x"}), json!({"a": 123})));
        assert!(eval(
            json!({"tags.length": 2, "tags.1": "y"}),
            json!({"tags": ["x", "y"]})
        ));
        assert!(!eval(json!({"tags.01": "y"}), json!({"tags": ["x", "y"]})));
        // Missing is null: comparisons treat it as 0, $exists as absent.
        assert!(eval(
            json!({"age": {"$gt": -10, "$lt": 10, "$ne": 10}}),
            json!({})
        ));
        assert!(eval(
            json!({"pets.dog": {"$exists": false}}),
            json!({"pets": {}})
        ));
        assert!(!eval(json!({"pets.dog": {"$exists": true}}), json!({})));
        assert!(eval(json!({"x": null}), json!({})));
    }

    #[test]
    fn literals_coerce_as_in_js() {
        assert!(eval(json!({"n": "8"}), json!({"n": 8})));
        assert!(eval(json!({"n": 8}), json!({"n": " 8 "})));
        assert!(eval(json!({"n": "1,2"}), json!({"n": [1, 2]})));
        assert!(eval(json!({"flag": true}), json!({"flag": "yes"})));
        assert!(
            !eval(json!({"flag": false}), json!({})),
            "null is neither true nor false"
        );
        assert!(eval(
            json!({"o": {"a": 1, "b": [2]}}),
            json!({"o": {"b": [2.0], "a": 1}})
        ));
        assert!(!eval(json!({"o": {}}), json!({"o": {"a": 1}})));
        assert!(eval(json!({"n": {"$gt": 5, "$lt": 10}}), json!({"n": "8"})));
        assert!(!eval(
            json!({"w": {"$gt": "alphabet"}}),
            json!({"w": "AZL"})
        ));
    }

    #[test]
    fn arrays_against_scalars() {
        assert!(eval(
            json!({"tags": {"$in": ["a", "b"]}}),
            json!({"tags": ["d", "b"]})
        ));
        assert!(!eval(json!({"tags": {"$in": ["a"]}}), json!({"tags": []})));
        assert!(eval(json!({"tags": {"$nin": ["a"]}}), json!({"tags": []})));
        assert!(
            !eval(json!({"n": {"$in": 1}}), json!({"n": 1})),
            "$in needs an array"
        );
        assert!(!eval(json!({"n": {"$nin": 1}}), json!({"n": 1})));
        assert!(eval(
            json!({"t": {"$ini": ["ABC"]}}),
            json!({"t": ["x", "abc"]})
        ));
        assert!(eval(
            json!({"t": {"$all": ["a", {"$gt": 3}]}}),
            json!({"t": ["a", 5]})
        ));
        assert!(!eval(json!({"t": {"$all": ["a"]}}), json!({"t": "a"})));
        assert!(eval(json!({"t": {"$alli": ["A"]}}), json!({"t": ["a"]})));
        assert!(eval(
            json!({"t": {"$size": {"$gte": 2}}}),
            json!({"t": [1, 2]})
        ));
        assert!(!eval(json!({"t": {"$size": 0}}), json!({"t": "abc"})));
        assert!(eval(
            json!({"n": {"$elemMatch": {"$gt": 10}}}),
            json!({"n": [0, 15]})
        ));
        assert!(eval(
            json!({"n": {"$elemMatch": {"$eq": 0}}}),
            json!({"n": [null, 0]})
        ));
        assert!(eval(
            json!({"h": {"$elemMatch": {"k": "b"}}}),
            json!({"h": [{"k": "a"}, {"k": "b"}]})
        ));
        assert!(!eval(
            json!({"h": {"$elemMatch": {"k": "b"}}}),
            json!({"h": {"k": "b"}})
        ));
    }

    #[test]
    fn logic_operators() {
        assert!(eval(json!({"$or": []}), json!({})));
        assert!(eval(json!({"$and": []}), json!({})));
        assert!(eval(json!({"$or": [{"a": 1}, {"b": 2}]}), json!({"b": 2})));
        assert!(!eval(
            json!({"$nor": [{"a": 1}, {"b": 2}]}),
            json!({"b": 2})
        ));
        assert!(eval(
            json!({"$not": {"name": "hello"}}),
            json!({"name": "world"})
        ));
        assert!(eval(json!({"a": {"$not": {"$in": [1]}}}), json!({"a": 2})));
        assert!(
            !eval(json!({"a": {"$bogus": 1}}), json!({"a": 1})),
            "unknown operators fail"
        );
    }

    #[test]
    fn types_regex_and_versions() {
        assert!(eval(json!({"a": {"$type": "array"}}), json!({"a": []})));
        assert!(eval(json!({"a": {"$type": "null"}}), json!({})));
        assert!(!eval(json!({"a": {"$type": "object"}}), json!({"a": []})));
        assert!(eval(
            json!({"ua": {"$regex": "(Mobile|Tablet)"}}),
            json!({"ua": "Android Mobile"})
        ));
        assert!(
            eval(json!({"ua": {"$regex": "ull"}}), json!({})),
            "missing is the string null"
        );
        assert!(eval(
            json!({"ua": {"$regexi": "^ab"}}),
            json!({"ua": "ABC"})
        ));
        assert!(
            !eval(json!({"ua": {"$regex": "("}}), json!({"ua": "("})),
            "invalid pattern"
        );
        assert!(!eval(json!({"ua": {"$regex": 5}}), json!({"ua": "5"})));
        // JS-only syntax: the JS SDK would match; here it cannot compile.
        assert!(!eval(
            json!({"ua": {"$regex": "a(?=b)"}}),
            json!({"ua": "ab"})
        ));
        assert!(eval(
            json!({"v": {"$vgt": "1.9.0", "$vlt": "1.10.0-rc.1"}}),
            json!({"v": "v1.9.5"})
        ));
        assert!(eval(
            json!({"v": {"$veq": "1.0.0"}}),
            json!({"v": "1.0.0+build"})
        ));
        assert!(eval(
            json!({"v": {"$vgte": "1.0.0-beta", "$vne": "1.0.0"}}),
            json!({"v": "1.0.0-rc"})
        ));
    }

    #[test]
    fn saved_groups() {
        let groups = json!({
            "legacy": ["a", 2],
            "list": {"type": "list", "attributeKey": "country", "values": ["DE", "FR"]},
            "cond": {"type": "condition", "condition": {"age": {"$gte": 18}}},
            "broken": {"type": "list", "values": 5},
            "loop": {"type": "condition", "condition": {"$savedGroup": {"id": "loop"}}}
        });
        let g = |c: Value, a: Value| eval_with(c, a, groups.clone());
        assert!(g(json!({"id": {"$inGroup": "legacy"}}), json!({"id": "a"})));
        assert!(g(
            json!({"id": {"$inGroup": "list"}}),
            json!({"id": ["x", "FR"]})
        ));
        assert!(!g(
            json!({"id": {"$inGroup": "missing"}}),
            json!({"id": "a"})
        ));
        assert!(g(
            json!({"id": {"$notInGroup": "missing"}}),
            json!({"id": "a"})
        ));
        assert!(
            !g(json!({"id": {"$notInGroup": "broken"}}), json!({"id": "a"})),
            "malformed matches nobody"
        );
        assert!(!g(
            json!({"id": {"$notInGroup": "cond"}}),
            json!({"id": "a"})
        ));
        assert!(!g(
            json!({"id": {"$notInGroup": "constructor"}}),
            json!({"id": "a"})
        ));
        assert!(g(
            json!({"$savedGroup": {"id": "list"}}),
            json!({"country": "DE"})
        ));
        assert!(g(
            json!({"$savedGroup": {"id": "list", "attributeKey": "c2"}}),
            json!({"c2": "DE"})
        ));
        assert!(!g(
            json!({"$savedGroup": {"id": "list", "attributeKey": 5}}),
            json!({"country": "DE"})
        ));
        assert!(g(
            json!({"$savedGroup": {"id": "cond"}}),
            json!({"age": 30})
        ));
        assert!(
            !g(json!({"$savedGroup": {"id": "loop"}}), json!({})),
            "cycles match nobody"
        );
        assert!(!g(
            json!({"$savedGroup": {"id": "legacy"}}),
            json!({"id": "a"})
        ));
    }
}
