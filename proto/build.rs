//! Compiles `lars.proto` with prost-build, using the protoc shipped by the
//! `protoc-bin-vendored` crate so a fresh machine needs only cargo.

fn main() {
    println!("cargo:rerun-if-changed=lars.proto");
    let protoc = protoc_bin_vendored::protoc_bin_path().expect("vendored protoc is available");
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc);
    config
        .compile_protos(&["lars.proto"], &["."])
        .expect("lars.proto compiles");
}
