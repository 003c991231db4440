//! Compiles `lars.proto` with prost-build, using the protoc shipped by the
//! `protoc-bin-vendored` crate so a fresh machine needs only cargo. The
//! original's schema (`tests/original/lars_original.proto`) is compiled
//! too, for the compatibility tests.

fn main() {
    println!("cargo:rerun-if-changed=lars.proto");
    println!("cargo:rerun-if-changed=tests/original/lars_original.proto");
    let protoc = protoc_bin_vendored::protoc_bin_path().expect("vendored protoc is available");
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc);
    config
        .compile_protos(
            &["lars.proto", "tests/original/lars_original.proto"],
            &[".", "tests/original"],
        )
        .expect("lars.proto and the original's schema compile");
}
