//! A small argument parser: `--name value`, `--name=value`, switches, positionals.

use std::collections::HashMap;

/// What a command accepts.
pub struct Spec {
    /// Flags that take a value (without the leading `--`).
    pub values: &'static [&'static str],
    /// Flags that take none.
    pub switches: &'static [&'static str],
    /// Most positional arguments allowed.
    pub max_positionals: usize,
}

/// Flags common to every command.
const GLOBAL_VALUES: [&str; 3] = ["table", "schedule", "measures"];

/// Parsed arguments of one command.
#[derive(Debug, Default)]
pub struct Args {
    values: HashMap<String, String>,
    switches: Vec<String>,
    pub positionals: Vec<String>,
}

impl Args {
    pub fn parse(args: &[String], spec: &Spec) -> Result<Args, String> {
        let mut out = Args::default();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            i += 1;
            let name = match arg.as_str() {
                "-o" => "output".to_string(),
                "-" => {
                    out.positionals.push(arg.clone());
                    continue;
                }
                a if a.starts_with("--") => a[2..].to_string(),
                a if a.starts_with('-')
                    && a.len() > 1
                    && !a[1..].starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    return Err(format!("unknown option {a}"))
                }
                _ => {
                    out.positionals.push(arg.clone());
                    continue;
                }
            };
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (name, None),
            };
            if spec.switches.contains(&name.as_str()) {
                // A switch may carry a value inline (`--section232=autos`, `--json=false`):
                // a no (false, no, n, 0) leaves it off.
                let off = inline.as_deref().is_some_and(|v| {
                    ["false", "no", "n", "0"]
                        .iter()
                        .any(|n| v.eq_ignore_ascii_case(n))
                });
                if let Some(v) = inline {
                    out.values.insert(name.clone(), v);
                }
                if !off {
                    out.switches.push(name);
                }
            } else if spec.values.contains(&name.as_str()) || GLOBAL_VALUES.contains(&name.as_str())
            {
                let value = match inline {
                    Some(v) => v,
                    None => {
                        let v = args
                            .get(i)
                            .ok_or_else(|| format!("--{name} needs a value"))?
                            .clone();
                        i += 1;
                        v
                    }
                };
                if out.values.insert(name.clone(), value).is_some() {
                    return Err(format!("--{name} given twice"));
                }
            } else {
                return Err(format!("unknown option --{name}"));
            }
        }
        if out.positionals.len() > spec.max_positionals {
            return Err(format!(
                "unexpected argument {:?}",
                out.positionals[spec.max_positionals]
            ));
        }
        Ok(out)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|s| s == name)
    }
}
