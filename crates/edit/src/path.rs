//! Dotted field paths (`description.purpose`, `outputPorts.0.version`) and their use on JSON values.

use serde_json::{Map, Value};

/// One step of a path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

pub type FieldPath = Vec<Seg>;

/// `a.b.0.c` → [a, b, 0, c]; all-digit segments are sequence indices.
pub fn parse_path(text: &str) -> FieldPath {
    text.split('.')
        .filter(|s| !s.is_empty())
        .map(|s| match s.parse::<usize>() {
            Ok(i) if s.bytes().all(|b| b.is_ascii_digit()) => Seg::Index(i),
            _ => Seg::Key(s.to_owned()),
        })
        .collect()
}

pub fn path_to_string(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// True when `a` is `b` or lies inside it, or the other way round.
pub fn overlaps(a: &[Seg], b: &[Seg]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

pub fn get<'a>(value: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, seg| match seg {
        Seg::Key(k) => v.get(k.as_str()),
        Seg::Index(i) => v.get(*i),
    })
}

/// Sets `path` to `new` (creating missing mappings), or removes it when `new` is `None`. A missing
/// sequence index may only be the next one (an append). Returns false when the path cannot exist.
pub fn set(value: &mut Value, path: &[Seg], new: Option<Value>) -> bool {
    let Some((last, parents)) = path.split_last() else {
        match new {
            Some(new) => *value = new,
            None => *value = Value::Null,
        }
        return true;
    };
    let mut node = value;
    for seg in parents {
        node = match seg {
            Seg::Key(k) => {
                if node.is_null() && new.is_some() {
                    *node = Value::Object(Map::new());
                }
                let Some(map) = node.as_object_mut() else {
                    return false;
                };
                if new.is_none() && !map.contains_key(k) {
                    return true;
                }
                map.entry(k.clone()).or_insert(Value::Null)
            }
            Seg::Index(i) => match node.as_array_mut().and_then(|a| a.get_mut(*i)) {
                Some(item) => item,
                None => return new.is_none(),
            },
        };
    }
    match (last, new) {
        (Seg::Key(k), new) => {
            if node.is_null() && new.is_some() {
                *node = Value::Object(Map::new());
            }
            let Some(map) = node.as_object_mut() else {
                return false;
            };
            match new {
                Some(new) => {
                    map.insert(k.clone(), new);
                }
                None => {
                    map.shift_remove(k);
                }
            }
            true
        }
        (Seg::Index(i), new) => {
            let Some(list) = node.as_array_mut() else {
                return false;
            };
            match new {
                Some(new) if *i < list.len() => list[*i] = new,
                Some(new) if *i == list.len() => list.push(new),
                Some(_) => return false,
                None if *i < list.len() => {
                    list.remove(*i);
                }
                None => {}
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_prints_dotted_paths() {
        let p = parse_path("outputPorts.0.version");
        assert_eq!(
            p,
            vec![
                Seg::Key("outputPorts".into()),
                Seg::Index(0),
                Seg::Key("version".into())
            ]
        );
        assert_eq!(path_to_string(&p), "outputPorts.0.version");
    }

    #[test]
    fn set_creates_mappings_appends_and_removes() {
        let mut v = json!({"a": {"b": 1}, "l": [1]});
        assert!(set(&mut v, &parse_path("a.c.d"), Some(json!("x"))));
        assert!(set(&mut v, &parse_path("l.1"), Some(json!(2))));
        assert!(!set(&mut v, &parse_path("l.5"), Some(json!(2))));
        assert!(set(&mut v, &parse_path("a.b"), None));
        assert_eq!(v, json!({"a": {"c": {"d": "x"}}, "l": [1, 2]}));
    }
}
