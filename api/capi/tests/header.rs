//! `include/lars.h` is what cbindgen makes of this crate today: C callers
//! compile against the committed file, so a stale one fails here with the
//! command that regenerates it.

use std::path::Path;

const REGENERATE: &str = "LARS_UPDATE_HEADER=1 cargo test -p lars-capi --test header";

#[test]
fn the_committed_header_is_what_cbindgen_generates() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("read api/capi/cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen parses lars-capi");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = crate_dir.join("include/lars.h");
    if std::env::var_os("LARS_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write include/lars.h");
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale (it differs from what cbindgen generates from api/capi/src).\n\
         Regenerate it with:\n    {REGENERATE}\nand commit the result.",
        path.display()
    );
}

#[test]
fn the_header_states_the_rules_of_the_boundary() {
    let header =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/lars.h"))
            .expect("read include/lars.h");
    for needle in [
        "#define LARS_RET_SUCC 0",
        "#define LARS_RET_NOEXIST 3",
        "#define LARS_ERR_PANIC -7",
        "typedef struct LarsClient LarsClient;",
        "one thread at a time",
        "Ownership",
        "int lars_get_route(",
        "int lars_get_host_by_key(",
        "int lars_report_with_latency(",
        "uint64_t lars_hash_key(const char *data,",
        "const char *lars_code_str(int code);",
    ] {
        assert!(header.contains(needle), "lars.h lacks {needle:?}");
    }
}
