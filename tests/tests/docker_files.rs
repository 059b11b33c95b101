//! The Docker files read as Docker would, since no Docker engine runs here: the image's data
//! dir exists and belongs to the user the server runs as (a named volume mounted there
//! copies that owner; a path the image lacks would be root-owned and the server could not
//! write), the volume, compose file and README agree on paths, ports and settings, and the
//! README's Docker commands name real files, services and `makermatch` arguments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should panic

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Parser;
use serde_yaml_ng::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One Dockerfile instruction: its keyword (upper case) and its arguments, continuation
/// lines joined.
#[derive(Debug, Clone)]
struct Instruction {
    keyword: String,
    args: String,
}

fn instructions(dockerfile: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in dockerfile.lines() {
        let trimmed = line.trim();
        // Comment lines end nothing, even inside a continued instruction.
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(continued) => {
                pending.push_str(continued);
                pending.push(' ');
            }
            None => {
                pending.push_str(trimmed);
                let (keyword, args) = pending
                    .split_once(char::is_whitespace)
                    .unwrap_or((&pending, ""));
                out.push(Instruction {
                    keyword: keyword.to_ascii_uppercase(),
                    args: args.trim().to_owned(),
                });
                pending.clear();
            }
        }
    }
    assert!(
        pending.is_empty(),
        "the Dockerfile ends inside an instruction"
    );
    out
}

/// The instructions of the last stage (the image that runs).
fn runtime_stage(all: &[Instruction]) -> Vec<Instruction> {
    let start = all
        .iter()
        .rposition(|i| i.keyword == "FROM")
        .expect("a FROM");
    all[start..].to_vec()
}

/// `KEY=value` pairs of `ENV` instructions (the form the Dockerfile uses).
fn env_of(stage: &[Instruction]) -> BTreeMap<String, String> {
    stage
        .iter()
        .filter(|i| i.keyword == "ENV")
        .flat_map(|i| {
            i.args
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .map(|pair| {
            let (k, v) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("ENV `{pair}` is not KEY=value"));
            (k.to_owned(), v.trim_matches('"').to_owned())
        })
        .collect()
}

/// The words of each shell command of a `RUN` (split on `&&` and `;`).
fn commands(run: &str) -> Vec<Vec<String>> {
    run.split("&&")
        .flat_map(|c| c.split(';'))
        .map(|c| c.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether the shell command `words` creates `dir` owned by `user` (`install -d -o user`),
/// or `chown`s it to `user`.
fn gives_to(words: &[String], dir: &str, user: &str) -> bool {
    let names_dir = words.iter().any(|w| w == dir);
    let owner = |w: &String| w == user || w.starts_with(&format!("{user}:"));
    match words[0].as_str() {
        "install" => {
            names_dir
                && words.iter().any(|w| w == "-d")
                && words
                    .windows(2)
                    .any(|p| (p[0] == "-o" || p[0] == "--owner") && owner(&p[1]))
        }
        "chown" => names_dir && words.iter().any(owner),
        _ => false,
    }
}

fn creates(words: &[String], dir: &str) -> bool {
    words.iter().any(|w| w == dir)
        && (words[0] == "mkdir" || (words[0] == "install" && words.iter().any(|w| w == "-d")))
}

/// What the runtime image promises, read from the Dockerfile.
struct Image {
    user: String,
    /// `useradd --uid`, which a host directory mounted on the data dir must be writable by.
    uid: String,
    data_dir: String,
    port: u16,
}

fn image() -> Image {
    let all = instructions(&read("docker/Dockerfile"));
    let stage = runtime_stage(&all);
    let user_at = stage
        .iter()
        .rposition(|i| i.keyword == "USER")
        .expect("the image runs as a USER (non-root)");
    let user = stage[user_at].args.clone();
    assert_ne!(user, "root");
    assert_ne!(user, "0");
    let env = env_of(&stage);
    let data_dir = env
        .get("MAKERMATCH_DATA_DIR")
        .expect("ENV MAKERMATCH_DATA_DIR in the image")
        .clone();
    let listen = env.get("MAKERMATCH_LISTEN").expect("ENV MAKERMATCH_LISTEN");
    let port: u16 = listen
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("MAKERMATCH_LISTEN `{listen}` has no port"));

    // Everything RUN as root, before the USER switch.
    let root_commands: Vec<Vec<String>> = stage[..user_at]
        .iter()
        .filter(|i| i.keyword == "RUN")
        .flat_map(|i| commands(&i.args))
        .collect();
    let useradd = root_commands
        .iter()
        .find(|c| c[0] == "useradd" && c.last() == Some(&user))
        .unwrap_or_else(|| panic!("the image creates the user {user}"));
    let uid = useradd
        .windows(2)
        .find(|p| p[0] == "--uid" || p[0] == "-u")
        .map(|p| p[1].clone())
        .expect("useradd --uid: a fixed uid to own host directories");
    assert!(
        root_commands.iter().any(|c| creates(c, &data_dir)),
        "the image creates its data dir {data_dir}: a volume on a path it lacks is root-owned"
    );
    assert!(
        root_commands.iter().any(|c| gives_to(c, &data_dir, &user)),
        "the data dir {data_dir} is owned by {user}, who runs the server"
    );

    let volumes: Vec<String> = stage
        .iter()
        .filter(|i| i.keyword == "VOLUME")
        .flat_map(|i| {
            i.args
                .trim_matches(|c| c == '[' || c == ']')
                .split([',', ' '])
                .map(|v| v.trim().trim_matches('"').to_owned())
                .filter(|v| !v.is_empty())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        volumes,
        vec![data_dir.clone()],
        "the VOLUME is the data dir"
    );

    let exposed = stage
        .iter()
        .find(|i| i.keyword == "EXPOSE")
        .expect("EXPOSE");
    assert_eq!(
        exposed.args,
        port.to_string(),
        "EXPOSE the port it listens on"
    );
    let health = stage
        .iter()
        .find(|i| i.keyword == "HEALTHCHECK")
        .expect("a HEALTHCHECK");
    assert!(
        health.args.contains(&format!(":{port}/healthz")),
        "the health check asks /healthz on port {port}: {}",
        health.args
    );
    let entry = stage
        .iter()
        .find(|i| i.keyword == "ENTRYPOINT")
        .expect("ENTRYPOINT");
    assert_eq!(entry.args, r#"["makermatch"]"#);
    assert!(
        stage
            .iter()
            .any(|i| i.keyword == "COPY" && i.args.ends_with(" /usr/local/bin/makermatch")),
        "makermatch is on the PATH in the image"
    );
    Image {
        user,
        uid,
        data_dir,
        port,
    }
}

fn compose() -> Value {
    serde_yaml_ng::from_str(&read("docker/compose.yaml")).expect("compose.yaml is YAML")
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for key in path {
        v = v.get(*key)?;
    }
    v.as_str()
}

/// The `## Docker` section of the README.
fn readme_docker() -> String {
    let readme = read("README.md");
    let start = readme.find("\n## Docker\n").expect("a Docker section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_owned()
}

#[test]
fn the_data_dir_is_created_and_owned_by_the_user_that_runs() {
    let image = image();
    assert_eq!(image.user, "makermatch");
    assert_eq!(image.data_dir, "/var/lib/makermatch/data");
}

#[test]
fn compose_mounts_a_named_volume_on_the_image_data_dir() {
    let image = image();
    let compose = compose();
    let service = &compose["services"]["makermatch"];
    assert_eq!(
        text(service, &["build", "dockerfile"]),
        Some("docker/Dockerfile")
    );
    assert_eq!(text(service, &["build", "context"]), Some(".."));
    let env_dir = text(service, &["environment", "MAKERMATCH_DATA_DIR"]);
    assert!(
        env_dir.is_none_or(|d| d == image.data_dir),
        "compose's MAKERMATCH_DATA_DIR {env_dir:?} is not the image's volume {}",
        image.data_dir
    );
    let mounts: Vec<&str> = service["volumes"]
        .as_sequence()
        .expect("volumes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let (volume, target) = mounts
        .iter()
        .find_map(|m| m.split_once(':'))
        .expect("a volume mount");
    assert_eq!(
        target, image.data_dir,
        "the volume is mounted on the data dir"
    );
    // A named volume (not a host path) takes the image's owner on first use.
    assert!(
        compose["volumes"].get(volume).is_some(),
        "`{volume}` is a named volume declared under volumes:"
    );
    let listen = text(service, &["environment", "MAKERMATCH_LISTEN"]).unwrap_or("0.0.0.0:8080");
    assert!(listen.ends_with(&format!(":{}", image.port)));
    let ports: Vec<&str> = service["ports"]
        .as_sequence()
        .expect("ports")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        ports.contains(&format!("127.0.0.1:{0}:{0}", image.port).as_str()),
        "{ports:?}"
    );
}

#[test]
fn compose_serves_the_graphiql_it_points_to() {
    let source = read("docker/compose.yaml");
    let compose = compose();
    let env = &compose["services"]["makermatch"]["environment"];
    let on = |key: &str| text(env, &[key]).is_none_or(|v| v == "true");
    if source
        .lines()
        .any(|l| l.starts_with('#') && l.contains("/graphql"))
    {
        assert!(
            on("MAKERMATCH_GRAPHQL__GRAPHIQL") && on("MAKERMATCH_GRAPHQL__INTROSPECTION"),
            "compose.yaml tells users to open GraphiQL, so it must serve it (with introspection)"
        );
    }
}

#[test]
fn the_readme_docker_section_matches_the_files() {
    let image = image();
    let compose = compose();
    let section = readme_docker();
    for path in ["docker/Dockerfile", "docker/compose.yaml"] {
        assert!(section.contains(path), "the README names {path}");
        assert!(root().join(path).exists(), "{path} exists");
    }
    assert!(
        section.contains(&image.data_dir),
        "the README names the data dir"
    );
    assert!(
        section.contains(&format!("uid {}", image.uid)),
        "the README names the uid a host directory must be writable by"
    );
    assert!(
        section.contains(&format!("`{}`", image.user)),
        "the README names the user"
    );
    assert!(section.contains(&format!("0.0.0.0:{}", image.port)));
    assert!(section.contains(&format!("http://127.0.0.1:{}/graphql", image.port)));
    for volume in compose["volumes"].as_mapping().expect("volumes").keys() {
        let volume = volume.as_str().unwrap();
        if volume == "makermatch-data" {
            assert!(
                section.contains(volume),
                "the README names the volume {volume}"
            );
        }
    }
    // What the README says about GraphiQL in compose is what compose sets.
    let env = &compose["services"]["makermatch"]["environment"];
    let flat = section.split_whitespace().collect::<Vec<_>>().join(" ");
    let said = if flat.contains("GraphiQL and introspection are on") {
        "true"
    } else if flat.contains("GraphiQL and introspection are off") {
        "false"
    } else {
        panic!("the README says whether compose serves GraphiQL");
    };
    assert_eq!(text(env, &["MAKERMATCH_GRAPHQL__GRAPHIQL"]), Some(said));
    assert_eq!(
        text(env, &["MAKERMATCH_GRAPHQL__INTROSPECTION"]),
        Some(said)
    );

    // Every command of its shell blocks names real files, services and arguments.
    let mut commands = 0;
    let mut in_block = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = line == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        commands += 1;
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], "docker", "{line}");
        for pair in words.windows(2) {
            if pair[0] == "-f" {
                assert!(
                    root().join(pair[1]).exists(),
                    "{line}: {} is missing",
                    pair[1]
                );
            }
        }
        if words[1] == "build" {
            assert_eq!(
                words.last(),
                Some(&"."),
                "built from the repository root: {line}"
            );
        }
        if let Some(at) = words.iter().position(|w| *w == "exec") {
            let service = words[at + 1];
            assert!(
                compose["services"].get(service).is_some(),
                "{line}: no service {service}"
            );
            assert_eq!(words[at + 2], "makermatch", "{line}");
            if let Err(e) = makermatch_api::cli::Cli::try_parse_from(&words[at + 2..]) {
                panic!("{line}: makermatch refuses it: {e}");
            }
        }
    }
    assert!(
        commands >= 3,
        "the Docker section shows build, up and token commands"
    );
}

#[test]
fn the_build_context_keeps_what_the_build_needs() {
    // The binary embeds search/data/taxonomy.toml; the context must not drop it.
    let ignored = read(".dockerignore");
    for pattern in ignored
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let pattern = pattern.trim_start_matches("./");
        assert!(
            !matches!(
                pattern,
                "search" | "search/data" | "**/data" | "*/data" | "api" | "Cargo.lock"
            ),
            ".dockerignore drops `{pattern}`, which the build needs"
        );
    }
}
